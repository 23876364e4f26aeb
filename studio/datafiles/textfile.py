"""Reading user files line by line with errors that name the file and line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


class InputError(ValueError):
    """A bad input file. ``str()`` reads ``file:line: problem``."""

    def __init__(self, path: Path | str, line: int | None, problem: str) -> None:
        self.path, self.line, self.problem = str(path), line, problem
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {problem}")


#: The longest line read (a dataset record or a topic); longer ones are refused, never loaded whole.
MAX_LINE_BYTES = 4 << 20


def check_size(path: Path, limit: int, what: str) -> None:
    """Refuse a file larger than ``limit`` bytes before reading it (memory stays bounded)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(path, None, f"cannot open: {exc.strerror or exc}") from None
    if size > limit:
        raise InputError(path, None, f"{what} is {size / 1e6:.1f} MB, over the limit of {limit / 1e6:.0f} MB; "
                                     "split it into smaller files")


def _lines(fh, path: Path, limit: int) -> Iterator[bytes]:
    number = 0
    while raw := fh.readline(limit + 1):
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            raise InputError(path, number, f"the line is longer than {limit >> 20} MiB; it was not read")
        yield raw


def decode_lines(path: Path, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` of a UTF-8 file (a BOM is allowed), streaming it.

    Invalid UTF-8 or a line over ``max_line_bytes`` raises InputError naming the line. Line ends are stripped.
    """
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(path, None, f"cannot open: {exc.strerror or exc}") from None
    with fh:
        for number, raw in enumerate(_lines(fh, path, max_line_bytes), 1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(
                    path, number, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1}); "
                    "save the file as UTF-8"
                ) from None
            yield number, text.rstrip("\r\n")
