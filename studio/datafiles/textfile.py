"""Reading user files line by line with errors that name the file and line."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from studio.domain.jsondepth import TooDeep
from studio.domain.messages import N_, Message, system_says


class InputError(ValueError):
    """A bad input file. ``str()`` reads ``file:line: problem``; the problem is text or a
    :class:`~studio.domain.messages.Message` (``studio.i18n.told`` shows it in the user's language)."""

    def __init__(self, path: Path | str, line: int | None, problem: str | Message) -> None:
        self.path, self.line, self.problem = str(path), line, problem
        where = f"{path}:{line}" if line else str(path)
        super().__init__(Message("input.where", N_("{where}: {problem}"), where=where, problem=problem))


def cannot_open(exc: OSError) -> Message:
    """Why a file could not be opened, as the system said it."""
    return Message("input.cannot-open", N_("cannot open: {reason}"), reason=system_says(exc))


#: The longest line read (a dataset record or a topic); longer ones are refused, never loaded whole.
#: ``STUDIO_MAX_LINE_BYTES`` sets another limit (in bytes).
MAX_LINE_BYTES = 4 << 20


def max_line_bytes() -> int:
    """The line limit in force: ``STUDIO_MAX_LINE_BYTES`` when set to a whole number of bytes, else MAX_LINE_BYTES."""
    value = os.environ.get("STUDIO_MAX_LINE_BYTES", "").strip().replace("_", "")
    return int(value) if value.isdigit() and int(value) >= 1024 else MAX_LINE_BYTES


def _too_long(limit: int) -> Message:
    if limit >= 1 << 20:
        return Message("input.long-line", N_("the line is longer than {mib} MiB; it was not read"), mib=limit >> 20)
    return Message("input.long-line-bytes", N_("the line is longer than {n} bytes; it was not read (the limit is "
                                               "STUDIO_MAX_LINE_BYTES)"), n=limit)


def check_size(path: Path, limit: int, what: str | Message) -> None:
    """Refuse a file larger than ``limit`` bytes before reading it (memory stays bounded)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(path, None, cannot_open(exc)) from None
    if size > limit:
        raise InputError(path, None, Message("input.too-large", N_("{what} is {size} MB, over the limit of {limit} MB; "
                                                                   "split it into smaller files"),
                                             what=what, size=f"{size / 1e6:.1f}", limit=f"{limit / 1e6:.0f}"))


def too_deep(exc: TooDeep) -> Message:
    """A line refused by the JSON depth guard (``studio.domain.jsondepth``), before any parser saw it."""
    return Message("input.too-deep", N_("the JSON nests {depth} levels deep (at most {most}); it was not read"),
                   depth=exc.depth, most=exc.most)


def _skip_line(fh) -> None:
    """Read past the rest of a line, a block at a time (memory stays one block)."""
    while block := fh.readline(1 << 16):
        if block.endswith(b"\n"):
            return


def _decode(path: Path, raw: bytes, number: int) -> str:
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:  # the file's encoding, not one line: the whole file is refused
        raise InputError(path, number, Message(
            "input.not-utf8", N_("not UTF-8 text (byte 0x{byte} at column {column}); save the file as UTF-8"),
            byte=f"{raw[exc.start]:02x}", column=exc.start + 1)) from None


def each_line(path: Path, limit: int | None = None) -> Iterator[tuple[int, str | Message]]:
    """Yield ``(line_number, text)`` of a UTF-8 file (a BOM is allowed), streaming it; a line over the byte
    limit comes as ``(line_number, problem)``, unread, and the reading goes on: memory is one line. A file
    that is not UTF-8 raises InputError naming the line."""
    limit = max_line_bytes() if limit is None else limit
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(path, None, cannot_open(exc)) from None
    with fh:
        number = 0
        while raw := fh.readline(limit + 1):
            number += 1
            if len(raw) > limit and not raw.endswith(b"\n"):
                _skip_line(fh)
                yield number, _too_long(limit)
                continue
            yield number, _decode(path, raw, number)


def decode_lines(path: Path, max_line_bytes: int | None = None) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` of a UTF-8 file (a BOM is allowed), streaming it.

    Invalid UTF-8 or a line over ``max_line_bytes`` raises InputError naming the line. Line ends are stripped.
    """
    for number, text in each_line(path, max_line_bytes):
        if isinstance(text, Message):
            raise InputError(path, number, text)
        yield number, text
