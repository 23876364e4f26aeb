"""Personal data in lesson text: find it and put a typed placeholder in its place.

Transcripts of real lessons carry minors' names, phone numbers, 身份证 numbers, QQ and WeChat ids,
schools and addresses. Each kind is a registered :class:`Detector` (``@register``); :func:`find`
runs them all and keeps one finding where two overlap, :func:`redact` replaces each with its
placeholder (``[电话]``, ``[姓名]`` …). A placeholder is never found again, so redacting twice
changes nothing. A line holding none of any detector's ``cues`` is left at once (:func:`could_hold`,
one search for them all: :mod:`studio.domain.pii.gate`). Pure: no I/O, nothing of ours imported."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, ClassVar, TypeVar, cast

from studio.domain.pii.gate import CueSearch, compile_gate

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
    #: Literal strings of which a text must hold at least one for ``spans`` to find anything in it
    #: (empty: no such promise, every text is searched). Every detector's cues together make the gate
    #: that most lines never pass; ``tests/privacy/test_pii_gate.py`` checks that the promise holds.
    cues: ClassVar[tuple[str, ...]] = ()
    #: A pattern a text must match for ``spans`` to be worth running, tried instead of the detector's own
    #: cues once the gate let the text through, where it says no more often (``\d{3}`` for a phone
    #: number, whose cues are its first digits); None: the cues decide.
    trigger: ClassVar[re.Pattern[str] | None] = None

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        raise NotImplementedError


class _Registry(dict[str, Detector]):
    """The registered detectors by kind; any change to them drops the gate made of their cues."""

    def __setitem__(self, kind: str, detector: Detector) -> None:
        super().__setitem__(kind, detector)
        _forget_gate()

    def __delitem__(self, kind: str) -> None:
        super().__delitem__(kind)
        _forget_gate()

    def pop(self, *args: Any) -> Any:
        _forget_gate()
        return super().pop(*args)

    def popitem(self) -> tuple[str, Detector]:
        _forget_gate()
        return super().popitem()

    def clear(self) -> None:
        super().clear()
        _forget_gate()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        _forget_gate()

    def setdefault(self, kind: str, detector: Detector) -> Detector:
        _forget_gate()
        return super().setdefault(kind, detector)


DETECTORS: dict[str, Detector] = _Registry()


def register(cls: type[Detector]) -> type[Detector]:
    DETECTORS[cls.kind] = cls()
    return cls


@dataclass(frozen=True)
class _Gate:
    """The detectors' cues compiled: ``ascii`` for a text of ASCII characters only (only the ASCII
    cues can be in it), ``every`` for any other (None: a detector has no cues, every text passes);
    ``each`` a detector's own (None: it has none)."""

    ascii: CueSearch | None
    every: CueSearch | None
    each: dict[str, CueSearch | None]

    @classmethod
    def of(cls, detectors: Iterable[Detector]) -> _Gate:
        detectors = list(detectors)
        each = {d.kind: compile_gate(d.cues) if d.cues else None for d in detectors}
        if any(search is None for search in each.values()):
            return cls(None, None, each)
        cues = [c for d in detectors for c in d.cues]
        return cls(compile_gate(c for c in cues if c.isascii()), compile_gate(cues), each)

    def passes(self, text: str) -> bool:
        search = self.ascii if text.isascii() else self.every
        return search is None or search.holds(text)

    def runs(self, detector: Detector, text: str) -> bool:
        if detector.trigger is not None:
            return detector.trigger.search(text) is not None
        own = self.each.get(detector.kind)
        return own is None or own.holds(text)


_gate: _Gate | None = None


def _forget_gate() -> None:
    global _gate
    _gate = None
    _redacted_line.cache_clear()
    _redacted_head.cache_clear()


def _the_gate() -> _Gate:
    global _gate
    if _gate is None:
        _gate = _Gate.of(DETECTORS.values())
    return _gate


def could_hold(text: str) -> bool:
    """False when no registered detector can find anything in ``text`` (it holds none of their cues),
    nor in any part of it: texts joined with line breaks are ruled out together by one call."""
    return _the_gate().passes(text)


def kinds() -> list[str]:
    return list(DETECTORS)


def placeholder(kind: str) -> str:
    return DETECTORS[kind].placeholder


def label(kind: str) -> str:
    return DETECTORS[kind].label


def find(text: str) -> list[Found]:
    """Every finding in ``text``, in order, none overlapping another."""
    gate = _the_gate()
    if not text or not gate.passes(text):
        return []
    candidates = [Found(s, e, d.kind, text[s:e]) for d in DETECTORS.values()
                  if gate.runs(d, text) for s, e in d.spans(text) if e > s]
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
def _redacted_line(line: str) -> tuple[str, tuple[str, ...]] | None:
    """``line`` redacted and the kinds found in it; None when nothing is (most lines)."""
    if not _the_gate().passes(line):
        return None
    text, found = redact(line)
    return (text, tuple(f.kind for f in found)) if found else None


def _by_line(text: str) -> tuple[str, tuple[str, ...]] | None:
    """``text`` redacted line by line and the kinds found; None when nothing is."""
    if not _the_gate().passes(text):
        return None  # most texts: no cue anywhere in it, so in none of its lines (one search)
    lines = text.split("\n")
    done = list(map(_redacted_line, lines))
    if not any(done):
        return None
    return ("\n".join(line if d is None else d[0] for line, d in zip(lines, done, strict=True)),
            tuple(kind for d in done if d is not None for kind in d[1]))


@lru_cache(maxsize=1 << 12)
def _redacted_head(head: str) -> tuple[str, tuple[str, ...]] | None:
    return _by_line(head)


def redact_lines(text: str) -> tuple[str, list[str]]:
    """:func:`redact` line by line, each distinct line once (a prompt's template lines repeat in every
    sample): the text and the kinds found. No detector reads across a line break. What stands before
    a text's last empty line (a prompt's rules and topic, the dialogue after them) is looked up whole."""
    if "\n" not in text:
        if not _the_gate().passes(text):
            return text, []  # most lines: not looked up, not kept
        one = _redacted_line(text)
        return (text, []) if one is None else (one[0], list(one[1]))
    cut = text.rfind("\n\n") + 2
    if cut < 2:
        whole = _by_line(text)
        return (text, []) if whole is None else (whole[0], list(whole[1]))
    head, rest = _redacted_head(text[:cut]), _by_line(text[cut:])
    if head is None and rest is None:
        return text, []
    return ((text[:cut] if head is None else head[0]) + (text[cut:] if rest is None else rest[0]),
            [*(head[1] if head else ()), *(rest[1] if rest else ())])


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

__all__ = ["DETECTORS", "Detector", "Found", "Tally", "could_hold", "count", "find", "kinds", "label", "placeholder", "redact", "redact_lines", "redact_value",
           "register"]
