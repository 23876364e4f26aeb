"""Personal data in lesson text: find it and put a typed placeholder in its place.

Transcripts of real lessons carry minors' names, phone numbers, 身份证 numbers, QQ and WeChat ids,
schools and addresses. Each kind is a registered :class:`Detector` (``@register``); :func:`find`
runs them all and keeps one finding where two overlap, :func:`redact` replaces each with its
placeholder (``[电话]``, ``[姓名]`` …). A placeholder is never found again, so redacting twice
changes nothing. Pure: no I/O, nothing of ours imported."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import ClassVar, TypeVar, cast

T = TypeVar("T")


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    kind: str
    text: str


class Detector:
    """One kind of personal data. ``priority``: which of two overlapping findings is kept (higher wins;
    then the longer one)."""

    kind: ClassVar[str]
    placeholder: ClassVar[str]
    label: ClassVar[str]  # what it is, in English, marked for translation (N_)
    priority: ClassVar[int] = 0
    #: What a text must hold for ``spans`` to be worth running (None: always run); most lines hold none.
    trigger: ClassVar[re.Pattern[str] | None] = None

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        raise NotImplementedError


DETECTORS: dict[str, Detector] = {}


def register(cls: type[Detector]) -> type[Detector]:
    DETECTORS[cls.kind] = cls()
    return cls


def kinds() -> list[str]:
    return list(DETECTORS)


def placeholder(kind: str) -> str:
    return DETECTORS[kind].placeholder


def label(kind: str) -> str:
    return DETECTORS[kind].label


def find(text: str) -> list[Found]:
    """Every finding in ``text``, in order, none overlapping another."""
    if not text:
        return []
    candidates = [Found(s, e, d.kind, text[s:e]) for d in DETECTORS.values()
                  if d.trigger is None or d.trigger.search(text) for s, e in d.spans(text) if e > s]
    if not candidates:
        return []
    candidates.sort(key=lambda f: (-DETECTORS[f.kind].priority, -(f.end - f.start), f.start))
    starts: list[int] = []  # the kept findings, in order of their starts
    kept: list[Found] = []
    for f in candidates:
        i = bisect_right(starts, f.start)
        if (i and kept[i - 1].end > f.start) or (i < len(kept) and kept[i].start < f.end):
            continue  # overlaps a finding kept before it
        starts.insert(i, f.start)
        kept.insert(i, f)
    return kept


def redact(text: str) -> tuple[str, list[Found]]:
    """``text`` with each finding replaced by its kind's placeholder, and the findings."""
    found = find(text)
    if not found:
        return text, found
    parts, at = [], 0
    for f in found:
        parts += [text[at:f.start], DETECTORS[f.kind].placeholder]
        at = f.end
    parts.append(text[at:])
    return "".join(parts), found


def count(found: Iterable[Found]) -> Counter[str]:
    return Counter(f.kind for f in found)


@dataclass
class Tally:
    """What was replaced: counts per kind, and the kinds per line of a file (line None: no file)."""

    by_kind: Counter[str] = field(default_factory=Counter)
    lines: dict[int, Counter[str]] = field(default_factory=dict)

    def add(self, found: Iterable[Found], line: int | None = None) -> None:
        self.add_kinds([f.kind for f in found], line)

    def add_kinds(self, found: Iterable[str], line: int | None = None) -> None:
        kinds = Counter(found)
        self.by_kind.update(kinds)
        if line is not None and kinds:
            self.lines.setdefault(line, Counter()).update(kinds)

    def __bool__(self) -> bool:
        return bool(self.by_kind)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def to_json(self) -> dict[str, object]:
        return {"by_kind": dict(sorted(self.by_kind.items())),
                "lines": [{"line": n, "kinds": dict(sorted(k.items()))} for n, k in sorted(self.lines.items())]}


@lru_cache(maxsize=1 << 16)
def _redacted_line(line: str) -> tuple[str, tuple[str, ...]]:
    text, found = redact(line)
    return text, tuple(f.kind for f in found)


def redact_lines(text: str) -> tuple[str, list[str]]:
    """:func:`redact` line by line, each distinct line once (a prompt's template lines repeat in every
    sample): the text and the kinds found. No detector reads across a line break."""
    if "\n" not in text:
        line, kinds = _redacted_line(text)
        return line, list(kinds)
    out: list[str] = []
    found: list[str] = []
    for line in text.split("\n"):
        done, kinds = _redacted_line(line)
        out.append(done)
        found += kinds
    return "\n".join(out), found


def redact_value(value: T, tally: Tally, line: int | None = None) -> T:
    """``value`` with every string in it (in lists, tuples and dict values, at any depth) redacted."""
    if isinstance(value, str):
        text, kinds = redact_lines(value)
        if kinds:
            tally.add_kinds(kinds, line)
        return cast(T, text)
    if isinstance(value, list):
        return cast(T, [redact_value(v, tally, line) for v in value])
    if isinstance(value, tuple):
        return cast(T, tuple(redact_value(v, tally, line) for v in value))
    if isinstance(value, dict):
        return cast(T, {k: redact_value(v, tally, line) for k, v in value.items()})
    return value


from studio.domain.pii import numbers, people, places  # noqa: E402,F401 - each module registers its kinds

__all__ = ["DETECTORS", "Detector", "Found", "Tally", "count", "find", "kinds", "label", "placeholder", "redact", "redact_lines", "redact_value",
           "register"]
