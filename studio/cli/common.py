"""Shared helpers for CLI commands: opening the workspace, printing tables and JSON."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import orjson

from studio.logs import setup_logging
from studio.workspace import Workspace, open_workspace, resolve_path


class CliError(Exception):
    """A user error with a message that says what to do."""


def fail(exc: BaseException, code: int) -> int:
    message = str(exc) or exc.__class__.__name__
    if isinstance(exc, LookupError) and message.startswith("'") and message.endswith("'"):
        message = message[1:-1]
    print(f"error: {message}", file=sys.stderr)
    return code


@contextmanager
def workspace(args: argparse.Namespace, **options: object) -> Iterator[Workspace]:
    ws = open_workspace(resolve_path(args.workspace), **options)  # type: ignore[arg-type]
    setup_logging(ws.logs_dir, ws.secrets.redact)
    try:
        if ws.store.recovered_note:
            print(f"warning: {ws.store.recovered_note}", file=sys.stderr)
        yield ws
    finally:
        ws.close()


def print_json(value: object) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def clip(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = 2 if ord(ch) > 0x2E7F else 1
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))
