"""``studio generate`` and ``studio runs``."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn
from rich.progress import Progress as RichProgress
from rich.table import Column

from studio.cli.common import CliError, bounded, print_json, print_table, workspace
from studio.domain import (
    DEFAULT_MIX,
    STUDENT_FAULTS,
    FaultKind,
    Mix,
    MixError,
    RunConfig,
    RunStatus,
)
from studio.llm.registry import profile_of
from studio.semantic.offtopic import load_models
from studio.synth.run import Progress
from studio.synth.service import execute, prepare


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="simulate teacher/student dialogues into training samples")
    p.add_argument("--dialogues", "-n", type=bounded(int, 1, MAX_DIALOGUES), default=20,
                   help=f"number of dialogues, 1 to {MAX_DIALOGUES} (default 20)")
    p.add_argument("--turns", type=bounded(int, 1, 20), default=4, help="teacher turns per dialogue, 1 to 20 (default 4)")
    p.add_argument("--teacher", help="provider profile for the teacher (default: config studio.teacher)")
    p.add_argument("--student", help="provider profile for the student (default: config studio.student)")
    p.add_argument("--concurrency", "-c", type=bounded(int, 1, 256), default=8, help="dialogues in parallel (default 8)")
    p.add_argument("--mix", help="fault weights, e.g. "
                   + ",".join(f"{k}={w:g}" for k, w in DEFAULT_MIX.weights.items()) + " (the default)")
    p.add_argument("--seed", type=bounded(int, 0, 2**63 - 1), default=0,
                   help="same seed, same plan and (from the cache) the same answers; default 0")
    p.add_argument("--repairs", type=bounded(int, 0, 10), default=2,
                   help="repair attempts per failing teacher turn, 0 to 10 (default 2)")
    p.add_argument("--rewrite", choices=["injector", "llm"], default="injector",
                   help="make spelling/grammar faults with the deterministic injectors or an LLM rewrite")
    p.add_argument("--chinese", choices=["answer", "translate"], default="answer",
                   help="Chinese answers: the student answers in Chinese, or its English answer is translated")
    p.add_argument("--off-topic", choices=["bank", "llm"], default="bank",
                   help="off-topic answers: lines from the off-topic bank, or an answer about another topic")
    p.add_argument("--no-cache", action="store_true", help="do not reuse cached responses (sampling variety)")
    p.add_argument("--max-cost", type=bounded(float, 0, 1e12, low_open=True),
                   help="never spend more than this (each request reserves its worst case first)")
    p.add_argument("--max-calls", type=bounded(int, 1, 10**9), help="never send more requests than this, retries included")
    p.add_argument("--resume", metavar="RUN", help="continue a stopped or killed run")
    p.add_argument("--json", action="store_true", help="print the final summary as JSON")
    p.set_defaults(handler=cmd_generate)

    p = sub.add_parser("runs", help="list generation runs")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_runs)


MAX_DIALOGUES = 1_000_000  # as the Simulate form allows

#: Exit codes beyond 0/1/2: the run stopped short and can be resumed (a budget, a pause).
EXIT_UNFINISHED = 3


def parse_mix(text: str) -> dict[str, float]:
    try:
        mix = Mix.parse(text)
    except MixError as exc:
        raise CliError(f"--mix: {exc}") from None
    return {k.value: w for k, w in mix.weights.items()}


class Reporter:
    """A live progress bar on a terminal (Rich); a line every few seconds otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.bar: RichProgress | None = None
        self.task: TaskID | None = None

    def __call__(self, p: Progress) -> None:
        if self.quiet:
            return
        now = time.monotonic()
        if now - self.last < (0.2 if self.tty else 3.0) and p.completed < p.planned:
            return
        self.last = now
        faults = " ".join(f"{FaultKind(k).label} {p.counts.get(k, 0)}/{q}" for k, q in p.quotas.items())
        eta = f"ETA {p.eta_s:.0f}s" if p.eta_s is not None else "ETA -"
        errors = sum(p.errors.values())
        detail = (f"{faults} · {p.calls} calls ({p.cached} cached) · {p.tokens_in + p.tokens_out} tokens · "
                  f"cost {p.cost:.4f} · {p.repairs} repairs · {errors} errors · {eta}")
        if not self.tty:
            sys.stderr.write(f"{p.completed}/{p.planned} dialogues · {detail}\n")
            sys.stderr.flush()
            return
        if self.bar is None:
            terminal = getattr(sys.stderr, "unsafe", sys.stderr)  # the bar's own control codes only
            fixed = Column(no_wrap=True)
            self.bar = RichProgress(BarColumn(bar_width=24, table_column=Column(no_wrap=True, width=24)),
                                    MofNCompleteColumn(table_column=fixed), TextColumn("dialogues", table_column=fixed),
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
        mix = parse_mix(args.mix) if args.mix else ws.config.mix
        config = RunConfig(
            dialogues=args.dialogues, teacher_turns=args.turns, concurrency=args.concurrency, seed=args.seed,
            teacher_provider=args.teacher or ws.config.studio.teacher,
            student_provider=args.student or ws.config.studio.student,
            mix={FaultKind(k): v for k, v in Mix.of(mix).weights.items()}, use_cache=not args.no_cache,
            repairs=args.repairs, rewrite=args.rewrite, chinese=args.chinese, off_topic=args.off_topic,
            max_cost=args.max_cost, max_calls=args.max_calls,
        )
        run, resumed = prepare(ws, config, resume=args.resume)
        if resumed and (args.max_cost is not None or args.max_calls is not None):
            run.config = run.config.model_copy(update={"max_cost": args.max_cost, "max_calls": args.max_calls})
        reporter = Reporter(quiet=args.json)
        if profile_of(ws.config, run.config.student_provider, ws.store, ws.root).kind != "offline":
            _load_judge(quiet=args.json)  # a model's answers are judged: no answer waits for a load
        if not args.json:
            verb = "resuming" if resumed else "starting"
            print(f"{verb} run {run.id}: {run.planned} dialogues · mix {Mix(weights=run.config.mix).describe()}",
                  file=sys.stderr)
        try:
            run = asyncio.run(execute(ws, run, reporter))
        except KeyboardInterrupt:
            reporter.done()
            print(f"\nstopped; finished turns are kept. Resume with: studio generate --resume {run.id}", file=sys.stderr)
            return 130
        reporter.done()
        summary = run_json(run)
    if args.json:
        print_json(summary)
    else:
        _print_summary(summary)
    return exit_code(run.status)


def _load_judge(quiet: bool) -> None:
    started = time.monotonic()
    if not quiet:
        print("loading the off-topic check's models…", end="", file=sys.stderr, flush=True)
    load_models()
    if not quiet:
        print(f" ready in {time.monotonic() - started:.1f} s", file=sys.stderr)


def exit_code(status: RunStatus) -> int:
    """0 only when the quota is met; 1 failed; 3 stopped short and resumable (budget, pause)."""
    if status == RunStatus.SUCCEEDED:
        return 0
    return 1 if status in (RunStatus.FAILED, RunStatus.CANCELLED) else EXIT_UNFINISHED


def run_json(run) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "id": run.id, "status": run.status.value, "planned": run.planned, "completed": run.completed,
        "failed": run.failed, "topped_up": run.topped_up, "mismatches": run.mismatches,
        "unrepaired": run.unrepaired, "cached": run.cached,
        "counts": run.counts, "quotas": run.quotas, "error": run.error,
        "teacher": run.config.teacher_provider if run.config else None,
        "student": run.config.student_provider if run.config else None,
        "created": run.created.isoformat(),
    }


def _print_summary(s: dict[str, object]) -> None:
    print(f"run {s['id']}: {s['status']} — {s['completed']}/{s['planned']} dialogues complete, "
          f"{s['failed']} failed (topped up {s['topped_up']}), {s['mismatches']} student turns flagged "
          "(observed fault differs from the plan)")
    rows = [(FaultKind(k).label, s["quotas"].get(k, 0), s["counts"].get(k, 0))  # type: ignore[union-attr]
            for k in (f.value for f in STUDENT_FAULTS)]
    print_table(["FAULT", "PLANNED", "DONE"], rows)
    if s["unrepaired"]:
        print(f"{s['unrepaired']} teacher turns still fail a check after every repair (kept for review: "
              "studio, 3 Samples)")
    if s["cached"]:
        print(f"reused {s['cached']} cached answers (same seed and prompts as before, not bought again); "
              "for new answers use another --seed or --no-cache")
    if s["error"]:
        print(f"note: {s['error']}")


def cmd_runs(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        runs = sorted(ws.store.runs, key=lambda r: r.created)
    data = [run_json(r) for r in runs]
    if args.json:
        print_json({"runs": data})
        return 0
    print_table(["ID", "STATUS", "DONE", "FAILED", "FLAGGED", "TEACHER", "STUDENT", "CREATED"],
                [(r["id"], r["status"], f"{r['completed']}/{r['planned']}", r["failed"], r["mismatches"], r["teacher"],
                  r["student"], str(r["created"])[:19]) for r in data])
    return 0
