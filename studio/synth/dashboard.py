"""The numbers behind the Dashboard pane, counted from a columnar summary of the stored documents.

Scope: the whole dataset, one run, or a set of sample keys (the current Samples filter). Each
dialogue's document is read once (no model validation) into columns, a value per sample and a
column per figure (the fault it answers, failed checks, rubric floor, lengths, review); the words
of every Reply and Suggestion read together are counted together in numpy. The columns are kept by
the stored document they came from, so a refresh after an edit or a generated turn re-reads only the
dialogues that changed, and a whole scope counts each column of every dialogue in C.
"""

from __future__ import annotations

import gc
import threading
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from itertools import chain
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

import numpy as np

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
    wanted = [(i, doc) for i, doc in stored if not run_id or doc.get("run_id") == run_id]
    read = _read(wanted)
    if keys is None:
        _count(stats, read)
    else:
        for (dialogue_id, _), r in zip(wanted, read, strict=True):
            _count_samples(stats, dialogue_id, r, keys)
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


class _Read(NamedTuple):
    """What one dialogue's samples contribute, read once from its stored document: a column per
    figure, a value per sample (a whole scope counts each column of every dialogue in C)."""

    topic: str
    turn: tuple[int, ...]  # the sample's turn (its key is "<dialogue id>:<turn>")
    before: tuple[tuple[str, str, int] | None, ...]  # (intended, observed, student turn no.) of the turn it answers
    failed: tuple[tuple[str, ...], ...]
    floor: tuple[int, ...]  # the lowest rubric limit its failed checks leave
    reply: tuple[int, ...]  # words
    suggestion: tuple[int, ...]  # words of the longest
    analysis: tuple[int, ...]  # characters; 0: no Analysis (an opening)
    review: tuple[str, ...]  # pending / approved / rejected / edited


#: Each dialogue's samples as last read, by dialogue id, with the document they were read from: the
#: store replaces a document on every write (never changes one in place), so a document that is the
#: same object is read from here, and a Dashboard refresh after one edit re-reads one dialogue.
_READ: dict[str, tuple[dict[str, Any], _Read]] = {}
_READ_LOCK = threading.Lock()


def _read(scope: list[tuple[str, dict[str, Any]]]) -> list[_Read]:
    """Each dialogue's :class:`_Read`: remembered, or read now (all that are new, together)."""
    with _READ_LOCK:
        seen = [_READ.get(dialogue_id) for dialogue_id, _ in scope]
    new = [(dialogue_id, doc) for (dialogue_id, doc), s in zip(scope, seen, strict=True) if s is None or s[0] is not doc]
    if not new:
        return [s[1] for s in seen]  # type: ignore[index]
    if len(_ONE) > 100_000:
        _ONE.clear()
    enabled = gc.isenabled()
    gc.disable()  # a few tuples a dialogue, none in a cycle: the collector would rescan the whole store for them
    try:
        made = dict(zip((i for i, _ in new), _read_new([doc for _, doc in new]), strict=True))
    finally:
        if enabled:
            gc.enable()
    with _READ_LOCK:
        for dialogue_id, doc in new:
            _READ[dialogue_id] = (doc, made[dialogue_id])
    return [made[i] if i in made else s[1] for (i, _), s in zip(scope, seen, strict=True)]  # type: ignore[index]


def _read_new(docs: list[dict[str, Any]]) -> list[_Read]:
    """Read dialogues' documents into columns of all their samples, then cut each dialogue's part
    out; the words of every Reply and Suggestion are counted together (:func:`word_counts`)."""
    texts: list[str] = []  # each sample's Reply, then its Suggestions
    first: list[int] = []  # where each sample's Reply is in ``texts``
    index: list[int] = []
    befores: list[tuple[str, str, int] | None] = []
    faileds: list[tuple[str, ...]] = []
    floors: list[int] = []
    analyses: list[int] = []
    reviews: list[str] = []
    ends: list[int] = []  # where each dialogue's samples end in the columns
    one = _ONE.setdefault
    for doc in docs:
        turns = doc.get("turns") or []
        student_no = 0
        for i, t in enumerate(turns):
            if t.get("role") == "student":
                student_no += 1
                continue
            parsed = t.get("parsed")
            if parsed is None and t.get("train_weight", 1) == 0:
                continue
            answered = None
            if i and (before := turns[i - 1]).get("role") == "student":
                intended = before.get("intended_fault", "normal")
                answered = (intended, before.get("observed_fault") or intended, student_no)
                answered = one(answered, answered)
            errors = [c["id"] for c in t.get("checks", ()) if c.get("severity") == "error"]
            failed = one(key := tuple(sorted(set(errors))), key) if errors else ()
            review = t.get("review", "pending")
            parsed = parsed or {}
            analysis = parsed.get("analysis")
            index.append(i)
            befores.append(answered)
            faileds.append(failed)
            floors.append(_floor(failed, t.get("kind") == "opening") if failed else 3)
            analyses.append(len(str(analysis)) if analysis else 0)
            reviews.append("edited" if review == "pending" and t.get("edits") else review)
            first.append(len(texts))
            reply = parsed.get("reply")
            texts.append(reply if type(reply) is str else str(reply or ""))
            texts += map(str, parsed.get("suggestions") or ())
        ends.append(len(index))
    words = np.array(word_counts(texts), dtype=np.int64)
    at = np.array(first, dtype=np.int64)
    replies = words[at].tolist()
    words[at] = 0  # a sample's span of texts is its Reply (now 0) and its Suggestions: its max is theirs
    longest = np.maximum.reduceat(words, at).tolist() if len(at) else []
    out = []
    start = 0
    for doc, end in zip(docs, ends, strict=True):
        out.append(_Read(doc.get("topic_id", ""), tuple(index[start:end]), tuple(befores[start:end]),
                         tuple(faileds[start:end]), tuple(floors[start:end]), tuple(replies[start:end]),
                         tuple(longest[start:end]), tuple(analyses[start:end]), tuple(reviews[start:end])))
        start = end
    return out


#: One tuple object for each value of the small tuples samples repeat (the faults a sample answers,
#: its failed checks), so 40,000 samples do not make as many tuples.
_ONE: dict[tuple[Any, ...], tuple[Any, ...]] = {}


@lru_cache(maxsize=4096)
def _floor(failed: tuple[str, ...], opening: bool) -> int:
    cap = limits(list(failed), opening=opening)
    return min(cap.reply, cap.suggestion, cap.analysis)


def _count(stats: Stats, read: list[_Read]) -> None:
    """Every figure of a whole scope, each counted over its column of every dialogue (in C)."""
    counted = [r for r in read if r.turn]

    def column(name: str) -> Iterator[Any]:
        return chain.from_iterable(map(attrgetter(name), counted))

    stats.samples = sum(map(len, map(attrgetter("turn"), counted)))
    stats.dialogues = len(counted)
    answered = list(filter(None, column("before")))
    stats.actual.update(map(itemgetter(0), answered))
    for (student_no, intended), n in Counter(map(itemgetter(2, 0), answered)).items():
        stats.position.setdefault(student_no, Counter())[intended] = n
    stats.confusion.update(map(itemgetter(0, 1), answered))
    stats.failed.update(chain.from_iterable(column("failed")))
    stats.floors.update(column("floor"))
    stats.lengths["reply"].update(map(partial(bisect_left, BUCKETS["reply"]), column("reply")))
    stats.lengths["suggestion"].update(map(partial(bisect_left, BUCKETS["suggestion"]), column("suggestion")))
    stats.lengths["analysis"].update(map(partial(bisect_left, BUCKETS["analysis"]), filter(None, column("analysis"))))
    if counted:
        stats.over_limit["reply"] = sum(map(MAX_WORDS.__lt__, column("reply")))
        stats.over_limit["suggestion"] = sum(map(MAX_WORDS.__lt__, column("suggestion")))
    for r in counted:
        stats.per_topic[r.topic] += len(r.turn)
    stats.review.update(column("review"))


def _count_samples(stats: Stats, dialogue_id: str, r: _Read, keys: set[str]) -> None:
    """The figures of one dialogue's samples named in ``keys`` (the Samples filter), one by one."""
    counted = False
    for i, before, failed, floor, reply, suggestion, analysis, review in zip(
            r.turn, r.before, r.failed, r.floor, r.reply, r.suggestion, r.analysis, r.review, strict=True):
        if f"{dialogue_id}:{i}" not in keys:
            continue
        counted = True
        stats.samples += 1
        if before is not None:
            intended, observed, student_no = before
            stats.actual[intended] += 1
            stats.position.setdefault(student_no, Counter())[intended] += 1
            stats.confusion[(intended, observed)] += 1
        stats.failed.update(failed)
        stats.floors[floor] += 1
        stats.lengths["reply"][bucket("reply", reply)] += 1
        stats.lengths["suggestion"][bucket("suggestion", suggestion)] += 1
        if analysis:
            stats.lengths["analysis"][bucket("analysis", analysis)] += 1
        stats.over_limit["reply"] += reply > MAX_WORDS
        stats.over_limit["suggestion"] += suggestion > MAX_WORDS
        stats.per_topic[r.topic] += 1
        stats.review[review] += 1
    stats.dialogues += counted


#: Each ASCII byte's class for the word counter: 1 a letter, 2 the apostrophe, 0 anything else.
_CLASS = bytes(1 if chr(b).isalpha() and b < 128 else 2 if b == 39 else 0 for b in range(256))


def word_counts(texts: list[str]) -> list[int]:
    """``[word_count(t) for t in texts]``, the ASCII texts counted together in numpy: a word starts at
    each letter not after a letter (an apostrophe between two letters joins them, as ``WORD`` does)."""
    out = [0] * len(texts)
    plain = []
    for i, text in enumerate(texts):
        if text.isascii():
            plain.append(i)
        else:
            out[i] = word_count(text)
    if not plain:
        return out
    kind = np.frombuffer(("\n".join([texts[i] for i in plain]) + "\n").encode("ascii").translate(_CLASS), np.uint8)
    letter = kind == 1
    letter[1:-1] |= (kind[1:-1] == 2) & letter[:-2] & letter[2:]  # ' between letters
    starts = letter.copy()
    starts[1:] &= ~letter[:-1]
    ends = np.cumsum(np.fromiter((len(texts[i]) + 1 for i in plain), dtype=np.int64, count=len(plain)))
    counts = np.diff(np.searchsorted(np.flatnonzero(starts), ends), prepend=0)  # word starts before each end
    for i, n in zip(plain, counts.tolist(), strict=True):
        out[i] = n
    return out


def fault_kinds() -> list[str]:
    return [k.value for k in STUDENT_FAULTS]


def check_ids() -> list[str]:
    return list(CHECK_IDS)
