"""What a student turn turned out to be, whatever it was meant to be: each fault kind's spec
(:mod:`studio.domain.faults`) says how it is recognised."""

from __future__ import annotations

from collections.abc import Sequence

from studio.domain import FaultKind, Injection
from studio.domain.contract import Student
from studio.domain.faults import (
    Evidence,
    FaultSpec,
    by_language,
    detection_order,
    fallback_kind,
    spec_of,
)
from studio.domain.language import language_of
from studio.semantic.offtopic import topic_fit


def _in_bank(text: str, bank: frozenset[str]) -> bool:
    return " ".join(text.lower().replace("’", "'").split()).strip(" .!?") in bank


def holds(kind: FaultKind, text: str, injection: Injection | None, bank: frozenset[str], off_topic: bool) -> bool:
    """Whether ``text`` really is a ``kind`` answer: the kind its language makes it (Chinese), if
    any, and nothing else; otherwise what the kind's spec recognises in English."""
    return _holds(spec_of(kind), text, by_language(language_of(text)), _evidence(text, injection, bank, off_topic))


def _evidence(text: str, injection: Injection | None, bank: frozenset[str], off_topic: bool) -> Evidence:
    recorded = tuple(w for w, _ in injection.corrections) if injection else ()
    return Evidence(recorded, _in_bank(text, bank), off_topic)


def _holds(spec: FaultSpec, text: str, claimed: FaultSpec | None, evidence: Evidence) -> bool:
    """:func:`holds` with the kind its language makes ``text`` (``claimed``) and its evidence at hand."""
    if claimed is not None:
        return claimed is spec
    if spec.language is not None:
        return False
    return spec.holds(text, evidence)


def off_topic_in(text: str, topic: str = "", title: str = "",
                 history: Sequence[tuple[str, str]] = ()) -> bool:
    """Whether ``text`` leaves the dialogue's topic, judged offline from its words (any text)."""
    if not (topic or title or history):
        return False
    return topic_fit(text, topic=topic, title=title, history=list(history)).off_topic


def observe(text: str, intended: FaultKind | None = None, injection: Injection | None = None, *,
            off_topic_bank: frozenset[str] = frozenset(), off_topic: bool = False, topic: str = "",
            title: str = "", history: Sequence[tuple[str, str]] = ()) -> FaultKind:
    """The intended kind when it holds; otherwise the first kind that does (in the specs' priority).

    With the dialogue's ``topic``, ``title`` or ``history`` given, an utterance of any origin (typed,
    imported, written by a model) is off topic when its words leave the topic
    (:func:`studio.semantic.offtopic.topic_fit`), not only when it is a line of the bank.
    """
    claimed = by_language(language_of(text))
    meant = spec_of(intended) if intended is not None else None
    if not off_topic and claimed is None and (meant is None or meant.language is None):
        off_topic = off_topic_in(text, topic, title, history)
    if off_topic and intended != FaultKind.OFF_TOPIC and claimed is None:
        return FaultKind.OFF_TOPIC
    evidence = _evidence(text, injection, off_topic_bank, off_topic)  # the same for every kind asked
    if intended is not None and _holds(spec_of(intended), text, claimed, evidence):
        return intended
    for spec in detection_order():
        if _holds(spec, text, claimed, evidence):
            return spec.kind
    return fallback_kind()


def warm_up() -> None:
    """Load what detection reads (the speller's word list, the rule tables) now, not in the first
    utterance observed: a run or an import starts with it, so no turn waits for a load."""
    observe("We went to the park and played football.")


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
