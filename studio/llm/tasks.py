"""What a request asks for, said by the caller beside the prompt: ``ChatRequest.task``.

A model reads the prompt; the offline simulator answers the task, with the structured context the
caller gives (topic, dialogue, the sentence to rewrite …), so a workspace's edited prompt templates
never change which task it runs. Real providers never send the task, and it is in the response
cache's key only for a provider that reads it (``reads_task``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from studio.turn.context import TurnContext

History = tuple[tuple[str, str], ...]  # (teacher|student, text), oldest first


@dataclass(frozen=True)
class TeacherTask:
    """A teacher turn: the opening (no student turn yet) or the reply to the dialogue's last student turn."""

    topic: str
    history: History = ()
    topic_name: str = ""  # the topic's short Chinese name, as the off-topic rule says it
    opening: bool = False
    repair: bool = False  # the same turn asked again after its answer failed checks

    @classmethod
    def of(cls, turn: TurnContext, *, repair: bool = False) -> TeacherTask:
        return cls(turn.topic.text, tuple(turn.history), turn.name_zh, turn.opening, repair)


@dataclass(frozen=True)
class StudentTask:
    """The student's next utterance, in the style of the student prompt ``student_<style>`` the caller
    rendered: ``normal`` (a full high-school answer), ``short`` (a primary-level one), ``chinese``."""

    topic: str
    history: History = ()
    style: str = "normal"


@dataclass(frozen=True)
class RewriteTask:
    """A sentence made into the fault kind ``how`` names (``spelling``, ``grammar``), or said in Chinese
    instead (``chinese``: a translation)."""

    how: str
    sentence: str


@dataclass(frozen=True)
class JudgeTask:
    """Rubric scores for a teacher answer to the dialogue's last student turn (none: the opening)."""

    topic: str
    history: History
    answer: str


@dataclass(frozen=True)
class ExpandTask:
    """``n`` new topic scenarios like the examples, each as ``scenario｜中文名｜English title`` when ``titled``."""

    n: int
    examples: tuple[str, ...] = ()
    titled: bool = True


@dataclass(frozen=True)
class TitleTask:
    """A Chinese name and an English title for each topic: ``N｜中文名｜English title`` lines."""

    topics: tuple[str, ...]


Task = TeacherTask | StudentTask | RewriteTask | JudgeTask | ExpandTask | TitleTask


def task_key(task: Task | None) -> list[Any] | None:
    """The task as plain data, for the response cache's key."""
    return None if task is None else [type(task).__name__, dataclasses.asdict(task)]
