"""Samples as the neutral chats every dataset format writes (:mod:`studio.datafiles.formats`):
one chat per teacher turn (its prompt and answer), or one per dialogue with per-turn weights."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from studio.datafiles.formats import Chat, by_name
from studio.domain import Dialogue, StudentTurn, TeacherTurn, Topic
from studio.export.samples import Sample, canonical
from studio.turn.context import topic_name_zh
from studio.turn.prompts import Prompts

OPENING_CUE = "[开场白]"


def line(obj: Any) -> str:
    """One line of a dataset file: the record as compact JSON (UTF-8 text, no ASCII escapes)."""
    return line_bytes(obj).decode("utf-8")


def line_bytes(obj: Any) -> bytes:
    """:func:`line` as the bytes written. A string inside is written with JSON's escapes only (quote,
    backslash, control characters), so an answer read back is the canonical answer, byte for byte."""
    return orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE)


def turn_chat(s: Sample) -> Chat:
    return [{"role": "user", "content": s.prompt}, {"role": "assistant", "content": s.answer}]


def system_text(prompts: Prompts, topic: Topic) -> str:
    """The teacher's rules and topic for a whole dialogue: the reply prompt rendered with an empty
    dialogue history, whose turns follow as messages."""
    name = topic_name_zh(topic)
    return prompts.render("teacher_reply", topic=topic.text, topic_name=name, title=name, chat="").rstrip()


def dialogue_chat(prompts: Prompts, d: Dialogue, chosen: set[int], topic: Topic) -> Chat:
    """A whole dialogue; assistant turns that are not chosen samples carry ``weight: 0``. A dialogue that
    opens with the teacher gets the opening cue as its first user message; one that opens with the
    student starts with the student's words."""
    chat: Chat = [{"role": "system", "content": system_text(prompts, topic)}]
    if d.turns and isinstance(d.turns[0], TeacherTurn):
        chat.append({"role": "user", "content": OPENING_CUE})
    for i, t in enumerate(d.turns[: max(chosen) + 1]):
        if isinstance(t, StudentTurn):
            chat.append({"role": "user", "content": t.text})
        elif isinstance(t, TeacherTurn):
            content = canonical(t) if t.parsed else t.raw
            chat.append({"role": "assistant", "content": content, "weight": 1 if i in chosen else 0})
    return chat


def chats(samples: list[Sample], prompts: Prompts, *, dialogues: bool) -> Iterable[Chat]:
    if not dialogues:
        return (turn_chat(s) for s in samples)
    return _by_dialogue(samples, prompts)


def _by_dialogue(samples: list[Sample], prompts: Prompts) -> Iterable[Chat]:
    groups: dict[str, list[Sample]] = {}
    for s in samples:
        groups.setdefault(s.dialogue.id, []).append(s)
    for group in groups.values():
        yield dialogue_chat(prompts, group[0].dialogue, {s.index for s in group}, group[0].topic)


def records(fmt: str, samples: list[Sample], prompts: Prompts, *, dialogues: bool, style: str) -> Iterable[Any]:
    """The lines of format ``fmt`` (a JSON value each) for ``samples``."""
    codec = by_name(fmt)
    return (codec.write(c, style) for c in chats(samples, prompts, dialogues=dialogues))
