"""Teacher turns read from dataset files of any registered format (:mod:`studio.datafiles.formats`):
each line is read as chats, and each assistant message of a chat is one teacher turn. The topic and
the student's last utterance are recovered from the tutorial's prompt layout, or from a whole
dialogue's system line and messages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from studio.datafiles.formats import Chat, read_file
from studio.domain import TurnKind
from studio.domain.layout import OPENING, TOPIC, last_said, read_prompt, sections
from studio.domain.messages import Message as Told


@dataclass
class Record:
    line: int
    index: int
    prompt: str
    response: str
    kind: TurnKind
    topic: str = ""
    history: list[tuple[str, str]] = field(default_factory=list)
    system: str | None = None
    source: str = "qianfan"
    weight: int = 1  # 0: a whole dialogue's context turn, not learned
    in_prompt: bool = True  # the prompt tells the topic and the dialogue so far (else the chat around it does)

    @property
    def student(self) -> str | None:
        return last_said(self.history, "student")


@dataclass
class BadLine:
    line: int
    problem: str | Told  # str(): the English line


def _from_prompt(line: int, index: int, prompt: str, response: str, system: str | None = None,
                 source: str = "qianfan") -> Record:
    view = read_prompt(prompt)
    if view.topic or OPENING in sections(prompt):
        kind = TurnKind.OPENING if view.opening else TurnKind.REPLY
        return Record(line, index, prompt, response, kind, view.topic, view.history, system, source)
    # no tutorial layout: the prompt itself is what the student said
    return Record(line, index, prompt, response, TurnKind.REPLY, "", [("student", prompt)], system, source)


def _full_prompt(text: str) -> bool:
    """A teacher prompt in the tutorial's layout: it carries the topic and the dialogue so far."""
    return f"[{TOPIC}]" in text


def _cue(text: str) -> bool:
    """The opening's kick-off (``[开场白]``, alone or ending a prompt): no student words."""
    return text.rstrip().endswith(f"[{OPENING}]")


def records_of(chat: Chat, line: int, start: int, source: str) -> list[Record | BadLine]:
    """Each assistant message of ``chat`` as a teacher turn with the turns before it.

    A user message is the student's utterance unless it is a full teacher prompt (its layout tells the
    topic and history) or the opening's cue before anything was said."""
    system = chat[0]["content"] if chat[0]["role"] == "system" else None
    topic = sections(system).get(TOPIC, "") if system else ""
    out: list[Record | BadLine] = []
    history: list[tuple[str, str]] = []
    prompt: str | None = None  # the user message the next assistant message answers
    for m in chat:
        role, content = m["role"], m["content"]
        if role == "user":
            if not (_full_prompt(content) or (_cue(content) and not history)):
                history.append(("student", content))
            prompt = content
        elif role == "assistant":
            if prompt is not None and _full_prompt(prompt):
                rec = _from_prompt(line, start + len(out), prompt, content, system, source)
                history = list(rec.history)
            else:
                opening = not history
                rec = Record(line, start + len(out), prompt or "", content,
                             TurnKind.OPENING if opening else TurnKind.REPLY, topic, list(history), system, source,
                             in_prompt=False)
            rec.weight = m.get("weight", 1)
            out.append(rec)
            history.append(("teacher", content))
            prompt = None
    if not out:
        return [BadLine(line, "no assistant message to check")]
    if chat[-1]["role"] == "user":
        out.append(BadLine(line, "the chat ends with a user message that no assistant answers"))
    return out


def read_records(path: Path) -> Iterator[Record | BadLine]:
    """Stream the teacher turns of a dataset file; unreadable lines come out as BadLine, never skipped."""
    index = 0
    for item in read_file(path):
        if item.problem is not None:
            yield BadLine(item.line, item.problem)
            continue
        for chat in item.chats:
            for rec in records_of(chat, item.line, index, item.format):
                if isinstance(rec, Record):
                    index += 1
                yield rec
