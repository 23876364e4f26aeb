"""English phrase grammar for the offline simulator's slots: a verb phrase in the past or as a
gerund ("go hiking" → "went hiking", "going hiking"), a student's words as the teacher says them
back ("my dog" → "your dog") and the other way round, a capital letter, and whether a phrase takes
a plural verb.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_IRREGULAR = {"go": "went", "see": "saw", "eat": "ate", "buy": "bought", "take": "took", "have": "had",
              "do": "did", "make": "made", "meet": "met", "get": "got", "come": "came", "swim": "swam",
              "run": "ran", "win": "won", "lose": "lost", "read": "read", "write": "wrote", "spend": "spent",
              "feel": "felt", "learn": "learned", "give": "gave", "put": "put", "sell": "sold", "ride": "rode",
              "tell": "told", "build": "built", "bring": "brought", "think": "thought", "sing": "sang",
              "teach": "taught", "find": "found", "leave": "left", "sit": "sat", "fly": "flew", "begin": "began",
              "keep": "kept", "say": "said", "hold": "held", "wear": "wore", "catch": "caught", "drink": "drank",
              "is": "was", "are": "were", "set": "set", "cut": "cut", "feed": "fed", "lead": "led",
              "show": "showed", "grow": "grew", "draw": "drew", "choose": "chose", "shoot": "shot"}
_DOUBLE = {"run", "swim", "get", "sit", "plan", "shop", "stop", "put", "set", "cut", "jog", "chat", "begin"}


def _inflect(phrase: str, form: Callable[[str], str]) -> str:
    """``phrase`` with its first word (its verb; "video call" counts as one) put in ``form``."""
    verb, rest = ("video call", phrase[len("video call"):].strip()) if phrase.startswith("video call") \
        else phrase.partition(" ")[::2]
    return f"{form(verb.lower())} {rest}".strip()


def _past(low: str) -> str:
    if low == "video call":
        return "video called"
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low in _DOUBLE:
        return low + low[-1] + "ed"
    if low.endswith("e"):
        return low + "d"
    if low.endswith("y") and low[-2:-1] not in "aeiou":
        return low[:-1] + "ied"
    return low + "ed"


def _ing(low: str) -> str:
    if low == "video call":
        return "video calling"
    if low in _DOUBLE:
        return low + low[-1] + "ing"
    if low.endswith("ie"):
        return low[:-2] + "ying"
    if low.endswith("e") and not low.endswith("ee") and len(low) > 2:
        return low[:-1] + "ing"
    return low + "ing"


def past(phrase: str) -> str:
    """"go hiking" → "went hiking"."""
    return _inflect(phrase, _past)


def ing(phrase: str) -> str:
    """"go hiking" → "going hiking"."""
    return _inflect(phrase, _ing)


_YOU = [(re.compile(r"\bI am\b"), "you are"), (re.compile(r"\bI'm\b"), "you're"), (re.compile(r"\bI was\b"), "you were"),
        (re.compile(r"\bI'(ve|d|ll)\b"), r"you'\1"), (re.compile(r"\bwe're\b", re.I), "you're"),
        (re.compile(r"\bwe'(ve|d|ll)\b"), r"you'\1"), (re.compile(r"\bwe were\b"), "you were"),
        (re.compile(r"\bI\b"), "you"), (re.compile(r"\bmy\b"), "your"),
        (re.compile(r"\bme\b"), "you"), (re.compile(r"\bmyself\b"), "yourself"), (re.compile(r"\bwe\b"), "you"),
        (re.compile(r"\bour\b"), "your"), (re.compile(r"\bus\b"), "you")]
_ME = [(re.compile(r"\byou are\b"), "I am"), (re.compile(r"\byourself\b"), "myself"), (re.compile(r"\byour\b"), "my"),
       (re.compile(r"\byou\b"), "I")]


def to_you(text: str) -> str:
    """A student's phrase as the teacher says it: "walk my dog" → "walk your dog"."""
    for pattern, repl in _YOU:
        text = pattern.sub(repl, text)
    return text


def to_me(text: str) -> str:
    for pattern, repl in _ME:
        text = pattern.sub(repl, text)
    return text


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def plural(phrase: str) -> bool:
    head = re.split(r"\b(?:of|in|at|on|from|with|by)\b", phrase)[0].strip().split()
    if head and head[0].lower().endswith("ing") and head[0].lower() not in ("evening", "morning", "building"):
        return False  # a gerund phrase is singular: "doing practice tests is"
    last = head[-1].lower() if head else ""
    if last in ("people", "children", "men", "women", "teeth", "feet", "police"):
        return True
    return (last.endswith("s") and not last.endswith(("ss", "us", "is", "ics"))) or " and " in phrase


_HE = re.compile(r"\b(?:he|him|his|himself)\b|他", re.I)
_SHE = re.compile(r"\b(?:she|her|hers|herself)\b|她", re.I)
#: Words that name someone, whom a pronoun after them in the same sentence stands for ("The old teacher …, because he
#: …"): a different person from the one the student spoke of.
_SOMEONE = re.compile(r"\b(?:dad|father|grandpa|grandfather|brother|uncle|son|boy|man|mr|husband|mum|mom|mother|"
                      r"grandma|grandmother|sister|aunt|daughter|girl|woman|mrs|ms|miss|wife|cousin|teacher|coach|"
                      r"doctor|dentist|nurse|friend|classmate|player|partner|neighbour|neighbor|driver|character|"
                      r"singer|actor|actress|student|pupil|kid|child|baby|owner|guide|monitor|captain|waiter|"
                      r"waitress|manager|artist|writer|scientist|hero|king|queen|people|person|someone|everyone|"
                      r"nobody|anyone|farmer|worker|officer|chef|cook|host|guest|visitor|leader|member|officer)s?\b|"
                      r"\b[A-Z][a-z]+ (?:said|says|told|tells)\b")


def person_said(text: str) -> str:
    """Whether the student spoke of the person as "he" or "she" (他 / 她 too): "he", "she", or "" (neither, or
    both: two people)."""
    he, she = bool(_HE.search(text)), bool(_SHE.search(text))
    return "he" if he and not she else "she" if she and not he else ""


def other_person(sentence: str, person: str) -> bool:
    """Whether ``sentence`` calls the person the student spoke of as ``person`` by the other pronoun ("He told me …"
    after "她让我 …"), with nobody named before the pronoun that it could stand for instead."""
    other = _SHE if person == "he" else _HE if person == "she" else None
    if other is None or not (m := other.search(sentence)):
        return False
    return not _SOMEONE.search(sentence[:m.start()])


_SWAP_TO_SHE = {"he": "she", "him": "her", "his": "her", "himself": "herself"}
_SWAP_TO_HE = {"she": "he", "hers": "his", "herself": "himself"}
#: Words after "her" that show it is "him" ("tell her about …"), not "his" ("her name").
_AFTER_OBJECT = frozenset("to about that and or but so because when if the a an at in on for with from how what "
                          "why where again too more first every".split())


def as_person(sentence: str, person: str) -> str:
    """``sentence`` with the other pronoun said as ``person`` ("He told me …" → "She told me …"; "tell her about" →
    "tell him about", "her name" → "his name"), where it is said of the student's person (:func:`other_person`)."""
    if not other_person(sentence, person):
        return sentence

    def swap(m: re.Match[str]) -> str:
        word = m.group(1)
        low = word.lower()
        if person == "she":
            new = _SWAP_TO_SHE[low]
        elif low == "her":
            after = re.match(r"\s*([A-Za-z']+)", sentence[m.end():])
            new = "him" if after is None or after.group(1).lower() in _AFTER_OBJECT else "his"
        else:
            new = _SWAP_TO_HE[low]
        return new.capitalize() if word[0].isupper() else new

    pronouns = r"\b(he|him|his|himself)\b" if person == "she" else r"\b(she|her|hers|herself)\b"
    return re.sub(pronouns, swap, sentence, flags=re.I)
