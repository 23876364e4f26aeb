"""What Chinese learners of English typically get wrong: spelling and grammar.

One table serves four users: the fault injectors (make a correct sentence wrong and record the
correction), the detectors and contract checks (find errors in unlabelled text), and the offline
simulator's teacher (point the errors out). Pure functions; the dictionary behind the spelling
check is pyspellchecker's word list, loaded once on first use.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from studio.domain.text import CJK, LATIN, WORD, cjk_share, english_words, word_count  # noqa: F401


@dataclass(frozen=True)
class Correction:
    wrong: str
    right: str
    rule: str
    note: str  # a short Chinese explanation for the Analysis


# --- spelling ------------------------------------------------------------------------------

#: Frequent learner misspellings, wrong → right.
MISSPELLINGS: dict[str, str] = {
    "becuase": "because", "beacuse": "because", "becouse": "because", "freind": "friend", "freinds": "friends",
    "beatiful": "beautiful", "beautifull": "beautiful", "wierd": "weird", "recieve": "receive",
    "beleive": "believe", "intresting": "interesting", "intersting": "interesting", "diffrent": "different",
    "realy": "really", "tommorow": "tomorrow", "tomorow": "tomorrow", "libary": "library",
    "definately": "definitely", "enviroment": "environment", "vegatable": "vegetable", "vegetabel": "vegetable",
    "excercise": "exercise", "togather": "together", "resturant": "restaurant", "delicous": "delicious",
    "probly": "probably", "wensday": "Wednesday", "sience": "science", "importent": "important",
    "famliy": "family", "holliday": "holiday", "hoilday": "holiday", "weekand": "weekend", "travle": "travel",
    "swiming": "swimming", "runing": "running", "writting": "writing", "comming": "coming", "untill": "until",
    "allready": "already", "allways": "always", "adress": "address", "neccessary": "necessary",
    "sentance": "sentence", "contry": "country", "shcool": "school", "techer": "teacher",
    "homwork": "homework", "exersize": "exercise", "basketbal": "basketball", "favorit": "favourite",
    "foood": "food", "studing": "studying", "stoped": "stopped", "hapy": "happy",
    "happend": "happened", "begining": "beginning", "buisness": "business", "wich": "which", "whith": "with",
    "thier": "their", "knowlege": "knowledge", "langauge": "language", "languge": "language", "grammer": "grammar",
    "pronounciation": "pronunciation", "experiance": "experience", "succesful": "successful", "sucess": "success",
    "acommodation": "accommodation", "occured": "occurred", "arguement": "argument",
    "finaly": "finally", "usualy": "usually", "especialy": "especially", "beutiful": "beautiful",
    "mountian": "mountain", "mountan": "mountain", "weahter": "weather", "wether": "weather",
    "musuem": "museum", "muesum": "museum", "camra": "camera", "piture": "picture", "pictrue": "picture",
    "vacaton": "vacation", "hobbie": "hobby", "hobbys": "hobbies", "sandwitch": "sandwich",
    "chiken": "chicken", "tomatos": "tomatoes", "potatos": "potatoes", "breakfest": "breakfast",
    "lunck": "lunch", "intrested": "interested",
    "suprise": "surprise", "surprize": "surprise", "gril": "girl", "frist": "first", "thrid": "third",
    "speack": "speak", "englsih": "English", "engilsh": "English", "chinse": "Chinese", "chiness": "Chinese",
    "computor": "computer", "telephon": "telephone", "prefered": "preferred", "tird": "tired", "tierd": "tired",
}

#: Homophone slips a dictionary cannot see, caught in context.
HOMOPHONES: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"\btheir (is|are|was|were)\b", re.I), r"there \1", "there"),
    (re.compile(r"\b(is|are|was|were|it's|have|has|had|eat|ate|spend|spent|drink|drank|costs?) to (much|many)\b", re.I),
     r"\1 too \2", "too"),
    (re.compile(r"\byour welcome\b", re.I), "you're welcome", "you're"),
    (re.compile(r"\bwhether (is|was) (good|bad|nice|hot|cold|sunny|rainy)\b", re.I), r"weather \1 \2", "weather"),
    (re.compile(r"\bI no (that|how|what|why|where)\b", re.I), r"I know \1", "know"),
]

#: "I don't know", "I not understand", "How to say it?", "What does X mean?", "Um...": the student asks
#: for help instead of answering. The teacher helps (an easier question, the words to use); it is
#: neither an answer's fault nor a step off the topic.
NON_ANSWER = re.compile(r"\b((?:don't|do not|not) know|not sure|no idea|(?:don't|do not|not) understand|how to say|"
                        r"can't say|cannot say|what does .+ mean)\b|^(em+|um+|uh+)\W*$", re.I)
NON_ANSWER_MAX_WORDS = 10


def is_non_answer(text: str) -> bool:
    """Whether ``text`` (of at most :data:`NON_ANSWER_MAX_WORDS` words) asks for help instead of answering."""
    return word_count(text) <= NON_ANSWER_MAX_WORDS and bool(NON_ANSWER.search(text))


#: Correct words a US-English word list lacks, and names learners use every day.
EXTRA_WORDS = (
    "favourite colour colours honour neighbour neighbours behaviour centre theatre metre organise realise "
    "practise programme travelling travelled cancelled jewellery grey mum maths wechat wifi tiktok minecraft "
    "hotpot dumpling dumplings mooncake mooncakes kungfu taichi ok okay xian beijing shanghai douyin weibo "
    "bilibili alipay taobao gaokao mahjong zongzi jiaozi tangyuan hutong app apps podcast podcasts chatbot chatbots "
    "emoji emojis selfie selfies vlog vlogs"
).split()


@cache
def _speller():  # type: ignore[no-untyped-def]
    from spellchecker import SpellChecker

    # Distance 1 (one letter dropped, added, changed or two swapped) covers the learner slips the
    # injectors make and most real ones; distance 2 costs ~1,000× more per unknown word.
    speller = SpellChecker(distance=1)
    speller.word_frequency.load_words(EXTRA_WORDS)
    return speller


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@cache
def _correction(word: str) -> str | None:
    """pyspellchecker's correction (the most frequent known word one edit away, an accent-only
    difference first), with ties broken alphabetically: its own ``correction`` breaks them in set
    order, which changes with the process's hash seed, so the same slip could be read two ways."""
    speller = _speller()
    candidates = speller.candidates(word)
    if not candidates:
        return None
    accents = [c for c in candidates if _plain(c) == _plain(word)]
    return min(accents or candidates, key=lambda c: (-speller[c], c))


_BRITISH = (("our", "or"), ("ise", "ize"), ("ised", "ized"), ("ising", "izing"), ("isation", "ization"),
            ("yse", "yze"), ("tre", "ter"), ("tres", "ters"), ("lled", "led"), ("lling", "ling"), ("ller", "ler"),
            ("ogue", "og"), ("ence", "ense"), ("mme", "m"))


def _british(word: str, speller) -> bool:  # type: ignore[no-untyped-def]
    """A British spelling whose American twin the (American) word list knows: neighbourhood, organised."""
    for uk, us in _BRITISH:
        i = word.find(uk)
        while i != -1:
            if speller.known([word[:i] + us + word[i + len(uk):]]):
                return True
            i = word.find(uk, i + 1)
    return False


def find_spelling_errors(text: str, *, use_dictionary: bool = True) -> list[Correction]:
    return list(_spelling(text, use_dictionary))


@lru_cache(maxsize=65536)
def _spelling(text: str, use_dictionary: bool) -> tuple[Correction, ...]:
    """Misspellings in ``text``: the learner table, homophones in context, then the dictionary.

    Capitalised words are taken as names and skipped by the dictionary check.
    """
    found: list[Correction] = []
    seen: set[str] = set()
    for pattern, replacement, right in HOMOPHONES:
        for m in pattern.finditer(text):
            found.append(Correction(m.group(0), _keep_case(m.group(0), m.expand(replacement)), "spelling.homophone",
                                    f"同音词混淆，应写作 '{right}'"))
    words = english_words(text)
    unknown: list[str] = []
    for w in words:
        low = w.lower()
        if low in seen:
            continue
        seen.add(low)
        if low in MISSPELLINGS:
            found.append(Correction(w, MISSPELLINGS[low], "spelling.known", "拼写错误"))
        elif use_dictionary and len(w) >= 4 and w.islower() and "'" not in w:
            unknown.append(w)
    if unknown:
        speller = _speller()
        for w in sorted(speller.unknown(unknown), key=unknown.index):
            if _british(w, speller):
                continue
            right = _correction(w)
            if right and right != w:
                found.append(Correction(w, right, "spelling.dictionary", "拼写错误"))
    return tuple(found)


# --- grammar -------------------------------------------------------------------------------

_BASE_VERBS = "know|like|want|have|think|go|understand|play|eat|need|remember|agree|mind|care|see|mean|enjoy|believe"
_THIRD = {"like": "likes", "go": "goes", "play": "plays", "want": "wants", "have": "has", "do": "does",
          "make": "makes", "live": "lives", "work": "works", "love": "loves", "think": "thinks", "say": "says",
          "get": "gets", "enjoy": "enjoys", "watch": "watches", "study": "studies", "need": "needs",
          "help": "helps", "give": "gives", "save": "saves", "bring": "brings", "keep": "keeps", "protect": "protects",
          "remind": "reminds", "look": "looks", "taste": "tastes", "cost": "costs", "share": "shares"}
_PAST = {"go": "went", "see": "saw", "eat": "ate", "buy": "bought", "take": "took", "visit": "visited",
         "watch": "watched", "play": "played", "enjoy": "enjoyed", "have": "had", "do": "did", "make": "made",
         "meet": "met", "get": "got", "come": "came", "stay": "stayed", "is": "was", "are": "were",
         "climb": "climbed", "cook": "cooked", "swim": "swam", "run": "ran", "win": "won", "lose": "lost",
         "read": "read", "write": "wrote", "spend": "spent", "feel": "felt", "learn": "learned",
         "talk": "talked", "help": "helped", "plan": "planned", "practise": "practised", "try": "tried",
         "walk": "walked", "ride": "rode", "bake": "baked", "wash": "washed", "clean": "cleaned",
         "listen": "listened", "order": "ordered", "study": "studied", "give": "gave", "sell": "sold",
         "teach": "taught", "build": "built", "sing": "sang", "paint": "painted"}
_PAST_MARKER = re.compile(r"\b(yesterday|last (week|weekend|month|year|night|summer|winter|time|sunday|saturday)|\w+ ago|in 20[0-2]\d)\b", re.I)
_AUX_BEFORE = {"does", "did", "can", "could", "will", "would", "should", "may", "might", "must", "let", "make", "makes",
               "made", "help", "helps", "to", "doesn't", "didn't", "won't", "can't", "cannot", "shall", "and", "or",
               # verbs of perception and letting take a bare infinitive: "see it work", "let him go"
               "see", "saw", "seen", "watch", "watched", "hear", "heard", "lets", "have", "had", "feel", "felt",
               "notice", "noticed"}
_COUNTABLE = ("book|friend|student|classmate|day|year|hour|minute|thing|game|teacher|country|place|subject|song|"
              "movie|class|city|week|month|photo|picture|dish|question|animal|tree|bird|dog|cat|player|team|lesson")
_PLURAL_EXCEPTIONS = {"class": "classes", "city": "cities", "country": "countries", "dish": "dishes"}
_ARTICLE_NOUN = ("idea|time|day|trip|book|dog|cat|friend|teacher|game|movie|film|place|job|question|plan|holiday|"
                 "experience|city|team|song|chance|weekend|lesson|hobby|choice|view")
_ADJ = "good|big|small|new|great|nice|little|beautiful|wonderful|interesting|long|hard|fun|busy|lovely|relaxing"
#: Adjectives a learner puts straight after "it" without "is": "it delicious".
_PRED_ADJ = ("delicious|healthy|important|interesting|exciting|fun|great|good|cheap|convenient|easy|difficult|beautiful|"
             "quiet|comfortable|useful|special|different|boring|relaxing|popular|expensive|famous|safe|dangerous|"
             "helpful|amazing|wonderful|nice|necessary")
_BASE_AFTER_TO = "do|go|be|have|make|play|learn|try|see|eat|buy|join|visit|help|use|watch|read|cook|take|start|get|find"


def _plural(noun: str) -> str:
    return _PLURAL_EXCEPTIONS.get(noun.lower(), noun + "s")


def _keep_case(src: str, out: str) -> str:
    return out[0].upper() + out[1:] if src[:1].isupper() else out


@dataclass(frozen=True)
class GrammarRule:
    id: str
    note: str
    pattern: re.Pattern[str]
    fix: object  # Callable[[re.Match[str]], str | None]; None means "not an error here"


def _prev_word(m: re.Match[str]) -> str:
    before = m.string[: m.start()].split()
    return before[-1].lower().strip(",.;!?") if before else ""


def _sv_fix(m: re.Match[str]) -> str | None:
    if _prev_word(m) in _AUX_BEFORE:
        return None
    return f"{m.group(1)} {_THIRD[m.group(2).lower()]}"


def _past_fix(m: re.Match[str]) -> str | None:
    if not _PAST_MARKER.search(m.string):
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
_ADVERB = r"(?:really|usually|always|often|sometimes|also|just|never) "


GRAMMAR_RULES: list[GrammarRule] = [
    GrammarRule("grammar.auxiliary", "否定句缺少助动词 do/does",
                re.compile(rf"\b(I|you|we|they) not ({_BASE_VERBS})\b", re.I),
                lambda m: f"{m.group(1)} don't {m.group(2)}"),
    GrammarRule("grammar.auxiliary", "否定句缺少助动词 does",
                re.compile(rf"\b(he|she|it) not ({_BASE_VERBS})\b", re.I),
                lambda m: f"{m.group(1)} doesn't {m.group(2)}"),
    GrammarRule("grammar.copula", "句子缺少系动词 be",
                re.compile(r"\b(it|he|she|this) (a|an|very|so)\b(?! (much|many|that)\b)", re.I),
                lambda m: f"{m.group(1)} is {m.group(2)}"),
    GrammarRule("grammar.copula", "句子缺少系动词 am",
                re.compile(r"\bI (very|so|really) (happy|excited|tired|busy|interested|nervous|sad|sure|glad|bored|"
                           r"hungry|lucky|proud|worried|afraid|good)\b"),
                lambda m: f"I am {m.group(1)} {m.group(2)}"),
    GrammarRule("grammar.agreement", "主语是第三人称单数，动词要加 -s/-es",
                re.compile(rf"\b(he|she|it|my (?:mother|father|mom|dad|brother|sister|friend)) ({'|'.join(_THIRD)})\b", re.I),
                _sv_fix),
    GrammarRule("grammar.tense", "句中有过去的时间，动词要用过去式",
                re.compile(rf"\b(I|we|they|he|she) ({'|'.join(k for k in _PAST if k not in ('is', 'are', 'read'))})\b", re.I),
                _past_fix),
    GrammarRule("grammar.article", "这里需要定冠词 the",
                re.compile(r"\b(go|went|going|goes) to (park|cinema|library|museum|supermarket|beach|hospital|zoo|"
                           r"airport|station|gym|mall)\b", re.I),
                lambda m: f"{m.group(1)} to the {m.group(2)}"),
    GrammarRule("grammar.article", "可数名词单数前需要冠词 a/an",
                re.compile(rf"\b(have|has|had|is|was|it's|buy|bought|want|wants) ({_ADJ}) ({_ARTICLE_NOUN})\b", re.I),
                lambda m: f"{m.group(1)} {'an' if m.group(2)[0].lower() in 'aeiou' else 'a'} {m.group(2)} {m.group(3)}"),
    GrammarRule("grammar.plural", "数量大于一时名词要用复数",
                re.compile(rf"\b(two|three|four|five|six|seven|eight|nine|ten|many|several|these|those|lots of|a lot of) "
                           rf"({_COUNTABLE})\b(?!')", re.I),
                lambda m: f"{m.group(1)} {_plural(m.group(2))}"),
    GrammarRule("grammar.word_order", "'very' 不能直接修饰动词，可以用 really 或 ... very much",
                re.compile(r"\b(I|we|they|he|she) very (like|likes|love|loves|enjoy|enjoys|want|wants)\b", re.I),
                lambda m: f"{m.group(1)} really {m.group(2)}"),
    GrammarRule("grammar.comparative", "比较级前不再加 more",
                re.compile(r"\bmore (better|easier|bigger|happier|faster|harder|worse|older|younger|cheaper)\b", re.I),
                lambda m: m.group(1)),
    GrammarRule("grammar.agree", "agree 是动词，前面不用 am/are",
                re.compile(r"\b(I|we|they) (am|are) agree\b", re.I),
                lambda m: f"{m.group(1)} agree"),
    GrammarRule("grammar.copula", "句子缺少系动词 is",
                re.compile(rf"\b(it|this|that) ({_PRED_ADJ})\b(?=\s*(?:[,.!?;]|$|and\b|but\b|because\b|for\b|to\b|too\b))",
                           re.I),
                lambda m: f"{m.group(1)} is {m.group(2)}" if _prev_word(m) not in ("make", "makes", "made", "find",
                                                                                   "found", "keep", "keeps", "think")
                else None),
    GrammarRule("grammar.agreement", "主语是 I，动词不加 -s",
                re.compile(rf"\bI ({_ADVERB})?({'|'.join(_I_FORM)})\b"),
                lambda m: f"I {m.group(1) or ''}{_I_FORM[m.group(2)]}"),
    GrammarRule("grammar.agreement", "主语是复数，动词不加 -s",
                re.compile(r"\b(we|they) (always |usually |often |sometimes )?(has|goes|likes|wants|makes|does|feels|needs)\b",
                           re.I),
                lambda m: f"{m.group(1)} {m.group(2) or ''}{_I_FORM.get(m.group(3).lower(), m.group(3)[:-1])}"),
    GrammarRule("grammar.agreement", "people 是复数，要用 are/were/have",
                re.compile(r"\bpeople (is|was|has)\b", re.I),
                lambda m: None if any(w.endswith("ing") for w in m.string[: m.start()].split()[-5:])
                else "people " + {"is": "are", "was": "were", "has": "have"}[m.group(1).lower()]),
    GrammarRule("grammar.going_to", "be going to 不能缺少 be 动词",
                re.compile(r"\bI going to\b"), lambda m: "I'm going to"),
    GrammarRule("grammar.adjective", "描述人的感受用 -ed 形容词（excited / bored / interested）",
                re.compile(r"\bI ('m|am|was|feel|felt) (so |very |really )?(exciting|boring|interesting|relaxing|tiring)\b",
                           re.I),
                lambda m: f"I {m.group(1)} {m.group(2) or ''}{m.group(3)[:-3]}ed"),
    GrammarRule("grammar.a_lot_of", "a lot 修饰名词时要用 a lot of",
                re.compile(r"\ba lot (time|money|fun|friends|things|people|homework|books)\b", re.I),
                lambda m: f"a lot of {m.group(1)}"),
    GrammarRule("grammar.modal", "情态动词后面直接用动词原形，不加 to",
                re.compile(r"\b(can|could|should|must|will|would) to (\w+)", re.I),
                lambda m: f"{m.group(1)} {m.group(2)}"),
    GrammarRule("grammar.infinitive", "want / would like 后面要用 to do",
                re.compile(rf"\b(want|wants|wanted|would like|'d like) ({_BASE_AFTER_TO})\b", re.I),
                lambda m: f"{m.group(1)} to {m.group(2)}"),
    GrammarRule("grammar.make_do", "make sb. do 中不定式不带 to",
                re.compile(r"\b(makes?|made) (me|us|him|her|them) to (\w+)", re.I),
                lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)}"),
    GrammarRule("grammar.preposition", "listen 后面要加 to",
                re.compile(r"\b(listen|listens|listened|listening) (music|songs?|the radio|the teacher|him|her|me|them)\b", re.I),
                lambda m: f"{m.group(1)} to {m.group(2)}"),
    GrammarRule("grammar.gerund", "enjoy 后面要用动词 -ing 形式",
                re.compile(r"\b(enjoy|enjoys|enjoyed) to (\w+)", re.I),
                lambda m: f"{m.group(1)} {_ing(m.group(2))}"),
    GrammarRule("grammar.discuss", "discuss 是及物动词，后面不加 about",
                re.compile(r"\b(discuss(?:ed|es|ing)?) about\b", re.I),
                lambda m: m.group(1)),
]





def _ing(verb: str) -> str:
    low = verb.lower()
    if low.endswith("e") and not low.endswith("ee") and len(low) > 2:
        return low[:-1] + "ing"
    if low in ("run", "swim", "get", "sit", "shop", "stop", "plan", "put"):
        return low + low[-1] + "ing"
    return low + "ing"


def find_grammar_errors(text: str) -> list[Correction]:
    return list(_grammar(text))


@lru_cache(maxsize=65536)
def _grammar(text: str) -> tuple[Correction, ...]:
    found: list[Correction] = []
    for rule in GRAMMAR_RULES:
        for m in rule.pattern.finditer(text):
            right = rule.fix(m)  # type: ignore[operator]
            if right is not None:
                found.append(Correction(m.group(0), _keep_case(m.group(0), right), rule.id, rule.note))
    return tuple(found)


def find_errors(text: str) -> list[Correction]:
    return find_spelling_errors(text) + find_grammar_errors(text)
