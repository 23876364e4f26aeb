"""The grammar errors Chinese learners of English typically make, as one two-way table.

Each :class:`GrammarRule` finds its error in any text and gives the correct form (the detectors,
the contract's checks, the offline teacher), and makes a correct phrase wrong the same way (the
fault injector, :func:`studio.domain.inject.inject_grammar`), so an injected error is one the
detector finds again with the original phrase as its fix. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

from studio.domain.rule_gate import RuleGate


@dataclass(frozen=True)
class Correction:
    """An error in a student's utterance and its correct form (grammar, spelling, or a Chinese word
    and its English)."""

    wrong: str
    right: str
    rule: str
    note: str  # a short Chinese explanation for the Analysis


def keep_case(src: str, out: str) -> str:
    return out[0].upper() + out[1:] if src[:1].isupper() else out


Fix = Callable[[re.Match[str]], str | None]  # None: not an error (or no error to make) here


@dataclass(frozen=True)
class GrammarRule:
    """One error both ways: ``pattern`` finds it and ``fix`` gives the correct form; ``correct``
    finds a correct phrase and ``breaks`` makes it the error."""

    id: str
    note: str
    pattern: re.Pattern[str]
    fix: Fix
    correct: re.Pattern[str]
    breaks: Fix


_BASE_VERBS = "know|like|want|have|think|go|understand|play|eat|need|remember|agree|mind|care|see|mean|enjoy|believe"
_THIRD = {"like": "likes", "go": "goes", "play": "plays", "want": "wants", "have": "has", "do": "does",
          "make": "makes", "live": "lives", "work": "works", "love": "loves", "think": "thinks", "say": "says",
          "get": "gets", "enjoy": "enjoys", "watch": "watches", "study": "studies", "need": "needs",
          "help": "helps", "give": "gives", "save": "saves", "bring": "brings", "keep": "keeps", "protect": "protects",
          "remind": "reminds", "look": "looks", "taste": "tastes", "cost": "costs", "share": "shares"}
_BASE = {v: k for k, v in _THIRD.items()}
_PAST = {"go": "went", "see": "saw", "eat": "ate", "buy": "bought", "take": "took", "visit": "visited",
         "watch": "watched", "play": "played", "enjoy": "enjoyed", "have": "had", "do": "did", "make": "made",
         "meet": "met", "get": "got", "come": "came", "stay": "stayed", "is": "was", "are": "were",
         "climb": "climbed", "cook": "cooked", "swim": "swam", "run": "ran", "win": "won", "lose": "lost",
         "read": "read", "write": "wrote", "spend": "spent", "feel": "felt", "learn": "learned",
         "talk": "talked", "help": "helped", "plan": "planned", "practise": "practised", "try": "tried",
         "walk": "walked", "ride": "rode", "bake": "baked", "wash": "washed", "clean": "cleaned",
         "listen": "listened", "order": "ordered", "study": "studied", "give": "gave", "sell": "sold",
         "teach": "taught", "build": "built", "sing": "sang", "paint": "painted"}
_PAST_BASE = {v: k for k, v in _PAST.items() if k not in ("is", "are", "read")}
_PAST_MARKER = re.compile(r"\b(yesterday|last (week|weekend|month|year|night|summer|winter|time|sunday|saturday)|\w+ ago|in 20[0-2]\d)\b", re.I)
_AUX_BEFORE = {"does", "did", "can", "could", "will", "would", "should", "may", "might", "must", "let", "make", "makes",
               "made", "help", "helps", "to", "doesn't", "didn't", "won't", "can't", "cannot", "shall", "and", "or",
               # verbs of perception and letting take a bare infinitive: "see it work", "let him go"
               "see", "saw", "seen", "watch", "watched", "hear", "heard", "lets", "have", "had", "feel", "felt",
               "notice", "noticed"}
_COUNTABLE = ("book|friend|student|classmate|day|year|hour|minute|thing|game|teacher|country|place|subject|song|"
              "movie|class|city|week|month|photo|picture|dish|question|animal|tree|bird|dog|cat|player|team|lesson")
_PLURAL_EXCEPTIONS = {"class": "classes", "city": "cities", "country": "countries", "dish": "dishes"}
_SINGULAR = {v: k for k, v in _PLURAL_EXCEPTIONS.items()}
_PLURALS = "|".join(_PLURAL_EXCEPTIONS.get(n, n + "s") for n in _COUNTABLE.split("|"))
_COUNT = "two|three|four|five|six|seven|eight|nine|ten|many|several|these|those|lots of|a lot of"
_ARTICLE_NOUN = ("idea|time|day|trip|book|dog|cat|friend|teacher|game|movie|film|place|job|question|plan|holiday|"
                 "city|team|song|chance|weekend|lesson|hobby|choice|view")
_ADJ = "good|big|small|new|great|nice|little|beautiful|wonderful|interesting|long|hard|fun|busy|lovely|relaxing"
#: Adjectives a learner puts straight after "it" without "is": "it delicious".
_PRED_ADJ = ("delicious|healthy|important|interesting|exciting|fun|great|good|cheap|convenient|easy|difficult|beautiful|"
             "quiet|comfortable|useful|special|different|boring|relaxing|popular|expensive|famous|safe|dangerous|"
             "helpful|amazing|wonderful|nice|necessary")
_BASE_AFTER_TO = "do|go|be|have|make|play|learn|try|see|eat|buy|join|visit|help|use|watch|read|cook|take|start|get|find"
_FEELINGS = "happy|excited|tired|busy|interested|nervous|sad|sure|glad|bored|hungry|lucky|proud|worried|afraid|good"
_PLACES = "park|cinema|library|museum|supermarket|beach|hospital|zoo|airport|station|gym|mall"
_COMPARATIVES = "better|easier|bigger|happier|faster|harder|cheaper"
_A_LOT = "time|money|fun|friends|things|people|homework|books"
_HEARD = "music|songs?|the radio|the teacher|him|her|me|them"


def _plural(noun: str) -> str:
    return _PLURAL_EXCEPTIONS.get(noun.lower(), noun + "s")


def _prev_word(m: re.Match[str]) -> str:
    before = m.string[: m.start()].split()
    return before[-1].lower().strip(",.;!?") if before else ""


def _sv_fix(m: re.Match[str]) -> str | None:
    if _prev_word(m) in _AUX_BEFORE:
        return None
    return f"{m.group(1)} {_THIRD[m.group(2).lower()]}"


_CLAUSE_BREAK = re.compile(r"[;.!?]|\b(?:because|but|and|so|than|while|although|until)\b", re.I)


def _in_past_clause(m: re.Match[str]) -> bool:
    """Whether the clause around the match names a past time ("Yesterday I go …"; not "I have a cold,
    because I talked too much yesterday" nor "I feel better than yesterday")."""
    starts = [b.end() for b in _CLAUSE_BREAK.finditer(m.string, 0, m.start())]
    end = _CLAUSE_BREAK.search(m.string, m.end())
    return bool(_PAST_MARKER.search(m.string[starts[-1] if starts else 0: end.start() if end else len(m.string)]))


def _past_fix(m: re.Match[str]) -> str | None:
    if not _in_past_clause(m):
        return None
    return f"{m.group(1)} {_PAST[m.group(2).lower()]}"


#: Verbs a learner gives an -s after "I" ("I likes"), by their wrong form.
I_VERBS = ("like", "prefer", "love", "enjoy", "want", "think", "feel", "go", "have", "make", "need", "hope", "know",
           "find", "try", "get", "take", "play", "study", "learn", "watch", "read", "visit", "see", "use", "spend",
           "believe", "work", "live", "help", "do")


def third_person(verb: str) -> str:
    if verb in ("have", "do", "go"):
        return {"have": "has", "do": "does", "go": "goes"}[verb]
    if verb.endswith("y") and verb[-2:-1] not in "aeiou":
        return verb[:-1] + "ies"
    if verb.endswith(("s", "sh", "ch", "x", "o")):
        return verb + "es"
    return verb + "s"


_I_FORM = {third_person(v): v for v in I_VERBS}
_THIRD_FORM = {"have": "has", "go": "goes", "do": "does"}
_ADVERB = r"(?:really|usually|always|often|sometimes|also|just|never) "


def _ing(verb: str) -> str:
    low = verb.lower()
    if low.endswith("e") and not low.endswith("ee") and len(low) > 2:
        return low[:-1] + "ing"
    if low in ("run", "swim", "get", "sit", "shop", "stop", "plan", "put"):
        return low + low[-1] + "ing"
    return low + "ing"


#: Activities a learner says "enjoy to do" of, by their -ing form (each one :func:`_ing` of its verb).
_GERUNDS = {_ing(v): v for v in ("swim", "read", "play", "dance", "cook", "hike", "watch", "listen", "sing", "draw",
                                 "run", "shop", "walk", "ride", "write", "make", "take", "paint", "bake", "climb",
                                 "chat", "learn", "skate", "fish", "camp", "travel", "study", "visit", "go")}


#: Words after which a pronoun starts a clause (its subject), so "it a …" there lacks its "is".
_CLAUSE_OPENERS = {"", "and", "but", "because", "so", "when", "if", "that", "think", "know", "guess", "hope",
                   "said", "says", "maybe", "yes", "no", "well", "or", "then", "now", "today", "sure"}


def _not_after_make(m: re.Match[str]) -> str | None:
    prev, before = _prev_word(m), m.string[: m.start()].rstrip()
    if prev == "think" or (prev not in _CLAUSE_OPENERS and not before.endswith((",", ";", ":", ".", "!", "?"))):
        return None  # an object or a question: "makes it fun", "think it important", "Is that important?"
    return f"{m.group(1)} is {m.group(2)}"


def _copula_fix(m: re.Match[str]) -> str | None:
    before = m.string[: m.start()].rstrip()
    if _prev_word(m) not in _CLAUSE_OPENERS and not before.endswith((",", ";", ":", ".", "!", "?")):
        return None  # an object: "makes it so hard", "use it a lot", "is it so hard?"
    return f"{m.group(1)} is {m.group(2)}"


def _people_fix(m: re.Match[str]) -> str | None:
    if any(w.endswith("ing") for w in m.string[: m.start()].split()[-5:]):
        return None
    return "people " + {"is": "are", "was": "were", "has": "have"}[m.group(1).lower()]


def _rule(id_: str, note: str, pattern: str, fix: Fix, correct: str, breaks: Fix, flags: int = re.I) -> GrammarRule:
    return GrammarRule(id_, note, re.compile(pattern, flags), fix, re.compile(correct, flags), breaks)


GRAMMAR_RULES: list[GrammarRule] = [
    _rule("grammar.auxiliary", "否定句缺少助动词 do/does",
          rf"\b(I|you|we|they) not ({_BASE_VERBS})\b", lambda m: f"{m.group(1)} don't {m.group(2)}",
          rf"\b(I|you|we|they) (?:don't|do not) ({_BASE_VERBS})\b", lambda m: f"{m.group(1)} not {m.group(2)}"),
    _rule("grammar.auxiliary", "否定句缺少助动词 does",
          rf"\b(he|she|it) not ({_BASE_VERBS})\b", lambda m: f"{m.group(1)} doesn't {m.group(2)}",
          rf"\b(he|she|it) (?:doesn't|does not) ({_BASE_VERBS})\b", lambda m: f"{m.group(1)} not {m.group(2)}"),
    _rule("grammar.copula", "句子缺少系动词 be",
          r"\b(it|he|she|this) (a|an|very|so)\b(?! (much|many|that)\b)", _copula_fix,
          r"\b(it|he|she|this) is (a|an|very|so)\b(?! (much|many|that)\b)", lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.copula", "句子缺少系动词 am",
          rf"\bI (very|so|really) ({_FEELINGS})\b", lambda m: f"I am {m.group(1)} {m.group(2)}",
          rf"\bI am (very|so|really) ({_FEELINGS})\b", lambda m: f"I {m.group(1)} {m.group(2)}", flags=0),
    _rule("grammar.agreement", "主语是第三人称单数，动词要加 -s/-es",
          rf"\b(he|she|it|my (?:mother|father|mom|dad|brother|sister|friend)) ({'|'.join(_THIRD)})\b", _sv_fix,
          rf"\b(he|she|it|my (?:mother|father|mom|dad|brother|sister|friend)) ({'|'.join(_BASE)})\b",
          lambda m: f"{m.group(1)} {_BASE[m.group(2).lower()]}"),
    _rule("grammar.tense", "句中有过去的时间，动词要用过去式",
          rf"\b(I|we|they|he|she) ({'|'.join(k for k in _PAST if k not in ('is', 'are', 'read'))})\b", _past_fix,
          rf"\b(I|we|they|he|she) ({'|'.join(_PAST_BASE)})\b",
          lambda m: f"{m.group(1)} {_PAST_BASE[m.group(2).lower()]}" if _in_past_clause(m) else None),
    _rule("grammar.article", "这里需要定冠词 the",
          rf"\b(go|went|going|goes) to ({_PLACES})\b", lambda m: f"{m.group(1)} to the {m.group(2)}",
          rf"\b(go|went|going|goes) to the ({_PLACES})\b", lambda m: f"{m.group(1)} to {m.group(2)}"),
    _rule("grammar.article", "可数名词单数前需要冠词 a/an",
          rf"\b(have|has|had|is|was|it's|buy|bought|want|wants) ({_ADJ}) ({_ARTICLE_NOUN})\b",
          lambda m: None if (m.group(2).lower(), m.group(3).lower()) == ("little", "time")  # "have little time"
          else f"{m.group(1)} {'an' if m.group(2)[0].lower() in 'aeiou' else 'a'} {m.group(2)} {m.group(3)}",
          rf"\b(have|has|had|is|was|it's|buy|bought|want|wants) an? ({_ADJ}) ({_ARTICLE_NOUN})\b",
          lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)}"),
    _rule("grammar.plural", "数量大于一时名词要用复数",
          rf"\b({_COUNT}) ({_COUNTABLE})\b(?!')", lambda m: f"{m.group(1)} {_plural(m.group(2))}",
          rf"\b({_COUNT}) ({_PLURALS})\b",
          lambda m: f"{m.group(1)} {_SINGULAR.get(m.group(2).lower(), m.group(2)[:-1])}"),
    _rule("grammar.word_order", "'very' 不能直接修饰动词，可以用 really 或 ... very much",
          r"\b(I|we|they|he|she) very (like|likes|love|loves|enjoy|enjoys|want|wants)\b",
          lambda m: f"{m.group(1)} really {m.group(2)}",
          r"\b(I|we|they|he|she) really (like|likes|love|loves|enjoy|enjoys|want|wants)\b",
          lambda m: f"{m.group(1)} very {m.group(2)}"),
    _rule("grammar.comparative", "比较级前不再加 more",
          r"\bmore (better|easier|bigger|happier|faster|harder|worse|older|younger|cheaper)\b", lambda m: m.group(1),
          rf"\b({_COMPARATIVES})\b", lambda m: f"more {m.group(1)}"),
    _rule("grammar.agree", "agree 是动词，前面不用 am/are",
          r"\b(I|we|they) (am|are) agree\b", lambda m: f"{m.group(1)} agree",
          r"\b(I|we|they) agree\b", lambda m: f"{m.group(1)} {'am' if m.group(1) == 'I' else 'are'} agree"),
    _rule("grammar.copula", "句子缺少系动词 is",
          rf"\b(it|this|that) ({_PRED_ADJ})\b(?=\s*(?:[,.!?;]|$|and\b|but\b|because\b|for\b|to\b|too\b))",
          _not_after_make,
          rf"\b(it|this|that) is ({_PRED_ADJ})\b", lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.agreement", "主语是 I，动词不加 -s",
          rf"\bI ({_ADVERB})?({'|'.join(_I_FORM)})\b", lambda m: f"I {m.group(1) or ''}{_I_FORM[m.group(2)]}",
          rf"\bI ({_ADVERB})?({'|'.join(I_VERBS)})\b", lambda m: f"I {m.group(1) or ''}{third_person(m.group(2))}",
          flags=0),
    _rule("grammar.agreement", "主语是复数，动词不加 -s",
          r"\b(we|they) (always |usually |often |sometimes )?(has|goes|likes|wants|makes|does|feels|needs)\b",
          lambda m: f"{m.group(1)} {m.group(2) or ''}{_I_FORM.get(m.group(3).lower(), m.group(3)[:-1])}",
          r"\b(we|they) (always |usually |often |sometimes )?(have|go|like|want|make|do|feel|need)\b",
          lambda m: f"{m.group(1)} {m.group(2) or ''}{_THIRD_FORM.get(m.group(3).lower(), m.group(3) + 's')}"),
    _rule("grammar.agreement", "people 是复数，要用 are/were/have",
          r"\bpeople (is|was|has)\b", _people_fix,
          r"\bpeople (are|were|have)\b", lambda m: "people " + {"are": "is", "were": "was", "have": "has"}[m.group(1).lower()]),
    _rule("grammar.going_to", "be going to 不能缺少 be 动词",
          r"\bI going to\b", lambda m: "I'm going to",
          r"\bI'm going to\b", lambda m: "I going to", flags=0),
    _rule("grammar.adjective", "描述人的感受用 -ed 形容词（excited / bored / interested）",
          r"\bI ('m|am|was|feel|felt) (so |very |really )?(exciting|boring|interesting|relaxing|tiring)\b",
          lambda m: f"I {m.group(1)} {m.group(2) or ''}{m.group(3)[:-3]}ed",
          r"\bI ('m|am|was|feel|felt) (so |very |really )?(excited|bored|interested|relaxed|tired)\b",
          lambda m: f"I {m.group(1)} {m.group(2) or ''}{m.group(3)[:-2]}ing"),
    _rule("grammar.a_lot_of", "a lot 修饰名词时要用 a lot of",
          rf"\ba lot ({_A_LOT})\b", lambda m: f"a lot of {m.group(1)}",
          rf"\ba lot of ({_A_LOT})\b", lambda m: f"a lot {m.group(1)}"),
    _rule("grammar.modal", "情态动词后面直接用动词原形，不加 to",
          r"\b(can|could|should|must|will|would) to (\w+)", lambda m: f"{m.group(1)} {m.group(2)}",
          r"\b(can|could|should|must|will|would) (?!be\b|not\b|like\b|rather\b|you\b|I\b|we\b)([a-z]+)\b",
          lambda m: f"{m.group(1)} to {m.group(2)}"),
    _rule("grammar.infinitive", "want / would like 后面要用 to do",
          rf"\b(want|wants|wanted|would like|'d like) ({_BASE_AFTER_TO})\b", lambda m: f"{m.group(1)} to {m.group(2)}",
          rf"\b(want|wants|wanted|would like|'d like) to ({_BASE_AFTER_TO})\b", lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.make_do", "make sb. do 中不定式不带 to",
          r"\b(makes?|made) (me|us|him|her|them) to (\w+)", lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)}",
          r"\b(makes?|made) (me|us|him|her|them) ([a-z]+)\b",
          lambda m: None if m.group(3) in ("happy", "sad", "tired") else f"{m.group(1)} {m.group(2)} to {m.group(3)}"),
    _rule("grammar.preposition", "listen 后面要加 to",
          rf"\b(listen|listens|listened|listening) ({_HEARD})\b", lambda m: f"{m.group(1)} to {m.group(2)}",
          rf"\b(listen|listens|listened|listening) to ({_HEARD})\b", lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.gerund", "enjoy 后面要用动词 -ing 形式",
          r"\b(enjoy|enjoys|enjoyed) to (\w+)", lambda m: f"{m.group(1)} {_ing(m.group(2))}",
          rf"\b(enjoy|enjoys|enjoyed) ({'|'.join(_GERUNDS)})\b",
          lambda m: f"{m.group(1)} to {_GERUNDS[m.group(2).lower()]}"),
    _rule("grammar.discuss", "discuss 是及物动词，后面不加 about",
          r"\b(discuss(?:ed|es|ing)?) about\b", lambda m: m.group(1),
          r"\b(discuss(?:ed|es|ing)?)\b(?= (?!about\b)[a-z])", lambda m: f"{m.group(1)} about"),
]


_AN_WORDS = ("hour|hours|apple|egg|idea|orange|old|interesting|important|easy|amazing|exciting|umbrella|excellent|"
             "elephant|art|island|animal|email|answer|extra|English|eight|honest|open|empty|early|unusual|uncle|"
             "exam|event|essay|office|aunt|actor|artist|area|ice|other|hour|invitation|example|adventure|airport")
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_UNCOUNTABLE = "homework|information|advice|furniture|luggage|equipment|knowledge|housework"
_PRONOUN = "me|him|her|us|them"
_BE_ADJ = ("happy|sad|tired|ready|busy|late|careful|quiet|nervous|excited|able|free|fine|safe|good|better|"
           "back|proud|hungry|sure|glad|kind|patient|brave|friends")
_PLURAL_ADJ = (f"{_FEELINGS}|friendly|kind|careful|quiet|noisy|cheap|expensive|delicious|different|"
               "helpful|popular|lucky|close|similar|useful")
_PAST_AFTER_AUX = {"went": "go", "saw": "see", "ate": "eat", "bought": "buy", "took": "take", "came": "come",
                   "gave": "give", "wrote": "write", "told": "tell", "swam": "swim", "sang": "sing", "ran": "run",
                   "got": "get", "did": "do", "felt": "feel", "met": "meet", "won": "win", "spent": "spend"}
_BASE_AFTER_AUX = {v: k for k, v in _PAST_AFTER_AUX.items()}
_ENOUGH = "big|old|warm|good|strong|fast|early|tall|hot|cold|long|safe|quiet|cheap|close|large|easy|clear|ready"
#: The end of a clause: what may follow a phrase that is complete ("… at the morning." but not "at the morning sky").
_CLAUSE_END = r"(?=\s*[.,!?;]|\s+(?:and|but|because|so|with|for|to|now|when|before|after|too)\b|\s*$)"
_SPENT_ON = r"(?:\w+ )?(?:time|hours|an hour|two hours|the afternoon|the weekend|the evening|the morning)"


def _there_be(m: re.Match[str]) -> str:
    return f"{m.group(1)} {'is' if m.group(3).lower() in ('a', 'an') else 'are'} {m.group(3)}"


GRAMMAR_RULES += [
    _rule("grammar.article", "元音音素开头的词前用 an",
          rf"\ba ({_AN_WORDS})\b", lambda m: f"{m.group(0)[0]}n {m.group(1)}",
          rf"\ban ({_AN_WORDS})\b", lambda m: f"a {m.group(1)}"),
    _rule("grammar.preposition", "在上午、下午、晚上用介词 in",
          rf"\bat the (morning|afternoon|evening)\b{_CLAUSE_END}", lambda m: f"in the {m.group(1)}",
          rf"\bin the (morning|afternoon|evening)\b{_CLAUSE_END}", lambda m: f"at the {m.group(1)}"),
    _rule("grammar.preposition", "在具体某一天用介词 on",
          rf"\bin ({_DAYS})(s?)\b", lambda m: f"on {m.group(1)}{m.group(2)}",
          rf"\bon ({_DAYS})(s?)\b", lambda m: f"in {m.group(1)}{m.group(2)}"),
    _rule("grammar.preposition", "home 是副词，go home 前面不加 to",
          r"\b(go|goes|went|going|come|comes|came|coming|get|got|arrive|arrived) to home\b",
          lambda m: f"{m.group(1)} home",
          r"\b(go|goes|went|going|come|comes|came|coming|get|got|arrive|arrived) home\b",
          lambda m: f"{m.group(1)} to home"),
    _rule("grammar.preposition", "wait 后面要加 for 再接人或车",
          rf"\b(wait|waits|waited|waiting) ({_PRONOUN}|the bus|the train)\b", lambda m: f"{m.group(1)} for {m.group(2)}",
          rf"\b(wait|waits|waited|waiting) for ({_PRONOUN}|the bus|the train)\b", lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.preposition", "agree 后面接人时要用 agree with",
          rf"\b(agree|agrees|agreed) (you|him|her|them|me)\b{_CLAUSE_END}", lambda m: f"{m.group(1)} with {m.group(2)}",
          rf"\b(agree|agrees|agreed) with (you|him|her|them|me)\b{_CLAUSE_END}",
          lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.preposition", "be interested 后面用介词 in",
          r"\binterested (about|on|at|for)\b", lambda m: "interested in",
          r"\binterested in\b", lambda m: "interested about"),
    _rule("grammar.preposition", "take care 后面要加 of 再接宾语",
          r"\b(take|takes|took|taking) care (my|his|her|our|your|their|the|them|him|it|me|a|an)\b",
          lambda m: f"{m.group(1)} care of {m.group(2)}",
          r"\b(take|takes|took|taking) care of (my|his|her|our|your|their|the|them|him|it|me|a|an)\b",
          lambda m: f"{m.group(1)} care {m.group(2)}"),
    _rule("grammar.plural", "这是不可数名词，没有复数形式",
          rf"\b({_UNCOUNTABLE})s\b", lambda m: m.group(1),
          rf"\b({_UNCOUNTABLE})\b(?!')", lambda m: f"{m.group(1)}s"),
    _rule("grammar.plural", "one of 后面的名词要用复数",
          rf"\bone of (my|our|the|his|her|your|their) ({_COUNTABLE})\b(?!')",
          lambda m: f"one of {m.group(1)} {_plural(m.group(2))}",
          rf"\bone of (my|our|the|his|her|your|their) ({_PLURALS})\b",
          lambda m: f"one of {m.group(1)} {_SINGULAR.get(m.group(2).lower(), m.group(2)[:-1])}"),
    _rule("grammar.plural", "every / each 后面的名词用单数",
          rf"\b(every|each) ({_PLURALS})\b", lambda m: f"{m.group(1)} {_SINGULAR.get(m.group(2).lower(), m.group(2)[:-1])}",
          rf"\b(every|each) ({_COUNTABLE})\b(?!')", lambda m: f"{m.group(1)} {_plural(m.group(2))}"),
    _rule("grammar.word_order", "enough 修饰形容词时放在形容词后面",
          rf"\b(is|are|was|were|be|isn't|aren't) enough ({_ENOUGH})\b{_CLAUSE_END}",
          lambda m: f"{m.group(1)} {m.group(2)} enough",
          rf"\b(is|are|was|were|be|isn't|aren't) ({_ENOUGH}) enough\b{_CLAUSE_END}",
          lambda m: f"{m.group(1)} enough {m.group(2)}"),
    _rule("grammar.word_order", "very much 要放在宾语后面",
          r"\b(like|likes|liked|love|loves|loved|enjoy|enjoys|enjoyed) very much (it|them|this|that|him|her)\b",
          lambda m: f"{m.group(1)} {m.group(2)} very much",
          r"\b(like|likes|liked|love|loves|loved|enjoy|enjoys|enjoyed) (it|them|this|that|him|her) very much\b",
          lambda m: f"{m.group(1)} very much {m.group(2)}"),
    _rule("grammar.tense", "助动词、情态动词或 to 后面要用动词原形",
          rf"\b(did|didn't|will|won't|can|can't|could|should|would|must|to) ({'|'.join(_PAST_AFTER_AUX)})\b",
          lambda m: f"{m.group(1)} {_PAST_AFTER_AUX[m.group(2).lower()]}",
          rf"\b(did|didn't|will|won't|can|can't|could|should|would|must|to) ({'|'.join(_BASE_AFTER_AUX)})\b",
          lambda m: f"{m.group(1)} {_BASE_AFTER_AUX[m.group(2).lower()]}"),
    _rule("grammar.there_be", "表示“有”要用 there is / there are，不用 there have",
          r"\b(there) (have|has) (a|an|many|lots|two|three|four|five|\d+)\b", _there_be,
          r"\b(there) (is|are) (a|an|many|lots|two|three|four|five|\d+)\b",
          lambda m: f"{m.group(1)} have {m.group(3)}"),
    _rule("grammar.copula", "句子缺少系动词 are",
          rf"\b(they|we|you) (very|so|really|too) ({_PLURAL_ADJ})\b", lambda m: f"{m.group(1)} are {m.group(2)} {m.group(3)}",
          rf"\b(they|we|you) are (very|so|really|too) ({_PLURAL_ADJ})\b", lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)}"),
    _rule("grammar.copula", "情态动词后面缺少 be",
          rf"\b(will|can|won't|would|should|must|'ll) ({_BE_ADJ})\b", lambda m: f"{m.group(1)} be {m.group(2)}",
          rf"\b(will|can|won't|would|should|must|'ll) be ({_BE_ADJ})\b", lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.let_do", "let sb. do 中不定式不带 to",
          rf"\b(let|lets) ({_PRONOUN}) to (\w+)", lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)}",
          rf"\b(let|lets) ({_PRONOUN}) (?!in\b|out\b|down\b|off\b|up\b|go\b)([a-z]+)\b",
          lambda m: f"{m.group(1)} {m.group(2)} to {m.group(3)}"),
    _rule("grammar.gerund", "spend time 后面用动词 -ing 形式",
          rf"\b(spend|spends|spent) ({_SPENT_ON}) to (\w+)", lambda m: f"{m.group(1)} {m.group(2)} {_ing(m.group(3))}",
          rf"\b(spend|spends|spent) ({_SPENT_ON}) ({'|'.join(_GERUNDS)})\b",
          lambda m: f"{m.group(1)} {m.group(2)} to {_GERUNDS[m.group(3).lower()]}"),
]

_SINGULAR_NOUNS = ("bike|car|book|dog|cat|map|bag|ticket|seat|room|house|garden|job|test|party|card|cake|"
                   "plan|idea|question|problem|computer|phone|camera|pen|box|bottle|letter|list|poster|sign|video|photo|"
                   "picture|song|story|game|film|movie|robot|tent|taxi|scarf|notebook|toothbrush|lamp|pet|puppy|friend|"
                   "teacher|doctor|nurse|student|guide|partner|chance|reason|mistake|dream|hobby|habit|goal|"
                   "timetable|diary|helper|volunteer|trip|shower|nap|uniform|umbrella")
_PARTICIPLES = {"seen": "saw", "gone": "went", "eaten": "ate", "taken": "took", "given": "gave", "written": "wrote",
                "done": "did", "come": "came", "begun": "began", "sung": "sang", "swum": "swam", "drunk": "drank",
                "spoken": "spoke", "broken": "broke", "chosen": "chose", "forgotten": "forgot", "known": "knew",
                "grown": "grew", "flown": "flew", "ridden": "rode", "driven": "drove", "fallen": "fell", "run": "ran"}
_AS_PAST = {v: k for k, v in _PARTICIPLES.items()}
_GO_DOING = "shopping|swimming|hiking|camping|fishing|running|skating|skiing|cycling|climbing|dancing"
_EMBEDDED = r"(ask|asked|asks|know|knows|tell|told|wonder|show|showed|understand|explain)( (?:me|him|her|them|us))?"


def _article(m: re.Match[str]) -> str:
    return f"{m.group(1)} {'an' if m.group(2)[0].lower() in 'aeiou' else 'a'} {m.group(2)}"


GRAMMAR_RULES += [
    _rule("grammar.article", "可数名词单数前需要冠词 a/an",
          rf"\b(is|was|have|has|had|buy|bought|want|wants|need|needs|get|got|take|took|bring|brought|use|uses|"
          rf"write|wrote|am|'m) ({_SINGULAR_NOUNS})\b{_CLAUSE_END}", _article,
          rf"\b(is|was|have|has|had|buy|bought|want|wants|need|needs|get|got|take|took|bring|brought|use|uses|"
          rf"write|wrote|am|'m) an? ({_SINGULAR_NOUNS})\b{_CLAUSE_END}", lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.tense", "现在完成时要用过去分词",
          rf"\b(have|has|'ve) ({'|'.join(_AS_PAST)})\b", lambda m: f"{m.group(1)} {_AS_PAST[m.group(2).lower()]}",
          rf"\b(have|has|'ve) ({'|'.join(_PARTICIPLES)})\b",
          lambda m: f"{m.group(1)} {_PARTICIPLES[m.group(2).lower()]}"),
    _rule("grammar.preposition", "call sb. 直接接宾语，不加 to",
          r"\b(call|calls|called|calling) to (me|him|her|them|us|my|his|our|their)\b",
          lambda m: f"{m.group(1)} {m.group(2)}",
          r"\b(call|calls|called|calling) (me|him|her|them|us|my|his|our|their)\b",
          lambda m: f"{m.group(1)} to {m.group(2)}"),
    _rule("grammar.preposition", "go + 动词 -ing 表示去做某事，中间不加 to",
          rf"\b(go|goes|went|going) to ({_GO_DOING})\b", lambda m: f"{m.group(1)} {m.group(2)}",
          rf"\b(go|goes|went|going) ({_GO_DOING})\b", lambda m: f"{m.group(1)} to {m.group(2)}"),
    _rule("grammar.word_order", "宾语从句要用陈述句语序",
          rf"\b{_EMBEDDED} (where|what|when|how|why|who) (is|are|was|were|can|could|will) (I|you|we|they|he|she|it)\b",
          lambda m: f"{m.group(1)}{m.group(2) or ''} {m.group(3)} {m.group(5)} {m.group(4)}",
          rf"\b{_EMBEDDED} (where|what|when|how|why|who) (I|you|we|they|he|she|it) (is|are|was|were|can|could|will)\b",
          lambda m: f"{m.group(1)}{m.group(2) or ''} {m.group(3)} {m.group(5)} {m.group(4)}"),
]

_INSTRUMENTS = "piano|guitar|violin|drums|flute|erhu|trumpet|cello|ukulele"
_BEST_NOUNS = ("part|thing|way|day|time|place|gift|idea|choice|friend|food|moment|dish|game|book|film|movie|song|"
               "present|memory|season|job|team|player|teacher|seat|trip|holiday|weekend")
_OFTEN = "always|usually|often|never|sometimes"
_HABITS = "go|play|eat|walk|read|watch|help|get|ride|take|cook|visit|talk|practise|practice|listen|drink|call"

GRAMMAR_RULES += [
    _rule("grammar.article", "play 后接乐器时要加 the",
          rf"\b(play|plays|played|playing) ({_INSTRUMENTS})\b", lambda m: f"{m.group(1)} the {m.group(2)}",
          rf"\b(play|plays|played|playing) the ({_INSTRUMENTS})\b", lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.article", "same 前面要加 the",
          r"\b(is|are|was|were|look|looks|looked|feel|feels|felt|do|did|have|had|wear|wore|at) same\b",
          lambda m: f"{m.group(1)} the same",
          r"\b(is|are|was|were|look|looks|looked|feel|feels|felt|do|did|have|had|wear|wore|at) the same\b",
          lambda m: f"{m.group(1)} same"),
    _rule("grammar.article", "形容词最高级修饰名词时前面要加 the",
          rf"\b(is|was|are|were) (best|worst|biggest|hardest|easiest|happiest|funniest) ({_BEST_NOUNS})\b",
          lambda m: f"{m.group(1)} the {m.group(2)} {m.group(3)}",
          rf"\b(is|was|are|were) the (best|worst|biggest|hardest|easiest|happiest|funniest) ({_BEST_NOUNS})\b",
          lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)}"),
    _rule("grammar.preposition", "different 后面用 from，不用 with",
          r"\bdifferent with\b", lambda m: "different from",
          r"\bdifferent from\b", lambda m: "different with"),
    _rule("grammar.preposition", "arrive 后面用 at 或 in，不用 to",
          r"\b(arrive|arrives|arrived|arriving) to (the|school)\b", lambda m: f"{m.group(1)} at {m.group(2)}",
          r"\b(arrive|arrives|arrived|arriving) at (the|school)\b", lambda m: f"{m.group(1)} to {m.group(2)}"),
    _rule("grammar.word_order", "频度副词要放在实义动词前面",
          rf"\b(I|we|they|you) ({_HABITS}) ({_OFTEN})\b", lambda m: f"{m.group(1)} {m.group(3)} {m.group(2)}",
          rf"\b(I|we|they|you) ({_OFTEN}) ({_HABITS})\b", lambda m: f"{m.group(1)} {m.group(3)} {m.group(2)}"),
]

#: The kind of error each rule makes, as teachers group them; the injector spreads its errors over
#: these kinds (a rule that fits almost any sentence, such as "-s after I", does not crowd out the rest).
KINDS: dict[str, str] = {
    "grammar.tense": "tense", "grammar.article": "articles", "grammar.plural": "plurals",
    "grammar.preposition": "prepositions", "grammar.word_order": "word order", "grammar.copula": "missing verbs",
    "grammar.auxiliary": "missing verbs", "grammar.going_to": "missing verbs", "grammar.there_be": "missing verbs",
    "grammar.agreement": "agreement", "grammar.agree": "agreement", "grammar.infinitive": "verb forms",
    "grammar.gerund": "verb forms", "grammar.modal": "verb forms", "grammar.make_do": "verb forms",
    "grammar.let_do": "verb forms", "grammar.comparative": "word forms", "grammar.adjective": "word forms",
    "grammar.a_lot_of": "word forms", "grammar.discuss": "prepositions",
}


#: How often a kind is drawn when a sentence allows it (relative): the kinds that fit almost every
#: sentence ("-s after I", "can to go") give way to the ones that fit fewer.
KIND_WEIGHTS: dict[str, float] = {"tense": 2.0, "articles": 6.0, "plurals": 3.0, "prepositions": 6.0,
                                  "word order": 4.0, "missing verbs": 1.5, "agreement": 0.35, "verb forms": 0.35,
                                  "word forms": 1.0}


@cache
def _gate() -> RuleGate:
    """The rules' :class:`RuleGate`, made on first use (reading the patterns takes a tenth of a second)."""
    return RuleGate([rule.pattern for rule in GRAMMAR_RULES])


def find_grammar_errors(text: str) -> list[Correction]:
    return list(_grammar(text))


@lru_cache(maxsize=65536)
def _grammar(text: str) -> tuple[Correction, ...]:
    found: list[Correction] = []
    for i in _gate().may_match(text):  # the rules whose first words the text holds: no other can match
        rule = GRAMMAR_RULES[i]
        for m in rule.pattern.finditer(text):
            right = rule.fix(m)
            if right is not None:
                found.append(Correction(m.group(0), keep_case(m.group(0), right), rule.id, rule.note))
    return tuple(found)
