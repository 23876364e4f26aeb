"""Reading user files line by line with errors that name the file and line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
MAX_LINE_BYTES = 4 << 20


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


def _lines(fh, path: Path, limit: int) -> Iterator[bytes]:
    number = 0
    while raw := fh.readline(limit + 1):
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            raise InputError(path, number, Message("input.long-line", N_("the line is longer than {mib} MiB; it was not "
                                                                         "read"), mib=limit >> 20))
        yield raw


def decode_lines(path: Path, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` of a UTF-8 file (a BOM is allowed), streaming it.

    Invalid UTF-8 or a line over ``max_line_bytes`` raises InputError naming the line. Line ends are stripped.
    """
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(path, None, cannot_open(exc)) from None
    with fh:
        for number, raw in enumerate(_lines(fh, path, max_line_bytes), 1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(path, number, Message(
                    "input.not-utf8", N_("not UTF-8 text (byte 0x{byte} at column {column}); save the file as UTF-8"),
                    byte=f"{raw[exc.start]:02x}", column=exc.start + 1)) from None
            yield number, text.rstrip("\r\n")
