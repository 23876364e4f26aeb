"""Curating samples: fast rows for big tables, review status, edits with history and undo,
train weight, and regenerating a teacher turn with the repair prompt."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from studio.domain import (
    Dialogue,
    Edit,
    FaultKind,
    ReviewStatus,
    TeacherTurn,
    TurnKind,
    utcnow,
)
from studio.domain.messages import N_
from studio.domain.messages import Message as Told
from studio.domain.rubric import limits
from studio.domain.text import word_count
from studio.llm.base import ChatRequest, ChatResult, Delta, Message, Restart
from studio.llm.client import CallContext
from studio.llm.collect import follow
from studio.llm.tasks import TeacherTask
from studio.store import Store
from studio.turn.context import (
    context_at,
    render_repair_prompt,
    render_teacher_prompt,
    student_before,
)
from studio.turn.verdict import judge_answer, reply_of


@dataclass(frozen=True)
class SampleRow:
    """One teacher turn, read straight from the stored document (no model validation: it is fast)."""

    key: str
    dialogue_id: str
    index: int
    topic_id: str
    turn_no: int
    kind: str
    intended: str
    observed: str
    failed: tuple[str, ...]
    review: str
    words: int
    provider: str
    run_id: str
    weight: int
    floor: int
    order: tuple[str, int, int] = ("", 0, 0)  # run, dialogue position in it, turn

    @property
    def mismatch(self) -> bool:
        return self.intended != self.observed

    @property
    def needs_review(self) -> bool:
        return self.review == ReviewStatus.PENDING.value and (bool(self.failed) or self.mismatch or self.floor <= 2)


def sample_key(dialogue_id: str, index: int) -> str:
    return f"{dialogue_id}:{index}"


def split_key(key: str) -> tuple[str, int]:
    dialogue_id, _, index = key.rpartition(":")
    return dialogue_id, int(index)


def rows_of(doc: dict[str, Any], providers: dict[str, str]) -> Iterable[SampleRow]:
    turns = doc.get("turns") or []
    teacher_no = 0
    for i, t in enumerate(turns):
        if t.get("role") != "teacher":
            continue
        teacher_no += 1
        if t.get("train_weight", 1) == 0 and t.get("parsed") is None:
            continue  # context from an import, not a sample
        failed = tuple(sorted({c["id"] for c in t.get("checks", []) if c.get("severity") == "error"}))
        before = turns[i - 1] if i and turns[i - 1].get("role") == "student" else None
        intended = before.get("intended_fault", "normal") if before else FaultKind.OPENING.value
        observed = (before.get("observed_fault") or intended) if before else FaultKind.OPENING.value
        parsed = t.get("parsed") or {}
        floor = 3
        if failed:
            cap = limits(failed, opening=t.get("kind") == TurnKind.OPENING.value)
            floor = min(cap.reply, cap.suggestion, cap.analysis)
        yield SampleRow(
            key=sample_key(doc["id"], i), dialogue_id=doc["id"], index=i, topic_id=doc.get("topic_id", ""),
            turn_no=teacher_no, kind=t.get("kind", "reply"), intended=intended, observed=observed, failed=failed,
            review=t.get("review", "pending"), words=word_count(parsed.get("reply", "")) if parsed else 0,
            provider=providers.get(doc.get("run_id") or "", doc.get("source", "")), run_id=doc.get("run_id") or "",
            weight=t.get("train_weight", 1), floor=floor,
            order=(doc.get("run_id") or "", doc.get("index") or 0, i),
        )


def run_providers(store: Store) -> dict[str, str]:
    return {run_id: (raw.get("config") or {}).get("teacher_provider") or raw.get("kind", "")
            for run_id, raw in store.runs.raw()}


def all_rows(store: Store) -> list[SampleRow]:
    providers = run_providers(store)
    return [row for _, doc in store.dialogues.raw() for row in rows_of(doc, providers)]


def row_chunks(store: Store, first: int = 250, size: int = 2500) -> Iterable[list[SampleRow]]:
    """All rows, in chunks of dialogues: a small first chunk so a table can show a page at once."""
    providers = run_providers(store)
    docs = store.dialogues.raw()
    start, step = 0, first
    while start < len(docs):
        yield [row for _, doc in docs[start : start + step] for row in rows_of(doc, providers)]
        start, step = start + step, size


def samples_per_topic(store: Store) -> dict[str, int]:
    """Teacher turns per topic, counted without building rows."""
    counts: dict[str, int] = {}
    for _, doc in store.dialogues.raw():
        n = sum(1 for t in doc.get("turns", ()) if t.get("role") == "teacher" and t.get("parsed") is not None)
        counts[doc.get("topic_id", "")] = counts.get(doc.get("topic_id", ""), 0) + n
    return counts


def author_name(configured: str = "") -> str:
    """Who is reviewing: $STUDIO_REVIEWER (a browser tab's reviewer, a script's), then ``studio.reviewer`` in
    config.toml, then the login name."""
    if named := os.environ.get("STUDIO_REVIEWER", "").strip():
        return named
    if configured:
        return configured
    try:
        return getpass.getuser()
    except OSError:
        return "reviewer"


def _load(store: Store, key: str) -> tuple[Dialogue, int, TeacherTurn]:
    dialogue_id, index = split_key(key)
    d = store.dialogues.get(dialogue_id)
    if d is None or not 0 <= index < len(d.turns) or not isinstance(d.turns[index], TeacherTurn):
        raise LookupError(Told("sample.unknown", N_("no sample {key}"), key=key))
    return d, index, d.turns[index]  # type: ignore[return-value]


class ConflictError(ValueError):
    """An answer edited from a version that another reviewer has changed since: nothing was saved.
    ``theirs`` is the stored answer now, ``yours`` the one that was refused."""

    def __init__(self, key: str, theirs: str, yours: str, by: str) -> None:
        super().__init__(Told("sample.conflict", N_("{key} was changed by {author} while you edited it, so your "
                                                    "answer was not saved; theirs: {theirs} | yours: {yours}"),
                              key=key, author=by, theirs=theirs, yours=yours))
        self.key, self.theirs, self.yours, self.by = key, theirs, yours, by


def decision_of(turn: TeacherTurn, author: str) -> str | None:
    """This reviewer's last review decision on the turn (None: they have not decided it)."""
    for e in reversed(turn.edits):
        if e.field == "review" and e.author == author:
            return e.after
    return None


def set_review(store: Store, keys: Iterable[str], status: ReviewStatus, author: str) -> int:
    """Approve or reject many samples in one atomic write, each decision recorded with its reviewer.

    A second reviewer's decision is recorded even when the status stays the same (it is what agreement
    between reviewers is measured on). Returns how many decisions were recorded."""
    changed = 0
    by_dialogue: dict[str, list[int]] = {}
    for key in keys:
        dialogue_id, index = split_key(key)
        by_dialogue.setdefault(dialogue_id, []).append(index)
    with store.atomic():
        for dialogue_id, indexes in by_dialogue.items():
            d = store.dialogues.get(dialogue_id)
            if d is None:
                continue
            for i in indexes:
                t = d.turns[i]
                if isinstance(t, TeacherTurn) and (t.review != status or decision_of(t, author) != status.value):
                    t.edits.append(Edit(author=author, field="review", before=t.review.value, after=status.value))
                    t.review = status
                    changed += 1
            store.dialogues.put(d)
    return changed


def recheck(d: Dialogue, index: int, raw: str) -> TeacherTurn:
    """A teacher turn for ``raw`` at this place in the dialogue, with fresh checks."""
    old = d.turns[index]
    assert isinstance(old, TeacherTurn)
    check, results = judge_answer(raw, old.kind, student_before(d, index))
    parsed = reply_of(check.parsed.obj, old.kind)
    return old.model_copy(update={"raw": raw, "parsed": parsed, "checks": results,
                                  "parse_error": None if parsed else "; ".join(check.parsed.problems) or "keys missing"})


def edit_answer(store: Store, key: str, raw: str, author: str, note: str = "edited",
                call_id: str | None = None, based_on: str | None = None) -> TeacherTurn:
    """Replace a teacher answer; the edit history keeps who, when, before and after.

    ``call_id`` is the ledger row of a regenerated answer; a hand edit keeps the call it was edited from.
    ``based_on``: the answer the editor opened; if the stored one differs (another reviewer, perhaps in
    another studio, changed it meanwhile) nothing is saved and ``ConflictError`` carries both versions.
    """
    with store.atomic():
        d, index, old = _load(store, key)
        if based_on is not None and old.raw != based_on:
            by = next((e.author for e in reversed(old.edits) if e.field == "raw"), "?")
            raise ConflictError(key, old.raw, raw, by)
        new = recheck(d, index, raw)
        new.edits = [*old.edits, Edit(author=author, field="raw", before=old.raw, after=raw, note=note)]
        new.call_id = call_id or old.call_id
        new.repair_call_ids = [c for c in (*old.repair_call_ids, old.call_id) if c and c != new.call_id] \
            if call_id else list(old.repair_call_ids)
        d.turns[index] = new
        d.updated = utcnow()
        store.dialogues.put(d)
    return new


def undo(store: Store, key: str, author: str) -> TeacherTurn:
    """Undo the last change to this sample (an edit of the answer, a review decision or the weight)."""
    with store.atomic():
        d, index, turn = _load(store, key)
        if not turn.edits:
            raise LookupError(Told("sample.no-undo", N_("nothing to undo for this sample")))
        last = turn.edits[-1]
        if last.field == "raw" and last.before is not None:
            restored = recheck(d, index, last.before)
        else:
            restored = turn.model_copy()
            if last.field == "review" and last.before:
                restored.review = ReviewStatus(last.before)
            elif last.field == "train_weight" and last.before is not None:
                restored.train_weight = int(last.before)  # type: ignore[assignment]
        restored.edits = [*turn.edits[:-1]]
        d.turns[index] = restored
        store.dialogues.put(d)
    return restored


def toggle_weight(store: Store, key: str, author: str) -> int:
    with store.atomic():
        d, index, turn = _load(store, key)
        new = 0 if turn.train_weight else 1
        turn.edits.append(Edit(author=author, field="train_weight", before=str(turn.train_weight), after=str(new)))
        turn.train_weight = new  # type: ignore[assignment]
        store.dialogues.put(d)
    return new


def load_sample(store: Store, key: str) -> tuple[Dialogue, int, TeacherTurn]:
    return _load(store, key)


async def regenerate(store: Store, client, prompts, key: str, author: str):
    """Regenerate one teacher turn, streaming: yields text pieces, then the stored new TeacherTurn.

    With failed checks the repair prompt names them; otherwise the turn's own prompt is asked again.
    """

    d, index, turn = _load(store, key)
    topic = store.topics.get(d.topic_id)
    if topic is None:
        raise LookupError(Told("sample.no-topic", N_("the topic of {key} no longer exists"), key=key))
    context = context_at(d, topic, index)
    prompt = render_teacher_prompt(prompts, context)
    repair = any(c.severity == "error" for c in turn.checks)
    if repair:
        prompt = render_repair_prompt(prompts, prompt, turn.raw, turn.checks)
    request = ChatRequest([Message("user", prompt)], json_mode=True, temperature=0.5,
                          variant=f"regenerate:{key}:{len(turn.edits)}", task=TeacherTask.of(context, repair=repair))
    text, call_id = "", None
    ctx = CallContext(d.run_id, d.id, index, "teacher", purpose="regenerate")
    async for event in follow(client, request, ctx, use_cache=False):
        if isinstance(event, Restart):
            text = ""
            yield event
        elif isinstance(event, Delta):
            text += event.text
            yield event
        elif isinstance(event, ChatResult):
            text, call_id = event.text, event.call_id
    yield edit_answer(store, key, text, author, note="regenerated", call_id=call_id)
