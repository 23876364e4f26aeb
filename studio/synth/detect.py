"""What a student turn turned out to be, whatever it was meant to be."""

from __future__ import annotations

from studio.domain import FaultKind, Injection
from studio.domain.learner import find_grammar_errors, find_spelling_errors
from studio.domain.text import cjk_share, word_count

SHORT_MAX_WORDS = 10


def _in_bank(text: str, bank: frozenset[str]) -> bool:
    return " ".join(text.lower().replace("’", "'").split()).strip(" .!?") in bank


def holds(kind: FaultKind, text: str, injection: Injection | None, bank: frozenset[str], off_topic: bool) -> bool:
    """Whether ``text`` really is a ``kind`` answer."""
    chinese = cjk_share(text) > 0.3
    if kind == FaultKind.CHINESE:
        return chinese
    if chinese:
        return False
    if kind == FaultKind.OFF_TOPIC:
        return off_topic or _in_bank(text, bank)
    recorded = [w for w, _ in injection.corrections] if injection else []
    if kind == FaultKind.SPELLING:
        return bool(recorded and all(w in text for w in recorded)) or bool(find_spelling_errors(text))
    if kind == FaultKind.GRAMMAR:
        return bool(recorded and all(w in text for w in recorded)) or bool(find_grammar_errors(text))
    words = word_count(text)
    if kind == FaultKind.SHORT:
        return 0 < words <= SHORT_MAX_WORDS
    return words > SHORT_MAX_WORDS and not find_spelling_errors(text) and not find_grammar_errors(text)


def observe(text: str, intended: FaultKind | None = None, injection: Injection | None = None, *,
            off_topic_bank: frozenset[str] = frozenset(), off_topic: bool = False) -> FaultKind:
    """The intended kind when it holds; otherwise the first kind that does."""
    if intended is not None and holds(intended, text, injection, off_topic_bank, off_topic):
        return intended
    order = (FaultKind.CHINESE, FaultKind.OFF_TOPIC, FaultKind.SPELLING, FaultKind.GRAMMAR, FaultKind.SHORT)  # by priority
    for kind in order:
        if holds(kind, text, injection, off_topic_bank, off_topic):
            return kind
    return FaultKind.NORMAL
