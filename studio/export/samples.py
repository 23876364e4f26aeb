"""Training samples derived on demand: a teacher turn, its topic and the turns before it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from studio.domain import (
    Dialogue,
    DialogueStatus,
    FaultKind,
    ReviewStatus,
    TeacherTurn,
    Topic,
    TurnKind,
)
from studio.llm.base import estimate_tokens
from studio.store import Store
from studio.turn.context import context_at, fault_of, render_teacher_prompt
from studio.turn.prompts import Prompts


def canonical(turn: TeacherTurn) -> str:
    """The answer exactly as the tuned model must write it: one JSON object, keys in contract order."""
    assert turn.parsed is not None
    return json.dumps(turn.parsed.to_contract(), ensure_ascii=False)


@dataclass
class Sample:
    dialogue: Dialogue
    index: int
    turn: TeacherTurn
    topic: Topic
    prompt: str
    answer: str
    fault: FaultKind
    failed: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.dialogue.id}:{self.index}"

    @property
    def passed(self) -> bool:
        return self.turn.passed

    @cached_property
    def tokens(self) -> int:
        return estimate_tokens(self.prompt) + estimate_tokens(self.answer)


def teacher_prompt(prompts: Prompts, topic: Topic, dialogue: Dialogue, index: int, style: str = "full") -> str:
    return render_teacher_prompt(prompts, context_at(dialogue, topic, index), style)


def iter_samples(store: Store, prompts: Prompts, style: str = "full") -> Iterator[Sample]:
    """Every teacher turn that could be a sample (parsed, weight 1), in a stable order, its prompt
    written in ``style`` (``studio.turn.context.PROMPT_STYLES``)."""
    topics = {t.id: t for t in store.topics}
    dialogues = [Dialogue.model_validate(raw) for _, raw in store.dialogues.raw()
                 if raw.get("status") in (DialogueStatus.COMPLETE.value, DialogueStatus.RUNNING.value)]
    dialogues.sort(key=lambda d: (d.run_id or "", d.index if d.index is not None else -1, d.id))
    for d in dialogues:
        topic = topics.get(d.topic_id) or Topic(id=d.topic_id, text="(deleted topic)")
        for i, turn in enumerate(d.turns):
            if not isinstance(turn, TeacherTurn) or turn.parsed is None or turn.train_weight == 0:
                continue
            if turn.kind == TurnKind.REPLY and turn.parsed.analysis is None:
                continue
            yield Sample(d, i, turn, topic, teacher_prompt(prompts, topic, d, i, style), canonical(turn), fault_of(d, i),
                         sorted({c.id for c in turn.checks if c.severity == "error"}))


@dataclass
class Filters:
    review: str = "default"  # default (approved, or unreviewed and passing) | approved | passing | all
    faults: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    require_pass: bool = False

    def keep(self, s: Sample) -> bool:
        review = s.turn.review
        if review == ReviewStatus.REJECTED and self.review != "all":
            return False
        if self.review == "default" and not (review == ReviewStatus.APPROVED or s.passed):
            return False
        if self.review == "approved" and review != ReviewStatus.APPROVED:
            return False
        if self.review == "passing" and not s.passed:
            return False
        if self.require_pass and not s.passed:
            return False
        if self.faults and s.fault.value not in self.faults:
            return False
        if self.runs and (s.dialogue.run_id or "") not in self.runs:
            return False
        return not (self.topics and s.topic.id not in self.topics)

    def describe(self) -> dict[str, object]:
        return {"review": self.review, "faults": self.faults, "runs": self.runs, "topics": self.topics,
                "require_pass": self.require_pass}
