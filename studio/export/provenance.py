"""Who wrote an exported dataset: the provider and model behind every teacher answer and every
student turn, and whether any of it came from the built-in offline simulator.

The offline simulator is rule-based: its answers show the pipeline's shape and keep demos and
tests running without a key, but they are template-like and are not data to fine-tune a tutor on.
An export records the mix in its manifest (``provenance``) and in its snapshot's counts
(``provenance.*``), so ``studio export`` and ``studio train start`` can say so.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from studio.domain import DatasetSnapshot, StudentTurn, TeacherTurn
from studio.domain.runs import CallRecord
from studio.export.samples import Sample
from studio.i18n import N_, _
from studio.store import Store

OFFLINE_PROVIDER = "offline"
OFFLINE_MODEL_PREFIX = "offline"
IMPORTED = ("imported", "from the imported file")
UNKNOWN = ("unknown", "no ledger record")
BY_HAND = ("by hand", "edited in review")
BANK = ("off-topic file", "a line of the off-topic bank")

OFFLINE_WARNING = N_("{share} of this dataset's teacher answers{student} come from the offline simulator, a rule-based "
                      "stand-in for a model (demos, tests, the pipeline's shape). Its text is template-like: fine-tuning "
                      "a tutor on it teaches those templates. Generate with a real teacher model for training data.")


def is_offline(provider: str, model: str) -> bool:
    return provider == OFFLINE_PROVIDER or model.startswith(OFFLINE_MODEL_PREFIX)


def _calls(store: Store) -> tuple[dict[str, tuple[str, str]], dict[tuple[str, int, str], tuple[str, str]]]:
    by_id: dict[str, tuple[str, str]] = {}
    by_turn: dict[tuple[str, int, str], tuple[str, str]] = {}
    for _doc_id, raw in store.calls.raw():
        try:
            call = CallRecord.model_validate(raw)
        except ValueError:
            continue
        if call.outcome not in ("ok", "cached"):
            continue
        source = (call.provider, call.model)
        by_id[call.id] = source
        if call.dialogue_id is not None and call.turn_index is not None:
            by_turn[(call.dialogue_id, call.turn_index, call.role)] = source
    return by_id, by_turn


def _source(call_id: str | None, key: tuple[str, int, str], imported: bool,
            calls: tuple[dict[str, tuple[str, str]], dict[tuple[str, int, str], tuple[str, str]]]) -> tuple[str, str]:
    by_id, by_turn = calls
    if call_id and call_id in by_id:
        return by_id[call_id]
    if key in by_turn:
        return by_turn[key]
    return IMPORTED if imported else UNKNOWN


class _Made(NamedTuple):
    """What provenance reads of one sample."""

    dialogue_id: str
    imported: bool
    by_hand: bool  # its answer was last written in review (not regenerated)
    call_id: str | None  # the teacher turn's call
    student: tuple[str | None, bool] | None  # the student turn it answers: its call, whether a bank line


def _made(s: Sample) -> _Made:
    """Read from the stored document (an export reads 40,000 samples); one not as the store writes
    it is read through its model."""
    try:
        return _made_raw(s)
    except (KeyError, TypeError, AttributeError, IndexError):
        pass
    d = s.stored.model
    turn, before = d.turns[s.index], d.turns[s.index - 1] if s.index else None
    assert isinstance(turn, TeacherTurn)
    last_raw = next((e for e in reversed(turn.edits) if e.field == "raw"), None)
    student = None
    if isinstance(before, StudentTurn):
        student = before.call_id, bool(before.injection and before.injection.method.startswith("off_topic.bank"))
    return _Made(d.id, d.source == "imported", last_raw is not None and last_raw.note != "regenerated", turn.call_id,
                 student)


def _made_raw(s: Sample) -> _Made:
    doc = s.stored.doc
    turns = doc["turns"]
    turn = turns[s.index]
    last_raw = next((e for e in reversed(turn.get("edits", [])) if e["field"] == "raw"), None)
    by_hand = last_raw is not None and last_raw.get("note", "") != "regenerated"
    before = turns[s.index - 1] if s.index else None
    student = None
    if before is not None and before["role"] == "student":
        injection = before.get("injection")
        method = injection.get("method", "") if injection is not None else ""
        student = _id(before.get("call_id")), bool(injection) and method.startswith("off_topic.bank")
    return _Made(s.dialogue_id, doc.get("source") == "imported", by_hand, _id(turn.get("call_id")), student)


def _id(value: Any) -> str | None:
    if value is not None and type(value) is not str:
        raise TypeError("not a call id")
    return value


def provenance(store: Store, samples: Iterable[Sample]) -> dict[str, Any]:
    """Teacher answers and the student turns they answer, counted by (provider, model)."""
    calls = _calls(store)
    teacher: Counter[tuple[str, str]] = Counter()
    student: Counter[tuple[str, str]] = Counter()
    for s in samples:
        m = _made(s)
        if m.by_hand:  # a regenerated answer has its call
            teacher[BY_HAND] += 1
        else:
            teacher[_source(m.call_id, (m.dialogue_id, s.index, "teacher"), m.imported, calls)] += 1
        if m.student is not None:
            call_id, bank = m.student
            made = _source(call_id, (m.dialogue_id, s.index - 1, "student"), m.imported, calls)
            if made == UNKNOWN and bank:
                made = BANK  # a line of the off-topic file, no model involved
            student[made] += 1
    rows = lambda counts, unit: [{"provider": p, "model": m, unit: n, "offline": is_offline(p, m)}  # noqa: E731
                                 for (p, m), n in counts.most_common()]
    return {
        "teacher": rows(teacher, "samples"),
        "student": rows(student, "turns"),
        "offline_teacher_samples": sum(n for (p, m), n in teacher.items() if is_offline(p, m)),
        "offline_student_turns": sum(n for (p, m), n in student.items() if is_offline(p, m)),
        "samples": sum(teacher.values()),
        "student_turns": sum(student.values()),
    }


def provenance_counts(prov: dict[str, Any]) -> dict[str, int]:
    """The figures a snapshot keeps in its counts (so a warning needs no file)."""
    return {"provenance.teacher.offline": prov["offline_teacher_samples"], "provenance.teacher.total": prov["samples"],
            "provenance.student.offline": prov["offline_student_turns"], "provenance.student.total": prov["student_turns"]}


def offline_warning(snapshot: DatasetSnapshot) -> str | None:
    """A warning when any of the snapshot's teacher answers (or student turns) are the offline
    simulator's; None when none are, or when the snapshot predates provenance and its manifest is gone."""
    counts = dict(snapshot.counts)
    if "provenance.teacher.total" not in counts:
        counts.update(_from_manifest(snapshot))
    total = counts.get("provenance.teacher.total", 0)
    offline = counts.get("provenance.teacher.offline", 0)
    students = counts.get("provenance.student.offline", 0)
    if not total or not (offline or students):
        return None
    share = _("All") if offline == total else _("{offline} of {total}").format(offline=offline, total=total)
    student = ""
    if students:
        all_students = students == counts.get("provenance.student.total", 0)
        student = (_(" (and all of the student turns they answer)") if all_students else
                   _(" (and {n} of the student turns they answer)").format(n=students))
    return _(OFFLINE_WARNING).format(share=share, student=student)


def snapshot_warning(store: Store, snapshot_id: str | None) -> str | None:
    """:func:`offline_warning` for a snapshot id (None when there is no such snapshot)."""
    snapshot = store.snapshots.get(snapshot_id) if snapshot_id else None
    return offline_warning(snapshot) if snapshot is not None else None


def _from_manifest(snapshot: DatasetSnapshot) -> dict[str, int]:
    for name in snapshot.files:
        manifest = Path(name).parent / "manifest.json"
        if manifest.is_file():
            try:
                prov = json.loads(manifest.read_text(encoding="utf-8")).get("provenance")
            except (OSError, ValueError):
                return {}
            return provenance_counts(prov) if isinstance(prov, dict) and "samples" in prov else {}
    return {}
