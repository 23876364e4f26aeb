"""The one guard on how deep JSON may nest, applied before any parser sees the text.

Python's ``json`` (and the repair library) recurse once per level, and ``orjson`` refuses more than
1,024 levels on reading but 255 on writing, so a document read deeper than that could never be
stored: text nested deeper than :data:`MAX_DEPTH` is refused first, by one linear scan that
recurses nowhere. Every reader of JSON from outside the studio goes through :func:`too_deep` or
:func:`loads`: a teacher's answer (``studio.domain.parse``, so eval items and generated turns), dataset
files (lint, import) and topic files. The store reads only what it wrote (no document deeper than
255 levels) with orjson, whose limit raises an error instead of recursing.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

#: Deeper JSON is refused before any decoder sees it. The studio's own documents nest under 12.
MAX_DEPTH = 64

#: A JSON string (to its end, or to the text's end when it is not closed), or a bracket outside one.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[\[\]{}]', re.S)
_STRING_OR_BRACKET_BYTES = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)|[\[\]{}]', re.S)


class TooDeep(ValueError):
    """JSON nested deeper than the guard allows (``depth`` levels; ``most`` allowed)."""

    def __init__(self, depth: int, most: int) -> None:
        self.depth, self.most = depth, most
        super().__init__(f"nests {depth} levels deep (at most {most})")


def nesting_depth(text: str | bytes) -> int:
    """How deep ``[``/``{`` nest in ``text``, outside JSON strings: one linear pass, no recursion.
    A closing bracket with nothing open counts as nothing (as a decoder starting later would see it)."""
    if isinstance(text, str):
        marks = (m.group() for m in _STRING_OR_BRACKET.finditer(text))
    else:
        marks = (m.group().decode("latin-1") if len(m.group()) == 1 else '"'
                 for m in _STRING_OR_BRACKET_BYTES.finditer(bytes(text)))
    depth = deepest = 0
    for ch in marks:
        if ch in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ("]", "}"):
            depth = max(0, depth - 1)
    return deepest


def too_deep(text: str | bytes, most: int = MAX_DEPTH) -> int | None:
    """The depth of ``text`` when it nests deeper than ``most``; None when it is within the limit.
    Text with no more than ``most`` opening brackets in all is let through without a scan."""
    if isinstance(text, str):
        if text.count("[") + text.count("{") <= most:
            return None
    elif text.count(b"[") + text.count(b"{") <= most:
        return None
    depth = nesting_depth(text)
    return depth if depth > most else None


def loads(text: str | bytes, most: int = MAX_DEPTH) -> Any:
    """``orjson.loads`` behind the depth guard: raises :class:`TooDeep` (a ValueError) before parsing
    text nested deeper than ``most``, ``orjson.JSONDecodeError`` for text that is not JSON."""
    if (depth := too_deep(text, most)) is not None:
        raise TooDeep(depth, most)
    return orjson.loads(text)
