"""``studio generate`` and ``studio runs``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn
from rich.progress import Progress as RichProgress
from rich.table import Column

from studio.cli.common import (
    describe_mix,
    fault_label,
    print_json,
    print_table,
    status_label,
    workspace,
)
from studio.domain import (
    STUDENT_FAULTS,
    Mix,
    RunStatus,
)
from studio.i18n import _, ngettext
from studio.llm.registry import profile_of
from studio.semantic.offtopic import load_models
from studio.synth.options import GENERATE, run_config
from studio.synth.run import Progress
from studio.synth.service import execute, prepare


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate")
    GENERATE.add_to(p)
    p.set_defaults(handler=cmd_generate)

    p = sub.add_parser("runs")
    p.add_argument("--json", action="store_true", help=_("print stable JSON"))
    p.set_defaults(handler=cmd_runs)


#: Exit codes beyond 0/1/2: the run stopped short and can be resumed (a budget, a pause).
EXIT_UNFINISHED = 3


class Reporter:
    """A live progress bar on a terminal (Rich); a line every few seconds otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.bar: RichProgress | None = None
        self.task: TaskID | None = None
        self.broken = False  # the reader of the output went away (a pipe into head, say)
        self.stop: Callable[[], None] = lambda: None  # stops the run between turns

    def __call__(self, p: Progress) -> None:
        if self.quiet or self.broken:
            return
        try:
            self._show(p)
        except BrokenPipeError:  # stop printing and stop the run; every answer so far is kept
            self.broken = True
            self.stop()

    def _show(self, p: Progress) -> None:
        now = time.monotonic()
        if now - self.last < (0.2 if self.tty else 3.0) and p.completed < p.planned:
            return
        self.last = now
        detail = progress_detail(p)
        if not self.tty:
            sys.stderr.write(_("{done}/{planned} dialogues · {detail}").format(done=p.completed, planned=p.planned,
                                                                                detail=detail) + "\n")
            sys.stderr.flush()
            return
        if self.bar is None:
            terminal = getattr(sys.stderr, "unsafe", sys.stderr)  # the bar's own control codes only
            fixed = Column(no_wrap=True)
            self.bar = RichProgress(BarColumn(bar_width=24, table_column=Column(no_wrap=True, width=24)),
                                    MofNCompleteColumn(table_column=fixed), TextColumn(_("dialogues"), table_column=fixed),
                                    TextColumn("{task.fields[detail]}", markup=False,
                                               table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis")),
                                    console=Console(file=terminal), refresh_per_second=5, transient=False, expand=True)
            self.bar.start()
            self.task = self.bar.add_task("generate", total=p.planned, detail="")
        assert self.task is not None
        self.bar.update(self.task, completed=p.completed, total=p.planned, detail=detail)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


def cmd_generate(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        config = run_config(GENERATE.of(args), ws.config)
        run, resumed = prepare(ws, config, resume=args.resume)
        assert run.config is not None  # a prepared run always holds its config
        caps = {k: v for k, v in (("max_cost", args.max_cost), ("max_calls", args.max_calls)) if v is not None}
        if resumed and caps:  # a cap given now replaces the run's own; a cap not given stays as it was
            run.config = run.config.model_copy(update=caps)
        reporter = Reporter(quiet=args.json)

        def hold(generator: Any) -> None:
            reporter.stop = generator.stop

        try:
            if profile_of(ws.config, run.config.student_provider, ws.store, ws.root).kind != "offline":
                _load_judge(quiet=args.json)  # a model's answers are judged: no answer waits for a load
            if not args.json:
                line = (_("resuming run {id}: {planned} dialogues · mix {mix}") if resumed else
                        _("starting run {id}: {planned} dialogues · mix {mix}"))
                print(line.format(id=run.id, planned=run.planned, mix=describe_mix(Mix(weights=run.config.mix))),
                      file=sys.stderr)
            run = asyncio.run(execute(ws, run, reporter, hold))
        except BrokenPipeError:  # nobody reads the output any more: nothing more is started
            reporter.broken = True
        except KeyboardInterrupt:
            reporter.done()
            print("\n" + _("stopped; finished turns are kept. Resume with: studio generate --resume {id}").format(
                id=run.id), file=sys.stderr)
            return 130
        if reporter.broken:
            return output_gone()
        reporter.done()
        summary = run_json(run)
    if args.json:
        print_json(summary)
    else:
        _print_summary(summary)
    return exit_code(run.status)


#: What a command whose output reader went away exits with (as if killed by SIGPIPE, 128 + 13).
EXIT_BROKEN_PIPE = 141


def output_gone() -> int:
    """The reader of stdout or stderr went away: print nothing more, anywhere, and say so by the code."""
    import os

    devnull = open(os.devnull, "w")  # noqa: SIM115 - lives until the process ends
    sys.stdout = sys.stderr = devnull
    return EXIT_BROKEN_PIPE


def _load_judge(quiet: bool) -> None:
    started = time.monotonic()
    if not quiet:
        print(_("loading the off-topic check's models…"), end="", file=sys.stderr, flush=True)
    load_models()
    if not quiet:
        print(_(" ready in {seconds} s").format(seconds=f"{time.monotonic() - started:.1f}"), file=sys.stderr)


def exit_code(status: RunStatus) -> int:
    """0 only when the quota is met; 1 failed; 3 stopped short and resumable (budget, pause)."""
    if status == RunStatus.SUCCEEDED:
        return 0
    return 1 if status in (RunStatus.FAILED, RunStatus.CANCELLED) else EXIT_UNFINISHED


def run_json(run) -> dict[str, object]:
    return {
        "id": run.id, "status": run.status.value, "planned": run.planned, "completed": run.completed,
        "failed": run.failed, "topped_up": run.topped_up, "mismatches": run.mismatches,
        "unrepaired": run.unrepaired, "cached": run.cached,
        "counts": run.counts, "quotas": run.quotas, "error": run.error,
        "teacher": run.config.teacher_provider if run.config else None,
        "student": run.config.student_provider if run.config else None,
        "created": run.created.isoformat(),
    }


def progress_detail(p: Progress) -> str:
    """A generation run's progress after its dialogue count: faults against quotas, calls, tokens, cost,
    repairs, errors and the ETA, each count with its noun in the right number."""
    faults = " ".join(f"{fault_label(k)} {p.counts.get(k, 0)}/{q}" for k, q in p.quotas.items())
    eta = _("ETA {seconds}s").format(seconds=f"{p.eta_s:.0f}") if p.eta_s is not None else _("ETA -")
    tokens, errors = p.tokens_in + p.tokens_out, sum(p.errors.values())
    return _("{faults} · {calls} · {tokens} · cost {cost} · {repairs} · {errors} · {eta}").format(
        faults=faults, cost=f"{p.cost:.4f}", eta=eta,
        calls=ngettext("{n} call ({cached} cached)", "{n} calls ({cached} cached)", p.calls).format(
            n=p.calls, cached=p.cached),
        tokens=ngettext("{n} token", "{n} tokens", tokens).format(n=tokens),
        repairs=ngettext("{n} repair", "{n} repairs", p.repairs).format(n=p.repairs),
        errors=ngettext("{n} error", "{n} errors", errors).format(n=errors))

def _print_summary(s: dict[str, Any]) -> None:
    print(_("run {id}: {status} — {completed}/{planned} dialogues complete, {failed} failed (topped up {topped_up}), "
            "{mismatches} student turns flagged (observed fault differs from the plan)").format(
        id=s["id"], status=status_label(str(s["status"])), completed=s["completed"], planned=s["planned"],
        failed=s["failed"], topped_up=s["topped_up"], mismatches=s["mismatches"]))
    rows = [(fault_label(k), s["quotas"].get(k, 0), s["counts"].get(k, 0))
            for k in (f.value for f in STUDENT_FAULTS)]
    print_table([_("FAULT"), _("PLANNED"), _("DONE")], rows)
    if s["unrepaired"]:
        print(_("{n} teacher turns still fail a check after every repair (kept for review: studio, 3 Samples)").format(
            n=s["unrepaired"]))
    if s["cached"]:
        print(_("reused {n} cached answers (same seed and prompts as before, not bought again); for new answers use "
                "another --seed or --no-cache").format(n=s["cached"]))
    if s["error"]:
        print(_("note: {note}").format(note=s["error"]))


def cmd_runs(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        runs = sorted(ws.store.runs, key=lambda r: r.created)
    data = [run_json(r) for r in runs]
    if args.json:
        print_json({"runs": data})
        return 0
    print_table([_("ID"), _("STATUS"), _("DONE"), _("FAILED"), _("FLAGGED"), _("TEACHER"), _("STUDENT"), _("CREATED")],
                [(r["id"], status_label(str(r["status"])), f"{r['completed']}/{r['planned']}", r["failed"],
                  r["mismatches"], r["teacher"], r["student"], str(r["created"])[:19]) for r in data])
    return 0
