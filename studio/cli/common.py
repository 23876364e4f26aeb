"""Shared helpers for CLI commands: opening the workspace, printing tables and JSON."""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

import orjson
from rich import box
from rich.cells import cell_len, set_cell_size
from rich.console import Console
from rich.table import Table
from rich.text import Text

from studio.domain.text import json_safe, visible
from studio.llm.registry import check_profile
from studio.logs import setup_logging
from studio.workspace import Workspace, open_workspace, resolve_path


class CliError(Exception):
    """A user error with a message that says what to do."""


def fail(exc: BaseException, code: int) -> int:
    message = str(exc) or exc.__class__.__name__
    if isinstance(exc, LookupError) and message.startswith("'") and message.endswith("'"):
        message = message[1:-1]
    print(f"error: {visible(message)}", file=sys.stderr)
    return code


@contextmanager
def workspace(args: argparse.Namespace, **options: object) -> Iterator[Workspace]:
    ws = open_workspace(resolve_path(args.workspace), check_profile=check_profile, **options)  # type: ignore[arg-type]
    setup_logging(ws.logs_dir, ws.secrets.redact)
    try:
        if ws.store.recovered_note:
            print(f"warning: {ws.store.recovered_note}", file=sys.stderr)
        yield ws
    finally:
        ws.close()


def print_json(value: object) -> None:
    text = orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    sys.stdout.write(json_safe(text) + "\n")


class SafeStream(io.TextIOBase):
    """stdout/stderr for CLI commands: everything written passes the one output sanitiser
    (``domain.text.visible``), so no model or imported text can drive the terminal, whichever
    command prints it. ``unsafe`` is the stream itself, for the studio's own progress bar."""

    def __init__(self, unsafe: TextIO) -> None:
        super().__init__()
        self.unsafe = unsafe

    def write(self, text: str) -> int:
        self.unsafe.write(visible(text))
        return len(text)

    def flush(self) -> None:
        self.unsafe.flush()

    def isatty(self) -> bool:
        return self.unsafe.isatty()

    def fileno(self) -> int:
        return self.unsafe.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.unsafe, "encoding", "utf-8")


@contextmanager
def safe_output() -> Iterator[None]:
    """Sanitise stdout and stderr for the duration (a no-op when they already are)."""
    saved = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, SafeStream):
        sys.stdout = SafeStream(sys.stdout)
    if not isinstance(sys.stderr, SafeStream):
        sys.stderr = SafeStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells (CJK characters take two), with an ellipsis."""
    text = visible(str(text))
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1).rstrip() + "…"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A plain table on stdout (Rich: CJK-aware widths, nothing wrapped, control characters shown as escapes)."""
    table = Table(*headers, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="",
                  collapse_padding=True)
    for column in table.columns:
        column.no_wrap = True
        column.overflow = "ignore"
    for row in rows:
        table.add_row(*(Text(visible(str(c))) for c in row))
    console = Console(file=sys.stdout, width=10_000, color_system=None, highlight=False, soft_wrap=True)
    with console.capture() as capture:
        console.print(table)
    sys.stdout.write("\n".join(line.rstrip() for line in capture.get().splitlines()) + "\n")
