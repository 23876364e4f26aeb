"""The context of one teacher turn — topic, title, dialogue so far, the student utterance it
answers, its fault — and the prompts rendered from it.

This is the one place a teacher turn's prompt is built: generation, export, review (regenerate),
import, lint and evaluation all call :func:`render_teacher_prompt` with a :class:`TurnContext`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from studio.domain import (
    CheckResult,
    Dialogue,
    FaultKind,
    StudentTurn,
    TeacherTurn,
    Topic,
    TurnKind,
)
from studio.domain.contract import Student
from studio.domain.layout import format_history
from studio.turn.prompts import Prompts


@dataclass(frozen=True)
class TurnContext:
    """Everything a teacher turn at ``index`` of a dialogue is made from."""

    topic: Topic
    kind: TurnKind
    history: list[tuple[str, str]] = field(default_factory=list)
    student: Student | None = None
    fault: FaultKind = FaultKind.OPENING

    @property
    def title(self) -> str:
        return topic_title(self.topic)

    @property
    def chat(self) -> str:
        return format_history(self.history)

    @property
    def opening(self) -> bool:
        return self.kind == TurnKind.OPENING


def context_at(dialogue: Dialogue, topic: Topic, index: int) -> TurnContext:
    """The context of the teacher turn at ``index`` (the turns before it are its history)."""
    turns = dialogue.turns[:index]
    history = history_of(turns)
    if index == 0:
        return TurnContext(topic=topic, kind=TurnKind.OPENING, history=history)
    student = student_before(dialogue, index)
    return TurnContext(topic=topic, kind=TurnKind.REPLY, history=history, student=student,
                       fault=fault_of(dialogue, index))


def history_of(turns: list) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for t in turns:
        if isinstance(t, TeacherTurn):
            out.append(("teacher", t.parsed.reply if t.parsed else t.raw[:300]))
        else:
            out.append(("student", t.text))
    return out


def history_text(d: Dialogue) -> str:
    """The dialogue so far in the tutorial's ``teacher:``/``student:`` layout."""
    return format_history(history_of(d.turns))


def topic_title(topic: Topic) -> str:
    """The topic's title, else the head of its text (up to the first clause break)."""
    head = re.split(r"[，。,；;]", topic.text, maxsplit=1)[0]
    return topic.title or head[:24]


def student_before(d: Dialogue, index: int) -> Student | None:
    """What the checks know of the student utterance a teacher turn at ``index`` answers."""
    before = d.turns[index - 1] if index else None
    if not isinstance(before, StudentTurn):
        return None
    fault = before.observed_fault or before.intended_fault
    return Student(before.text, fault, corrections=list(before.injection.corrections) if before.injection else [],
                   off_topic=fault == FaultKind.OFF_TOPIC)


def fault_of(dialogue: Dialogue, index: int) -> FaultKind:
    """The fault a sample is filed under: intended for generated data, observed for imported."""
    if index == 0 or not isinstance(dialogue.turns[index - 1], StudentTurn):
        return FaultKind.OPENING
    student = dialogue.turns[index - 1]
    assert isinstance(student, StudentTurn)
    return student.intended_fault if dialogue.source == "generated" else (student.observed_fault or student.intended_fault)


def render_teacher_prompt(prompts: Prompts, ctx: TurnContext) -> str:
    """The teacher prompt for one turn: the opening template, or the reply template with the chat."""
    if ctx.opening:
        return prompts.render("teacher_opening", topic=ctx.topic.text)
    return prompts.render("teacher_reply", topic=ctx.topic.text, title=ctx.title, chat=ctx.chat)


def render_repair_prompt(prompts: Prompts, prompt: str, answer: str, results: list[CheckResult]) -> str:
    """Ask again, quoting the answer and the checks it failed."""
    problems = "\n".join(f"- {r.id}: {r.message}" for r in results if r.severity == "error")
    return prompts.render("repair", prompt=prompt, answer=answer, problems=problems)
