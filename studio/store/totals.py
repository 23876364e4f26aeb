"""A run's recorded totals against its dialogues: ``completed`` and ``failed`` are counts of the run's
dialogues by status, so they can always be checked (on opening a workspace) and derived again
(``studio store recover``). Works on the stored documents as they are."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: A run in one of these states wrote its totals last, after every dialogue: they must agree.
FINISHED = frozenset({"succeeded", "failed"})
#: Which dialogue status each total counts.
COUNTED = {"completed": "complete", "failed": "failed"}


@dataclass(frozen=True)
class TotalsFix:
    run_id: str
    field: str
    recorded: int
    derived: int
    finished: bool


def derived_totals(dialogues: Iterable[tuple[str, Any]]) -> dict[str, dict[str, int]]:
    """``{run_id: {"completed": n, "failed": n}}`` from the stored dialogues."""
    totals: dict[str, dict[str, int]] = {}
    for _id, doc in dialogues:
        run_id = doc.get("run_id") if isinstance(doc, dict) else None
        if not run_id:
            continue
        counts = totals.setdefault(run_id, dict.fromkeys(COUNTED, 0))
        for field, status in COUNTED.items():
            counts[field] += doc.get("status") == status
    return totals


def disagreements(runs: Iterable[tuple[str, Any]], dialogues: Iterable[tuple[str, Any]]) -> list[TotalsFix]:
    """Every recorded total that its dialogues do not bear out."""
    totals = derived_totals(dialogues)
    out = []
    for run_id, doc in runs:
        if not isinstance(doc, dict):
            continue
        counts = totals.get(run_id, dict.fromkeys(COUNTED, 0))
        for field in COUNTED:
            recorded = doc.get(field, 0)
            if isinstance(recorded, int) and recorded != counts[field]:
                out.append(TotalsFix(run_id, field, recorded, counts[field], doc.get("status") in FINISHED))
    return out


def corrected(doc: dict[str, Any], fixes: Iterable[TotalsFix]) -> dict[str, Any]:
    return {**doc, **{f.field: f.derived for f in fixes}}
