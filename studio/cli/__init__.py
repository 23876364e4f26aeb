"""The ``studio`` command: thin, over the services.

Exit codes: 0 ok; 1 a user error (a bad flag or usage too) or a failed run; 2 a workspace error
(missing, locked, corrupt, unwritable); 3 a run that stopped short and can be resumed; 130 Ctrl-C;
141 the output's reader went away (a pipe into head): the run stopped, nothing it made is lost.
Everything a command prints passes the one output sanitiser (``cli.common.SafeStream``).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

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
    review,
    serve,
    store,
    topics,
    train,
)
from studio.cli.common import CliError, fail, safe_output
from studio.cli.generate import output_gone
from studio.cli.language import apply_language
from studio.cli.parser import Parser
from studio.config import ConfigError
from studio.datafiles.formats import names
from studio.datafiles.textfile import InputError
from studio.domain.messages import Message, system_says
from studio.i18n import LANGUAGES, N_, _, told
from studio.llm.errors import LLMError
from studio.semantic.encoder import EncoderError
from studio.store import StoreError, WorkspaceLocked
from studio.workspace import WorkspaceMissing, resolve_path

COMMANDS = (info, topics, generate, data, review, serve, providers, lint, train, evals, experiment, prompts,
            store)

#: What ``studio --help`` says of each command ({formats}: the dataset formats). Every command a
#: module in COMMANDS registers at the top level needs its line here.
COMMAND_SUMMARIES = {
    "init": N_("create a workspace (seeded with the shipped topic bank)"),
    "info": N_("show the workspace, its counts and schema version"),
    "topics": N_("manage conversation topics"),
    "generate": N_("simulate teacher/student dialogues into training samples"),
    "runs": N_("list generation runs"),
    "import": N_("import a dataset file for review (any of: {formats}; the format is read from each line's shape)"),
    "judge": N_("judge the student turns still waiting for their off-topic verdict (an import leaves them for "
                "after; resumes where a stopped one left off)"),
    "export": N_("write an SFT dataset (with a pre-flight report and a snapshot record)"),
    "review": N_("review samples from the command line: take the next one, approve or reject, who reviewed what, "
                 "agreement between reviewers and judges"),
    "serve": N_("serve the studio to browsers (one reviewer session per tab), on this machine only unless a token "
                "or password guards it"),
    "providers": N_("list provider profiles, add one, or check one with a tiny call"),
    "calls": N_("summarise the call ledger: tokens, cost, latency, errors, repairs"),
    "lint": N_("check a dataset file (any of: {formats}) against the teacher contract, without importing it"),
    "train": N_("fine-tune jobs: start, sweep, list, show, watch, cancel"),
    "eval": N_("evaluate models: test sets, runs, comparison reports"),
    "experiment": N_("the tutorial's experiment in one resumable command: data, export, base model, a grid of "
                     "fine-tunes, eval of each on held-out topics, the table"),
    "prompts": N_("compare the prompt templates in use with the original tutorial's"),
    "store": N_("the store itself: recover rebuilds it from its snapshot, backup and journals when they disagree"),
}


class _Commands:
    """The top-level command list: each command's line comes from COMMAND_SUMMARIES."""

    def __init__(self, sub: argparse._SubParsersAction) -> None:
        self.sub = sub

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if name not in COMMAND_SUMMARIES:
            raise KeyError(f"studio.cli.COMMAND_SUMMARIES has no line for the command '{name}'")
        kwargs["help"] = _(COMMAND_SUMMARIES[name]).format(formats=", ".join(names()))
        return self.sub.add_parser(name, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    """The whole ``studio`` parser, in the current language (``studio.i18n.set_language``)."""
    parser = Parser(
        prog="studio",
        description=_("Kouyu Studio: make data for, fine-tune and evaluate a speaking-practice tutor LLM. "
                      "With no command, opens the full-screen studio."),
        epilog=_("First hour: studio init; studio generate --dialogues 60; studio (3 Samples, 4 Dashboard: "
                 "x exports); studio train tiny-model tiny; studio train start …; studio eval make; "
                 "studio eval run; studio eval report. Each command's --help has the details; "
                 "README 'Your first hour' has them all."),
    )
    parser.add_argument("--version", action="version", version=f"Kouyu Studio {__version__}",
                        help=_("show the version and exit"))
    parser.add_argument("-w", "--workspace", metavar="DIR",
                        help=_("workspace folder (default: $STUDIO_WORKSPACE or the user data folder)"))
    parser.add_argument("--lang", choices=LANGUAGES,
                        help=_("the studio's language: en (English) or zh (Simplified Chinese); default: "
                               "ui.language in the workspace's config.toml, else LANGUAGE, LC_ALL or LANG"))
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title=_("commands"))
    commands = _Commands(sub)
    for module in COMMANDS:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    apply_language(argv)
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
        return fail(CliError(Message("input.too-deep", N_("the input nests too deeply to read"))), 1)
    except OSError as exc:
        return fail(CliError(os_problem(exc)), 2 if _in_workspace(exc, args) else 1)
    except (CliError, InputError, ConfigError, LLMError, EncoderError, LookupError, ValueError) as exc:
        return fail(exc, 1)
    except BrokenPipeError:  # output piped into head and the like: quiet, and the code a SIGPIPE gives
        return output_gone()
    except KeyboardInterrupt:
        print(_("interrupted"), file=sys.stderr)
        return 130


def os_problem(exc: OSError) -> str:
    """One plain line for a file problem: which path, and what the system said."""
    hint = {IsADirectoryError: _("a folder is where a file should be"),
            NotADirectoryError: _("a file is where a folder should be"),
            PermissionError: _("check the folder's permissions, or pick another with --workspace")}.get(type(exc))
    problem = told(system_says(exc))
    if hint:
        problem = _("{problem} ({hint})").format(problem=problem, hint=hint)
    return _("{file}: {problem}").format(file=exc.filename, problem=problem) if exc.filename else problem


def _in_workspace(exc: OSError, args: argparse.Namespace) -> bool:
    if not exc.filename:
        return False
    try:
        return os.path.abspath(str(exc.filename)).startswith(str(resolve_path(args.workspace)))
    except OSError:
        return False
