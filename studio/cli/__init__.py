"""The ``studio`` command: thin, over the services.

Exit codes: 0 ok; 1 a user error (a bad flag or usage too) or a failed run; 2 a workspace error
(missing, locked, corrupt, unwritable); 3 a run that stopped short and can be resumed; 130 Ctrl-C.
Everything a command prints passes the one output sanitiser (``cli.common.SafeStream``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from studio import __version__
from studio.cli import (
    data,
    evals,
    experiment,
    generate,
    info,
    lint,
    prompts,
    providers,
    topics,
    train,
)
from studio.cli.common import CliError, fail, safe_output
from studio.config import ConfigError
from studio.datafiles.textfile import InputError
from studio.llm.errors import LLMError
from studio.semantic.encoder import EncoderError
from studio.store import StoreError, WorkspaceLocked
from studio.workspace import WorkspaceMissing, resolve_path

COMMANDS = (info, topics, generate, data, providers, lint, train, evals, experiment, prompts)


class Parser(argparse.ArgumentParser):
    """Usage errors exit 1 (2 means a workspace problem), naming the flag and what it accepts."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="studio",
        description="Kouyu Studio: make data for, fine-tune and evaluate a speaking-practice tutor LLM. "
        "With no command, opens the full-screen studio.",
        epilog="First hour: studio init; studio generate --dialogues 60; studio (3 Samples, 4 Dashboard: x exports); "
               "studio train tiny-model tiny; studio train start …; studio eval make; studio eval run; "
               "studio eval report. Each command's --help has the details; README 'Your first hour' has them all.",
    )
    parser.add_argument("--version", action="version", version=f"Kouyu Studio {__version__}")
    parser.add_argument("-w", "--workspace", metavar="DIR",
                        help="workspace folder (default: $STUDIO_WORKSPACE or the user data folder)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        with safe_output():
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else 1
    handler = getattr(args, "handler", None)
    try:
        if handler is None:
            from studio.cli.tui import run_tui

            return run_tui(args)
        with safe_output():
            return handler(args) or 0
    except (WorkspaceLocked, WorkspaceMissing, StoreError) as exc:
        return fail(exc, 2)
    except RecursionError:
        return fail(CliError("the input nests too deeply to read"), 1)
    except OSError as exc:
        return fail(CliError(os_problem(exc)), 2 if _in_workspace(exc, args) else 1)
    except (CliError, InputError, ConfigError, LLMError, EncoderError, LookupError, ValueError) as exc:
        return fail(exc, 1)
    except BrokenPipeError:  # output piped into head and the like
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def os_problem(exc: OSError) -> str:
    """One plain line for a file problem: which path, and what the system said."""
    where = f"{exc.filename}: " if exc.filename else ""
    hint = {IsADirectoryError: " (a folder is where a file should be)",
            NotADirectoryError: " (a file is where a folder should be)",
            PermissionError: " (check the folder's permissions, or pick another with --workspace)"}
    return f"{where}{exc.strerror or exc}{hint.get(type(exc), '')}"


def _in_workspace(exc: OSError, args: argparse.Namespace) -> bool:
    if not exc.filename:
        return False
    try:
        return os.path.abspath(str(exc.filename)).startswith(str(resolve_path(args.workspace)))
    except OSError:
        return False
