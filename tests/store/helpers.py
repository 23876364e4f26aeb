"""Realistic dialogue documents for store tests and benchmarks."""

from __future__ import annotations

import json
import random

from studio.domain import (
    CheckResult,
    Dialogue,
    FaultKind,
    StudentTurn,
    TeacherReply,
    TeacherTurn,
    TurnKind,
)

WORDS = "we could talk about the weekend trip and what you enjoyed most about the mountains".split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def make_dialogue(rng: random.Random, topic_id: str = "t-1", teacher_turns: int = 4, **fields) -> Dialogue:
    turns: list = []
    faults = [rng.choice(list(FaultKind)[:6]) for _ in range(teacher_turns - 1)]
    for i in range(teacher_turns):
        if i:
            turns.append(StudentTurn(text=sentence(rng, 18), intended_fault=faults[i - 1]))
        reply = TeacherReply(
            Reply=sentence(rng, 22),
            Suggestion=[sentence(rng, 12) for _ in range(3)],
            Analysis=None if i == 0 else "你的句子结构完整，用词准确。注意 'enjoy' 后面要接动名词，例如 enjoy hiking。" * 2,
        )
        raw = json.dumps(reply.to_contract(), ensure_ascii=False)
        turns.append(TeacherTurn(kind=TurnKind.OPENING if i == 0 else TurnKind.REPLY, raw=raw, parsed=reply,
                                 checks=[CheckResult(id="reply.words", severity="warning", message="ok")]))
    return Dialogue(topic_id=topic_id, planned_faults=faults, turns=turns, status="complete", **fields)
