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
from typing import Any

from studio.domain import DatasetSnapshot, StudentTurn
from studio.domain.runs import CallRecord
from studio.export.samples import Sample
from studio.store import Store

OFFLINE_PROVIDER = "offline"
OFFLINE_MODEL_PREFIX = "offline"
IMPORTED = ("imported", "from the imported file")
UNKNOWN = ("unknown", "no ledger record")
BY_HAND = ("by hand", "edited in review")
BANK = ("off-topic file", "a line of the off-topic bank")

OFFLINE_WARNING = ("{share} of this dataset's teacher answers{student} come from the offline simulator, a rule-based "
                   "stand-in for a model (demos, tests, the pipeline's shape). Its text is template-like: fine-tuning a "
                   "tutor on it teaches those templates. Generate with a real teacher model for training data.")


def is_offline(provider: str, model: str) -> bool:
    return provider == OFFLINE_PROVIDER or model.startswith(OFFLINE_MODEL_PREFIX)


def _calls(store: Store) -> tuple[dict[str, tuple[str, str]], dict[tuple[str, int, str], tuple[str, str]]]:
    by_id: dict[str, tuple[str, str]] = {}
    by_turn: dict[tuple[str, int, str], tuple[str, str]] = {}
    for _, raw in store.calls.raw():
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


def provenance(store: Store, samples: Iterable[Sample]) -> dict[str, Any]:
    """Teacher answers and the student turns they answer, counted by (provider, model)."""
    calls = _calls(store)
    teacher: Counter[tuple[str, str]] = Counter()
    student: Counter[tuple[str, str]] = Counter()
    for s in samples:
        imported = s.dialogue.source == "imported"
        last_raw = next((e for e in reversed(s.turn.edits) if e.field == "raw"), None)
        if last_raw is not None and last_raw.note != "regenerated":  # a regenerated answer has its call
            teacher[BY_HAND] += 1
        else:
            teacher[_source(s.turn.call_id, (s.dialogue.id, s.index, "teacher"), imported, calls)] += 1
        before = s.dialogue.turns[s.index - 1] if s.index else None
        if isinstance(before, StudentTurn):
            made = _source(before.call_id, (s.dialogue.id, s.index - 1, "student"), imported, calls)
            if made == UNKNOWN and before.injection and before.injection.method.startswith("off_topic.bank"):
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
    share = "all" if offline == total else f"{offline} of {total}"
    student = ""
    if students:
        all_students = students == counts.get("provenance.student.total", 0)
        student = f" ({'and all' if all_students else f'and {students}'} of the student turns they answer)"
    return OFFLINE_WARNING.format(share=share.capitalize() if share == "all" else share, student=student)


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
