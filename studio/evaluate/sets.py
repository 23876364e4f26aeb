"""Eval sets: held-out teacher turns, stratified by fault kind and turn position, frozen by hash."""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from pathlib import Path

import orjson

from studio.datafiles.dataset_reader import BadLine, read_records
from studio.datafiles.textfile import InputError
from studio.domain import EvalItem, EvalSet, StudentTurn, TeacherTurn
from studio.domain.messages import N_, Message
from studio.export.samples import Sample, iter_samples
from studio.semantic.offtopic import prepare
from studio.store import Store
from studio.synth.detect import observe
from studio.turn.prompts import Prompts


def content_hash(items: list[EvalItem]) -> str:
    digest = hashlib.sha256()
    for item in items:
        digest.update(orjson.dumps(item.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS) + b"\n")
    return digest.hexdigest()


def item_of(s: Sample) -> EvalItem:
    history: list[tuple[str, str]] = []
    for t in s.dialogue.turns[: s.index]:
        if isinstance(t, TeacherTurn):
            history.append(("teacher", t.parsed.reply if t.parsed else t.raw))
        else:
            history.append(("student", t.text))
    before = s.dialogue.turns[s.index - 1] if s.index else None
    student = before if isinstance(before, StudentTurn) else None
    position = sum(isinstance(t, TeacherTurn) for t in s.dialogue.turns[: s.index + 1])
    return EvalItem(id=s.key, prompt=s.prompt, kind=s.turn.kind.value, fault=s.fault.value, position=position,
                    topic_id=s.topic.id, topic=s.topic.text, history=history, student=student.text if student else None,
                    corrections=list(student.injection.corrections) if student and student.injection else [],
                    reference=s.answer)


def held_out_topics(store: Store, snapshot_id: str | None) -> set[str] | None:
    """Topics of the snapshot's eval split; with no snapshot, topics no snapshot trained on (None: any)."""
    snapshots = [store.snapshots.get(snapshot_id)] if snapshot_id else store.snapshots.all()
    if snapshot_id and snapshots[0] is None:
        raise LookupError(Message("snapshot.unknown", N_("no snapshot {id} (see: studio export)"), id=snapshot_id))
    trained: set[str] = set()
    held: set[str] = set()
    for snap in snapshots:
        assert snap is not None
        manifest = Path(snap.files[0]).parent / "manifest.json" if snap.files else None
        try:
            topics = json.loads(manifest.read_text(encoding="utf-8"))["topics"] if manifest else {}
        except (OSError, ValueError, KeyError):
            topics = {}
        trained |= set(topics.get("train", []))
        held |= set(topics.get("eval", []))
    if snapshot_id:
        if not held:
            raise ValueError(Message("eval.no-held-out", N_("snapshot {id} has no held-out topics: export it with --split "
                                                            "(e.g. 0.9)"), id=snapshot_id))
        return held
    return None if not trained else {t.id for t in store.topics} - trained


def make_set(store: Store, prompts: Prompts, *, n: int = 50, per_fault: int | None = None,
             snapshot_id: str | None = None, seed: int = 0, name: str = "") -> EvalSet:
    """Up to ``n`` items from held-out topics, spread evenly over (fault, turn position) buckets."""
    allowed = held_out_topics(store, snapshot_id)
    pool = [s for s in iter_samples(store, prompts) if (allowed is None or s.topic.id in allowed) and s.passed]
    if not pool:
        raise ValueError(Message("eval.no-samples", N_("no held-out samples that pass the checks: generate more "
                                                       "dialogues, or export with --split so some topics are kept out of "
                                                       "training")))
    rng = random.Random(seed)
    buckets: dict[tuple[str, int], list[Sample]] = defaultdict(list)
    for s in pool:
        position = sum(isinstance(t, TeacherTurn) for t in s.dialogue.turns[: s.index + 1])
        buckets[(s.fault.value, position)].append(s)
    for members in buckets.values():
        rng.shuffle(members)
    order = sorted(buckets)
    taken: list[Sample] = []
    per_kind: dict[str, int] = defaultdict(int)
    while len(taken) < n and any(buckets.values()):
        for key in order:
            if len(taken) >= n:
                break
            if buckets[key] and (per_fault is None or per_kind[key[0]] < per_fault):
                taken.append(buckets[key].pop())
                per_kind[key[0]] += 1
        if per_fault is not None and all(per_kind[k[0]] >= per_fault or not buckets[k] for k in order):
            break
    items = [item_of(s) for s in taken]
    source = f"held-out topics of snapshot {snapshot_id}" if snapshot_id else (
        "topics no snapshot trained on" if allowed is not None else "all topics (no snapshot yet)")
    eval_set = EvalSet(name=name or f"{len(items)} items", source=source, snapshot_id=snapshot_id, items=items,
                       content_hash=content_hash(items))
    store.eval_sets.put(eval_set)
    store.flush()
    return eval_set


def import_set(store: Store, path: Path, name: str = "") -> EvalSet:
    """Items from a dataset file of any registered format; all-or-nothing, bad lines named."""
    records = []
    for rec in read_records(path):
        if isinstance(rec, BadLine):
            raise InputError(path, rec.line, rec.problem)
        records.append(rec)
    students = [next((text for role, text in reversed(rec.history) if role == "student"), None) for rec in records]
    prepare((student, rec.topic, "", rec.history[:-1]) for rec, student in zip(records, students, strict=True)
            if student and rec.kind.value == "reply")  # their off-topic judgement readied together
    items: list[EvalItem] = []
    for rec, student in zip(records, students, strict=True):
        fault = observe(student, topic=rec.topic, history=rec.history[:-1]).value \
            if student and rec.kind.value == "reply" else "opening"
        items.append(EvalItem(id=f"{path.name}:{rec.line}:{rec.index}", prompt=rec.prompt, kind=rec.kind.value,
                              fault=fault, position=sum(1 for r, _ in rec.history if r == "teacher") + 1,
                              topic=rec.topic, history=list(rec.history), student=student, reference=rec.response))
    if not items:
        raise InputError(path, None, Message("eval.no-records", N_("no records")))
    eval_set = EvalSet(name=name or path.name, source=f"file {path}", items=items, content_hash=content_hash(items))
    store.eval_sets.put(eval_set)
    store.flush()
    return eval_set
