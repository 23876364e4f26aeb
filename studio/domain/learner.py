"""What Chinese learners of English typically get wrong: spelling here, grammar in
:mod:`studio.domain.grammar` (its two-way table), both found by :func:`find_errors`.

The tables serve four users: the fault injectors (make a correct sentence wrong and record the
correction), the detectors and contract checks (find errors in unlabelled text), and the offline
simulator's teacher (point the errors out). Pure functions; the dictionary behind the spelling
check is pyspellchecker's word list, loaded once on first use.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from studio.domain.grammar import Correction, find_grammar_errors, keep_case
from studio.domain.rule_gate import RuleGate
from studio.domain.text import english_words, word_count

__all__ = ["Correction", "find_errors", "find_grammar_errors", "find_spelling_errors", "is_non_answer"]


# --- spelling ------------------------------------------------------------------------------

#: Frequent learner misspellings, wrong → right.
MISSPELLINGS: dict[str, str] = {
    "becuase": "because", "beacuse": "because", "becouse": "because", "becase": "because", "becaus": "because",
    "freind": "friend", "freinds": "friends",
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
    (re.compile(r"\b(more|less|better|worse|rather|bigger|smaller|older|younger|faster|slower|cheaper|easier|"
                r"harder|longer|shorter|higher|taller|larger|happier|busier|healthier|quieter|warmer|colder|hotter|"
                r"nicer|safer|closer|further|farther|cleaner|cooler|stronger|richer|heavier|lighter|fewer) then\b",
                re.I), r"\1 than", "than"),
    (re.compile(r"\bquiet (a|an|good|nice|easy|hard|far|different|busy|big|small|often|well|interesting|difficult|"
                r"close|near|expensive|cheap|popular|long|short|tired|sure|happy|fun|a lot|new|old|young|fast|"
                r"slow|late|early)\b", re.I), r"quite \1", "quite"),
    (re.compile(r"\bits (a|an|the|very|so|really|too|not|fun|great|good|easy|hard|time|important|nice|interesting|"
                r"cold|hot|my|our|always|also|just|quite|much|more|better)\b", re.I), r"it's \1", "it's"),
    (re.compile(r"\b(we|they|you) where\b", re.I), r"\1 were", "were"),
    (re.compile(r"\bto by (a|an|the|some|new|it|them|me|him|her|us|more|presents?|gifts?|food|tickets?|things|"
                r"clothes|books?|shoes)\b", re.I), r"to buy \1", "buy"),
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


@lru_cache(maxsize=1 << 17)
def _unknown(word: str) -> bool:
    """Whether the dictionary lacks ``word`` (lower case): asked once a word, as words repeat."""
    return bool(_speller().unknown([word]))


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
    return str(min(accents or candidates, key=lambda c: (-speller[c], c)))


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


@cache
def _homophone_gate() -> RuleGate:
    return RuleGate([pattern for pattern, _, _ in HOMOPHONES])


def find_spelling_errors(text: str, *, use_dictionary: bool = True) -> list[Correction]:
    return list(_spelling(text, use_dictionary))


@lru_cache(maxsize=65536)
def _spelling(text: str, use_dictionary: bool) -> tuple[Correction, ...]:
    """Misspellings in ``text``: the learner table, homophones in context, then the dictionary.

    Capitalised words are taken as names and skipped by the dictionary check.
    """
    found: list[Correction] = []
    seen: set[str] = set()
    for i in _homophone_gate().may_match(text):
        pattern, replacement, right = HOMOPHONES[i]
        for m in pattern.finditer(text):
            found.append(Correction(m.group(0), keep_case(m.group(0), m.expand(replacement)), "spelling.homophone",
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
        for w in [w for w in unknown if _unknown(w)]:
            if _british(w, speller):
                continue
            fix = _correction(w)
            if fix and fix != w:
                found.append(Correction(w, fix, "spelling.dictionary", "拼写错误"))
    return tuple(found)


def find_errors(text: str) -> list[Correction]:
    return find_spelling_errors(text) + find_grammar_errors(text)
