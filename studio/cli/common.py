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

from studio.config import scrub_secrets
from studio.domain.mix import Mix
from studio.domain.text import json_safe, visible
from studio.i18n import _, pgettext, told
from studio.llm.registry import check_profile
from studio.logs import setup_logging
from studio.turn.shown import fault_label
from studio.workspace import Workspace, open_workspace, resolve_path


class CliError(Exception):
    """A user error with a message that says what to do (a ``studio.domain.messages.Message``, or text
    already in the current language)."""


def fail(exc: BaseException, code: int) -> int:
    """The error's one line on stderr, in the current language; returns ``code``."""
    message = told(exc) or exc.__class__.__name__
    if isinstance(exc, LookupError) and message.startswith("'") and message.endswith("'"):
        message = message[1:-1]
    print(_("error: {message}").format(message=visible(message)), file=sys.stderr)
    return code


def warn(problem: object) -> None:
    """A warning's one line on stderr, in the current language (a message is translated)."""
    print(_("warning: {problem}").format(problem=told(problem)), file=sys.stderr)


@contextmanager
def workspace(args: argparse.Namespace, **options: object) -> Iterator[Workspace]:
    ws = open_workspace(resolve_path(args.workspace), check_profile=check_profile, **options)  # type: ignore[arg-type]
    setup_logging(ws.logs_dir, ws.secrets.redact)
    try:
        if ws.store.recovered_note:
            warn(ws.store.recovered_note)
        yield ws
    finally:
        ws.close()


def print_json(value: object) -> None:
    text = orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    sys.stdout.write(json_safe(text) + "\n")


class SafeStream(io.TextIOBase):
    """stdout/stderr for CLI commands: everything written passes the one redactor (no secret the
    process knows is printed, in any encoding) and the one output sanitiser (``domain.text.visible``),
    so no model or imported text can drive the terminal, whichever command prints it. ``unsafe`` is the stream itself, for the studio's own progress bar."""

    def __init__(self, unsafe: TextIO) -> None:
        super().__init__()
        self.unsafe = unsafe

    def write(self, text: str) -> int:
        self.unsafe.write(visible(scrub_secrets(text)))
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


def print_pairs(pairs: Sequence[tuple[str, object]], width: int = 15) -> None:
    """``label  value`` lines, the values lined up (labels padded by display width: CJK takes two cells)."""
    width = max([width, *(cell_len(label) + 1 for label, _value in pairs)])
    for label, value in pairs:
        print(f"{label}{' ' * (width - cell_len(label))} {value}")


def status_label(status: str) -> str:
    """A run's, job's or eval's status (``succeeded``) as a table shows it, in the current language."""
    return {"queued": pgettext("status", "queued"), "starting": pgettext("status", "starting"),
            "running": pgettext("status", "running"), "paused": pgettext("status", "paused"),
            "succeeded": pgettext("status", "succeeded"), "failed": pgettext("status", "failed"),
            "cancelled": pgettext("status", "cancelled"), "partial": pgettext("status", "partial"),
            "interrupted": pgettext("status", "interrupted")}.get(status, status)


def describe_mix(mix: Mix) -> str:
    """A mix in one line, ``55 : 40 : 5 … → normal 50.0%, …``, saying when its weights were normalised."""
    parts = " : ".join(f"{w:g}" for w in mix.weights.values())
    shares = ", ".join(f"{fault_label(k)} {s:.1%}" for k, s in mix.shares().items())
    if mix.is_normalised:
        return _("{weights} → {shares}").format(weights=parts, shares=shares)
    return _("{weights} (weights sum to {total}; normalised) → {shares}").format(
        weights=parts, total=f"{mix.total:g}", shares=shares)


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
