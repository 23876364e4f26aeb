"""How the contract reads a teacher answer's words: its language, what it quotes or cites, whose voice
a Suggestion speaks in, how alike two sentences are. Pure and fast."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from studio.domain.language import CHARS_PER_WORD
from studio.domain.text import CJK, cjk_share, english_words


def _not_english(text: str) -> bool:
    if text.isascii():  # no CJK character in it
        return False
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    return cjk >= 3 or cjk_share(text) > 0.15


_QUOTED = re.compile(r"\"[^\"]*\"|'[^'\n]{2,}'|“[^”]*”|‘[^’]*’|「[^」]*」|《[^》]*》")


def chinese_share(text: str) -> float:
    """Chinese characters against English words (each :data:`CHARS_PER_WORD` characters): 0..1.
    Counting letters would make "应该说 I went to the park yesterday" (a Chinese correction quoting
    the right sentence without quotation marks) mostly English."""
    cjk = cjk_share(text)
    if cjk in (0.0, 1.0):
        return cjk
    chars = len(CJK.findall(text))
    return chars / (chars + CHARS_PER_WORD * len(english_words(text)))


def unquoted(text: str) -> str:
    """The text without quoted passages (quoted English is citation, not the Analysis' language)."""
    return _QUOTED.sub(" ", text)


#: A run of English words (spaces, commas and apostrophes inside it; a sentence end closes it).
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*(?:[ ,]+[A-Za-z0-9][A-Za-z0-9'’-]*)*")
#: What may come just before English a Chinese sentence cites: a Chinese word, a Chinese comma or
#: colon, an opening bracket or quotation mark ("应该说 I went …", "注意：enjoy doing", "（went）").
_CITES_AFTER = re.compile(r"[\u3400-\u9fff\uf900-\ufaff，、：:（(“‘「《\"']")
_HAN_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def uncited(text: str) -> str:
    """The text without the English it cites unquoted: a run of English words that follows a Chinese
    word, comma or colon, or is followed by a Chinese word ("你用了 went hiking，这个表达很好",
    "went hiking 用得很好"). English after a sentence end or at the start, followed by no Chinese
    word, is the text's own language ("很好! Your sentence is correct …")."""
    kept, at = [], 0
    for m in _ENGLISH_RUN.finditer(text):
        before, after = text[:m.start()].rstrip(), text[m.end():].lstrip()
        if (before and _CITES_AFTER.match(before[-1])) or (after and _HAN_CHAR.match(after[0])):
            kept.append(text[at:m.start()] + " ")
            at = m.end()
    return "".join(kept) + text[at:]


_COACH = re.compile(r"^\s*(you can|you could|you may|you should|you might|try to|try saying|remember to|please|"
                    r"let's practi[sc]e|tell me|describe|answer|use the|say\b|teacher\s*[:：]|老师)", re.I)
_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'd|I'll|my|me|mine|we|our|us)\b", re.I)
_QUESTION_START = re.compile(r"^\s*(what|how|why|where|when|who|which|do|does|did|are|is|can|could|would|will|have|has)\b", re.I)


def teacher_voice(suggestion: str) -> str | None:
    """Why a suggestion sounds like the teacher, not the student (``coaches``: it coaches the
    student; ``asks``: it asks the student a question); None if it is the student's."""
    if _COACH.search(suggestion):
        return "coaches"
    if suggestion.rstrip().endswith("?") and _QUESTION_START.search(suggestion) and not _FIRST_PERSON.search(suggestion):
        return "asks"
    return None


def similar(a: str, b: str) -> float:
    """0..1 similarity of two sentences (normalised Indel distance, as difflib's ratio)."""
    return fuzz.ratio(a.lower(), b.lower()) / 100
