"""The ``studio`` command: thin, over the services. Exit codes: 0 ok, 1 user error, 2 workspace."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from studio import __version__
from studio.cli import data, evals, generate, info, lint, prompts, providers, topics, train
from studio.cli.common import CliError, fail
from studio.config import ConfigError
from studio.datafiles.textfile import InputError
from studio.llm.errors import LLMError
from studio.store import StoreError, WorkspaceLocked
from studio.workspace import WorkspaceMissing

COMMANDS = (info, topics, generate, data, providers, lint, train, evals, prompts)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    try:
        if handler is None:
            from studio.cli.tui import run_tui

            return run_tui(args)
        return handler(args) or 0
    except (WorkspaceLocked, WorkspaceMissing, StoreError) as exc:
        return fail(exc, 2)
    except (CliError, InputError, ConfigError, LLMError, LookupError, ValueError) as exc:
        return fail(exc, 1)
    except BrokenPipeError:  # output piped into head and the like
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
