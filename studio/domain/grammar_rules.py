"""The first table of :data:`studio.domain.grammar.GRAMMAR_RULES` (:data:`RULES`): the errors Chinese learners
make most (a missing do/does or be, agreement, tense, articles, plurals, word order, verb and word forms),
with the word lists and the fixes they share with :mod:`studio.domain.grammar_rules_more`. Pure functions.
"""

from __future__ import annotations

import re

from studio.domain.grammar_rule import GrammarRule
from studio.domain.grammar_rule import rule as _rule

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



RULES: list[GrammarRule] = [
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
