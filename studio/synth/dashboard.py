"""The numbers behind the Dashboard pane, computed in one pass over the stored documents.

Scope: the whole dataset, one run, or a set of sample keys (the current Samples filter). Every
figure is counted from the raw documents (no model validation); what each dialogue contributes is
kept, by the stored document it came from, so a refresh after an edit or a generated turn re-reads
only the dialogues that changed.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from studio.domain import DEFAULT_MIX, Mix
from studio.domain.contract import CHECK_IDS
from studio.domain.faults import STUDENT_FAULTS
from studio.domain.rubric import limits
from studio.domain.text import MAX_WORDS, word_count
from studio.llm.ledger import summarise
from studio.store import Store

#: Upper bounds of the length histograms (one more bucket for "above"). Reply and Suggestion are
#: counted in English words; the Analysis, mostly Chinese, in characters.
BUCKETS = {"reply": (5, 10, 15, 20, 25, 30, 40, 60), "suggestion": (5, 10, 15, 20, 25, 30, 40, 60),
           "analysis": (25, 50, 75, 100, 150, 200, 300, 400)}


@dataclass
class Stats:
    scope: str
    dialogues: int = 0
    samples: int = 0
    target: dict[str, float] = field(default_factory=dict)  # share per fault kind, summing to 1
    actual: Counter[str] = field(default_factory=Counter)  # student turns per intended fault
    position: dict[int, Counter[str]] = field(default_factory=dict)  # student turn no. -> faults
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (intended, observed)
    failed: Counter[str] = field(default_factory=Counter)  # check id -> samples failing it
    floors: Counter[int] = field(default_factory=Counter)  # lowest rubric limit -> samples
    lengths: dict[str, Counter[int]] = field(default_factory=dict)  # field -> bucket -> samples
    over_limit: Counter[str] = field(default_factory=Counter)  # reply/suggestion -> samples above 30 words
    per_topic: Counter[str] = field(default_factory=Counter)  # topic id -> samples
    topic_names: dict[str, str] = field(default_factory=dict)
    review: Counter[str] = field(default_factory=Counter)  # pending / approved / rejected / edited
    ledger: dict[str, Any] = field(default_factory=dict)
    by_role: dict[str, dict[str, float]] = field(default_factory=dict)

    def pass_rate(self, check_id: str) -> float:
        return 1.0 - self.failed[check_id] / self.samples if self.samples else 1.0

    def actual_share(self, kind: str) -> float:
        total = sum(self.actual.values())
        return self.actual[kind] / total if total else 0.0

    def least_covered(self, n: int = 5) -> list[tuple[str, int]]:
        every = {t: self.per_topic.get(t, 0) for t in self.topic_names}
        return sorted(every.items(), key=lambda kv: (kv[1], self.topic_names.get(kv[0], "")))[:n]


def bucket(name: str, size: int) -> int:
    return bisect_left(BUCKETS[name], size)


def bucket_label(name: str, i: int) -> str:
    bounds = BUCKETS[name]
    return f"≤{bounds[i]}" if i < len(bounds) else f">{bounds[-1]}"


def _size(name: str, parsed: dict[str, Any]) -> int:
    if name == "reply":
        return word_count(str(parsed.get("reply") or ""))
    if name == "suggestion":
        return max((word_count(str(s)) for s in parsed.get("suggestions") or ()), default=0)
    return len(str(parsed.get("analysis") or ""))


def compute(store: Store, *, run_id: str | None = None, keys: set[str] | None = None) -> Stats:
    """Figures for the whole store, one run (``run_id``) or the samples named in ``keys``."""
    scope = f"run {run_id}" if run_id else (f"filter ({len(keys)} samples)" if keys is not None else "whole dataset")
    stats = Stats(scope=scope, lengths={f: Counter() for f in ("reply", "suggestion", "analysis")})
    mix = DEFAULT_MIX
    runs = dict(store.runs.raw())
    if run_id and run_id in runs and (runs[run_id].get("config") or {}).get("mix"):
        mix = Mix.of(runs[run_id]["config"]["mix"])
    stats.target = {k.value: v for k, v in mix.shares().items()}
    stats.topic_names = {t_id: raw.get("title") or raw.get("text", "") for t_id, raw in store.topics.raw()}
    stored = store.dialogues.raw()
    for dialogue_id, doc in stored:
        if run_id and doc.get("run_id") != run_id:
            continue
        _count_dialogue(stats, dialogue_id, doc, keys)
    if len(_READ) > 2 * len(stored) + 1000:  # deleted dialogues, other workspaces: forget them
        ids = {i for i, _ in stored}
        with _READ_LOCK:
            for gone in [i for i in _READ if i not in ids]:
                del _READ[gone]
    calls = [c for _, c in store.calls.raw() if not run_id or c.get("run_id") == run_id]
    stats.ledger = summarise(calls)
    roles: dict[str, dict[str, float]] = defaultdict(lambda: {"calls": 0, "tokens": 0, "cost": 0.0})
    for c in calls:
        row = roles[f"{c['provider']} · {c.get('role') or '-'}"]
        row["calls"] += 1
        row["tokens"] += c["tokens_in"] + c["tokens_out"]
        row["cost"] += c["cost"]
    stats.by_role = dict(sorted(roles.items()))
    return stats


class _Sample(NamedTuple):
    """What the Dashboard counts of one sample, read once from its stored document."""

    key: str
    before: tuple[str, str, int] | None  # (intended, observed, student turn no.) of the turn it answers
    failed: tuple[str, ...]
    floor: int
    sizes: tuple[tuple[str, int], ...]  # (field, size) of the lengths counted
    review: str


#: Each dialogue's samples as last read, by dialogue id, with the document they were read from: the
#: store replaces a document on every write (never changes one in place), so a document that is the
#: same object is read from here, and a Dashboard refresh after one edit re-reads one dialogue.
_READ: dict[str, tuple[dict[str, Any], tuple[_Sample, ...]]] = {}
_READ_LOCK = threading.Lock()


def _samples(dialogue_id: str, doc: dict[str, Any]) -> tuple[_Sample, ...]:
    with _READ_LOCK:
        seen = _READ.get(dialogue_id)
    if seen is not None and seen[0] is doc:
        return seen[1]
    turns = doc.get("turns") or []
    out = []
    student_no = 0
    for i, t in enumerate(turns):
        if t.get("role") == "student":
            student_no += 1
            continue
        if t.get("train_weight", 1) == 0 and t.get("parsed") is None:
            continue
        before = turns[i - 1] if i and turns[i - 1].get("role") == "student" else None
        answered = None
        if before is not None:
            intended = before.get("intended_fault", "normal")
            answered = (intended, before.get("observed_fault") or intended, student_no)
        failed = tuple(sorted({c["id"] for c in t.get("checks", ()) if c.get("severity") == "error"}))
        floor = 3
        if failed:
            cap = limits(list(failed), opening=t.get("kind") == "opening")
            floor = min(cap.reply, cap.suggestion, cap.analysis)
        parsed = t.get("parsed") or {}
        sizes = tuple((name, _size(name, parsed)) for name in ("reply", "suggestion", "analysis")
                      if name != "analysis" or parsed.get("analysis"))  # an opening has no Analysis
        review = t.get("review", "pending")
        out.append(_Sample(f"{dialogue_id}:{i}", answered, failed, floor, sizes,
                           "edited" if t.get("edits") and review == "pending" else review))
    samples = tuple(out)
    with _READ_LOCK:
        _READ[dialogue_id] = (doc, samples)
    return samples


def _count_dialogue(stats: Stats, dialogue_id: str, doc: dict[str, Any], keys: set[str] | None) -> None:
    counted = False
    for s in _samples(dialogue_id, doc):
        if keys is not None and s.key not in keys:
            continue
        counted = True
        stats.samples += 1
        if s.before is not None:
            intended, observed, student_no = s.before
            stats.actual[intended] += 1
            stats.position.setdefault(student_no, Counter())[intended] += 1
            stats.confusion[(intended, observed)] += 1
        stats.failed.update(s.failed)
        stats.floors[s.floor] += 1
        for name, size in s.sizes:
            stats.lengths[name][bucket(name, size)] += 1
            if name != "analysis":
                stats.over_limit[name] += size > MAX_WORDS
        stats.per_topic[doc.get("topic_id", "")] += 1
        stats.review[s.review] += 1
    stats.dialogues += counted


def fault_kinds() -> list[str]:
    return [k.value for k in STUDENT_FAULTS]


def check_ids() -> list[str]:
    return list(CHECK_IDS)
