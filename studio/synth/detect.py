"""What a student turn turned out to be, whatever it was meant to be."""

from __future__ import annotations

from collections.abc import Sequence

from studio.domain import FaultKind, Injection
from studio.domain.contract import Student
from studio.domain.language import Language, language_of
from studio.domain.learner import find_grammar_errors, find_spelling_errors
from studio.domain.text import word_count
from studio.semantic.offtopic import topic_fit

SHORT_MAX_WORDS = 10


def _in_bank(text: str, bank: frozenset[str]) -> bool:
    return " ".join(text.lower().replace("’", "'").split()).strip(" .!?") in bank


def holds(kind: FaultKind, text: str, injection: Injection | None, bank: frozenset[str], off_topic: bool) -> bool:
    """Whether ``text`` really is a ``kind`` answer."""
    chinese = language_of(text) is Language.CHINESE
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


def off_topic_in(text: str, topic: str = "", title: str = "",
                 history: Sequence[tuple[str, str]] = ()) -> bool:
    """Whether ``text`` leaves the dialogue's topic, judged offline from its words (any text)."""
    if not (topic or title or history):
        return False
    return topic_fit(text, topic=topic, title=title, history=list(history)).off_topic


def observe(text: str, intended: FaultKind | None = None, injection: Injection | None = None, *,
            off_topic_bank: frozenset[str] = frozenset(), off_topic: bool = False, topic: str = "",
            title: str = "", history: Sequence[tuple[str, str]] = ()) -> FaultKind:
    """The intended kind when it holds; otherwise the first kind that does.

    With the dialogue's ``topic``, ``title`` or ``history`` given, an utterance of any origin (typed,
    imported, written by a model) is off topic when its words leave the topic
    (:func:`studio.semantic.offtopic.topic_fit`), not only when it is a line of the bank.
    """
    if not off_topic and intended != FaultKind.CHINESE and language_of(text) is not Language.CHINESE:
        off_topic = off_topic_in(text, topic, title, history)
    if off_topic and intended != FaultKind.OFF_TOPIC and language_of(text) is not Language.CHINESE:
        return FaultKind.OFF_TOPIC
    if intended is not None and holds(intended, text, injection, off_topic_bank, off_topic):
        return intended
    order = (FaultKind.CHINESE, FaultKind.OFF_TOPIC, FaultKind.SPELLING, FaultKind.GRAMMAR, FaultKind.SHORT)  # by priority
    for kind in order:
        if holds(kind, text, injection, off_topic_bank, off_topic):
            return kind
    return FaultKind.NORMAL


def student_of(text: str, *, off_topic_bank: frozenset[str] = frozenset(), topic: str = "", title: str = "",
               history: Sequence[tuple[str, str]] = ()) -> Student:
    """The Student a teacher answer is checked against, for a text with no label of its own (an
    imported sample, a dataset line): its observed fault, and whether an off-topic verdict is sure
    (a line of the bank) or judged from its words only (a suspicion, checked as a warning)."""
    seen = observe(text, off_topic_bank=off_topic_bank, topic=topic, title=title, history=history)
    return student_seen(text, seen, off_topic_bank)


def student_seen(text: str, seen: FaultKind, off_topic_bank: frozenset[str] = frozenset()) -> Student:
    """:func:`student_of` for a text whose fault was already observed."""
    sure = seen != FaultKind.OFF_TOPIC or _in_bank(text, off_topic_bank)
    return Student(text, seen, off_topic=seen == FaultKind.OFF_TOPIC, off_topic_sure=sure)
