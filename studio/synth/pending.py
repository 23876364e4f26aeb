"""The off-topic judgements an import leaves for later, made after it: persisted as they go, resumable.

An import reads a file at the speed of its other checks (:class:`studio.export.importer.Importer`):
its student turns are stored with ``topic_pending`` set, and the teacher answers after them checked
without the off-topic suspicion. :func:`judge_pending` then judges those turns a chunk of dialogues
at a time — their sentences run through the sentence model together, verdicts read from and kept on
disk (:mod:`studio.semantic.verdicts`), so a file imported again judges nothing again — records each
verdict, checks the teacher answer after it again when the verdict changed what the checks know, and
stores the chunk before the next. Killed halfway, it goes on from the turns still pending
(``studio judge``; the TUI judges in the background and says "judging 12,000 / 36,000").
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from studio.domain import Dialogue, FaultKind, StudentTurn, TeacherTurn, Topic
from studio.domain.contract import Student
from studio.semantic.offtopic import prepare
from studio.store import Store
from studio.synth.detect import observe, student_seen
from studio.turn.context import context_at, history_of, topic_title
from studio.turn.verdict import judge_answer

#: Dialogues judged, then stored, together.
CHUNK = 256


@dataclass
class Progress:
    judged: int  # student turns judged so far, this pass
    total: int  # student turns pending when the pass began
    off_topic: int = 0  # of those judged, found off topic
    changed: int = 0  # teacher answers whose checks changed
    failing: int = 0  # teacher answers that fail a check now and passed before (less the reverse)


def pending_ids(store: Store) -> tuple[list[str], int]:
    """The dialogues with student turns still to judge, and how many such turns there are."""
    ids, turns = [], 0
    for d_id, raw in store.dialogues.raw():
        n = sum(1 for t in raw.get("turns", ()) if t.get("role") == "student" and t.get("topic_pending"))
        if n:
            ids.append(d_id)
            turns += n
    return ids, turns


def pending_count(store: Store) -> int:
    return pending_ids(store)[1]


def judge_pending(store: Store, bank: frozenset[str] = frozenset(), *,
                  on_progress: Callable[[Progress], None] | None = None,
                  stop: threading.Event | None = None) -> Progress:
    """Judge every pending student turn in ``store``; returns what was done (stops early when ``stop``
    is set, leaving the rest pending)."""
    ids, total = pending_ids(store)
    progress = Progress(0, total)
    if total and on_progress is not None:
        on_progress(progress)  # before the models load and the first chunk is judged
    topics = {t.id: t for t in store.topics}
    for start in range(0, len(ids), CHUNK):
        if stop is not None and stop.is_set():
            break
        dialogues = [d for d in (store.dialogues.get(i) for i in ids[start:start + CHUNK]) if d is not None]
        work = []
        for d in dialogues:
            topic = topics.get(d.topic_id)
            for i, t in enumerate(d.turns):
                if isinstance(t, StudentTurn) and t.topic_pending:
                    # an import judges against the topic text alone, as its file gave it (no title)
                    title = topic_title(topic) if topic and d.source != "imported" else ""
                    work.append((d, i, t, topic.text if topic else "", title, history_of(d.turns[:i])))
        prepare((t.text, text, title, history) for _, _, t, text, title, history in work)
        for d, i, t, text, title, history in work:
            _record(d, t, bank, text, title, history, progress)
            if topic := topics.get(d.topic_id):
                _recheck(d, i + 1, topic, bank, progress)
        with store.atomic():  # the chunk, stored whole on the newest state: a kill leaves it pending or judged
            for d in dialogues:
                _keep_edits(store, d)
            store.dialogues.put_many(dialogues)
        if on_progress is not None:
            on_progress(progress)
    return progress


def _record(d: Dialogue, t: StudentTurn, bank: frozenset[str], topic: str, title: str,
            history: list[tuple[str, str]], progress: Progress) -> None:
    imported = d.source == "imported"
    seen = observe(t.text, None if imported else t.intended_fault, t.injection, off_topic_bank=bank,
                   topic=topic, title=title, history=history)
    t.observed_fault, t.topic_pending = seen, False
    if imported:
        t.intended_fault = seen  # an imported answer has no intention but what it shows
    progress.judged += 1
    progress.off_topic += seen == FaultKind.OFF_TOPIC


def _recheck(d: Dialogue, index: int, topic: Topic, bank: frozenset[str], progress: Progress) -> None:
    """The teacher answer at ``index`` checked again against the student turn before it, now judged."""
    if index >= len(d.turns) or not isinstance(teacher := d.turns[index], TeacherTurn) or not teacher.train_weight:
        return
    before = d.turns[index - 1]
    assert isinstance(before, StudentTurn)
    if d.source == "imported":  # its verdict just made, and whether a bank line makes it sure
        student: Student | None = student_seen(before.text, before.observed_fault or FaultKind.NORMAL, bank)
    else:
        student = context_at(d, topic, index).student
    _, results = judge_answer(teacher.raw, teacher.kind, student)
    if [r.model_dump() for r in results] != [r.model_dump() for r in teacher.checks]:
        passed = teacher.passed
        teacher.checks = results
        progress.changed += 1
        progress.failing += passed - teacher.passed


def _keep_edits(store: Store, d: Dialogue) -> None:
    """A review or edit made while the chunk was judged is kept: stored turns win but for the verdicts."""
    stored = store.dialogues.get(d.id)
    if stored is None or len(stored.turns) != len(d.turns):
        return
    for i, (old, new) in enumerate(zip(stored.turns, d.turns, strict=True)):
        if isinstance(old, StudentTurn) and isinstance(new, StudentTurn) and old.text == new.text:
            old.observed_fault, old.intended_fault, old.topic_pending = new.observed_fault, new.intended_fault, False
        elif isinstance(old, TeacherTurn) and isinstance(new, TeacherTurn) and old.raw == new.raw and not old.edits:
            old.checks = new.checks
        d.turns[i] = old
