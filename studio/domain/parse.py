"""Read a teacher's raw answer: exactly one JSON object, or what went wrong and what could be saved."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from studio.domain.check_messages import part, text_of
from studio.domain.jsondepth import MAX_DEPTH, nesting_depth, too_deep

_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n?(.*?)\n?\s*```\s*$", re.S)
_CONTINUES = re.compile(r"(^|\n)\s*(student|teacher|学生|老师)\s*[:：]|\[学生回复\]|\[老师回复\]|\[对话历史\]", re.I)
_DECODER = json.JSONDecoder()


__all__ = ["MAX_DEPTH", "Parsed", "nesting_depth", "object_end", "parse_answer"]


@dataclass
class Parsed:
    """``obj`` is the teacher object when one could be read (even from a broken answer)."""

    obj: dict[str, Any] | None = None
    #: why it is not exactly one JSON object, as message parts (studio.domain.check_messages)
    issues: list[dict[str, Any]] = field(default_factory=list)
    fenced: bool = False
    repaired: bool = False

    @property
    def problems(self) -> list[str]:
        """The issues in English."""
        return [text_of(issue) for issue in self.issues]

    @property
    def strict(self) -> bool:
        return self.obj is not None and not self.issues


def _objects(text: str) -> list[tuple[int, int, Any]]:
    found = []
    i = 0
    while (start := text.find("{", i)) != -1:
        try:
            value, end = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError:
            i = start + 1
            continue
        found.append((start, end, value))
        i = end
    return found


def _brackets(text: str, start: int = 0) -> Iterator[tuple[int, int]]:
    """Each ``[{]}`` of ``text`` outside JSON strings, from ``start``: its index and the depth after it."""
    depth = 0
    in_string = escaped = False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            yield i, depth
        elif ch in "]}":
            depth = max(0, depth - 1)
            yield i, depth


def object_end(text: str) -> int | None:
    """Where the first complete JSON object in ``text`` ends (the index after its ``}``), or None.
    Brackets inside strings do not count; text before the first ``{`` (a fence, a preamble) is skipped."""
    start = text.find("{")
    if start < 0:
        return None
    return next((i + 1 for i, depth in _brackets(text, start) if depth == 0), None)


def _clip(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def parse_answer(raw: str, *, repair: bool = True) -> Parsed:
    text = raw.strip()
    out = Parsed()
    fence = _FENCE.match(text)
    if fence:
        out.fenced = True
        text = fence.group(1).strip()
    if not text:
        out.issues.append(part("answer.empty"))
        return out
    if (depth := too_deep(text)) is not None:
        out.issues.append(part("answer.deep", depth=depth, most=MAX_DEPTH))
        return out
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    else:
        if isinstance(value, dict):
            out.obj = value
            return out
        out.issues.append(part("answer.not_object", type=type(value).__name__))
        return out
    objects = [(s, e, v) for s, e, v in _objects(text) if isinstance(v, dict)]
    if objects:
        start, end, value = objects[0]
        out.obj = value
        before, after = text[:start].strip(), text[objects[-1][1]:].strip()
        if len(objects) > 1:
            out.issues.append(part("answer.objects", n=len(objects)))
        continues = _CONTINUES.search(text[end:])
        if continues:
            out.issues.append(part("answer.continues", text=_clip(text[end:][continues.start():])))
        elif after:
            out.issues.append(part("answer.after", text=_clip(after)))
        if before:
            out.issues.append(part("answer.before", text=_clip(before)))
        return out
    out.issues.append(part("answer.invalid"))
    if repair:
        from json_repair import repair_json

        try:
            fixed = repair_json(text, return_objects=True)
        except Exception:  # noqa: BLE001 - the repair library may fail on any input
            fixed = None
        if isinstance(fixed, dict) and fixed:
            out.obj, out.repaired = fixed, True
    return out
