"""``studio import`` and ``studio export``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from studio.cli.common import print_json, print_table, workspace
from studio.datafiles.formats import FORMATS, names
from studio.domain import STUDENT_FAULTS, FaultKind
from studio.export.export import (
    ExportOptions,
    Preflight,
    check_options,
    preflight,
    select,
    split_by_topic,
    write,
)
from studio.export.importer import Importer
from studio.export.provenance import offline_warning
from studio.export.samples import Filters
from studio.synth.pending import Progress, judge_pending
from studio.synth.run import off_topic_bank
from studio.turn.context import PROMPT_STYLES
from studio.turn.prompts import Prompts


def _list(text: str | None) -> list[str]:
    return [x.strip() for x in (text or "").split(",") if x.strip()]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help=f"import a dataset file for review (any of: {', '.join(names())}; "
                                      "the format is read from each line's shape)")
    p.add_argument("file", type=Path)
    p.add_argument("--no-judge", action="store_true",
                   help="leave the off-topic judgement of the student turns for later (studio judge, or the TUI)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("judge", help="judge the student turns still waiting for their off-topic verdict "
                                     "(an import leaves them for after; resumes where a stopped one left off)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_judge)

    p = sub.add_parser("export", help="write an SFT dataset (with a pre-flight report and a snapshot record)")
    p.add_argument("--format", "-f", choices=names(), required=True)
    p.add_argument("--out", type=Path, help="folder to write (default: exports/<snapshot id> in the workspace)")
    p.add_argument("--split", type=float, help="train share, split by topic (e.g. 0.9); no topic is in both")
    p.add_argument("--seed", type=int, default=0, help="seed of the topic split")
    p.add_argument("--review", choices=["default", "approved", "passing", "all"], default="default",
                   help="default: approved, or unreviewed and passing the checks; rejected turns never, unless 'all'")
    p.add_argument("--require-pass", action="store_true", help="only samples that pass every check")
    p.add_argument("--faults", help="only these student faults (comma-separated; 'opening' for opening turns)")
    p.add_argument("--runs", help="only these runs (comma-separated ids)")
    p.add_argument("--topics", help="only these topics (comma-separated ids)")
    p.add_argument("--dialogues", action="store_true",
                   help=f"{', '.join(f.name for f in FORMATS.values() if f.weights)}: whole dialogues with a "
                        "per-turn weight instead of one sample per teacher turn")
    styled = [f for f in FORMATS.values() if f.styles]
    p.add_argument("--style", choices=sorted({s for f in styled for s in f.styles}), default="",
                   help="how the lines are written: " + "; ".join(
                       f"{f.name}: {' or '.join(f.styles)} (default {f.styles[0]})" for f in styled))
    p.add_argument("--prompt", choices=PROMPT_STYLES, default="full",
                   help="the teacher prompt in each sample: full (the tutorial's, every rule) or compact (one "
                        "instruction line, topic and dialogue: a model tuned on it learns the rules from the data; "
                        "a quarter of the tokens)")
    p.add_argument("--max-tokens", type=int, default=2048, help="samples longer than this are reported as over-long")
    p.add_argument("--epochs", type=int, default=3, help="for the training-token estimate")
    p.add_argument("--train-price", type=float, help="price per 1k training tokens, for the cost estimate")
    p.add_argument("--dry-run", action="store_true", help="print the pre-flight report and write nothing")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_export)


def _judge(ws, quiet: bool) -> Progress:  # type: ignore[no-untyped-def]
    """The pending off-topic judgements, with a progress line on stderr: redrawn on a terminal, a line
    every tenth of the way on a pipe."""
    started, tty = time.monotonic(), sys.stderr.isatty()
    terminal = getattr(sys.stderr, "unsafe", sys.stderr)  # the studio's own line: no text of the data in it
    shown = [-1]

    def show(p: Progress) -> None:
        if quiet:
            return
        if not p.judged:  # the pass begins: the models load first
            print("loading the off-topic check's models…", end="" if tty else "\n", file=sys.stderr, flush=True)
            return
        done = int(20 * p.judged / p.total)
        line = (f"judging {p.judged:,} / {p.total:,} student turns {'█' * done}{'░' * (20 - done)} "
                f"· {p.off_topic:,} off topic · {time.monotonic() - started:.0f}s")
        if tty:
            print(f"\r\x1b[2K{line}", end="", file=terminal, flush=True)
        elif done // 2 != shown[0] or p.judged == p.total:
            print(line, file=sys.stderr, flush=True)
            shown[0] = done // 2

    progress = judge_pending(ws.store, off_topic_bank(ws.root), on_progress=show)
    if progress.total and not quiet and tty:
        print(file=sys.stderr)
    return progress


def cmd_judge(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        p = _judge(ws, args.json)
    if args.json:
        print_json({"judged": p.judged, "off_topic": p.off_topic, "checks_changed": p.changed})
    else:
        print(f"judged {p.judged:,} student turns: {p.off_topic:,} off topic; "
              f"{p.changed:,} teacher answers checked again" if p.judged else "nothing to judge")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        report = Importer(ws.store, args.file, ws.root).run()
        if report.pending and not args.json and not report.already:
            print(f"imported {report.samples:,} samples: browsable now; judging the off-topic check of "
                  f"{report.pending:,} student turns{' next' if not args.no_judge else ' later (studio judge)'}",
                  file=sys.stderr)
        judged = _judge(ws, args.json) if report.pending and not args.no_judge else None
        if judged is not None:  # answers to off-topic turns now carry the suspicion
            report.failing += judged.failing
    data = {"run": report.run_id, "already_imported": report.already, "dialogues": report.dialogues,
            "samples": report.samples, "duplicates": report.duplicates, "failing": report.failing,
            "topics_created": report.topics_created, "topics_matched": report.topics_matched,
            "off_topic_pending": report.pending - (judged.judged if judged else 0),
            "off_topic": judged.off_topic if judged else None}
    if args.json:
        print_json(data)
    elif report.already:
        print(f"{args.file} was already imported (run {report.run_id}); nothing added")
    else:
        print(f"imported {report.samples} samples in {report.dialogues} dialogues from {args.file} (run {report.run_id}); "
              f"{report.failing} fail a check, {report.duplicates} duplicates skipped, {report.topics_created} new topics. "
              "All are marked for review.")
        if report.topics_matched:
            print(f"  {report.topics_matched} topic texts joined stored topics as near-duplicates; e.g. {report.topic_note}")
    return 0


def _print_report(r: Preflight) -> None:
    print(f"pre-flight: {r.samples} samples from {r.dialogues} dialogues on {r.topics} topics — "
          f"train {r.train}, eval {r.eval}", file=sys.stderr)
    rows = [(FaultKind(k).label, r.by_fault.get(k, 0), f"{r.mix_actual.get(k, 0):.1%}", f"{r.mix_target[k]:.1%}")
            for k in (f.value for f in STUDENT_FAULTS)]
    rows.append(("opening", r.by_fault.get("opening", 0), "", ""))
    old, sys.stdout = sys.stdout, sys.stderr
    try:
        print_table(["FAULT", "SAMPLES", "ACTUAL", "TARGET"], rows)
    finally:
        sys.stdout = old
    failures = ", ".join(f"{k} {v}" for k, v in r.failures.items()) or "none"
    cost = f", cost ≈ {r.cost:.2f}" if r.cost is not None else ""
    print(f"failing checks that would be exported: {r.failing_samples} samples ({failures})\n"
          f"duplicates: {r.duplicates} · over-long: {r.over_long}\n"
          f"training tokens ≈ {r.training_tokens:,} ({r.tokens:,} × epochs){cost} — {r.token_method}", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    filters = Filters(review=args.review, faults=_list(args.faults), runs=_list(args.runs), topics=_list(args.topics),
                      require_pass=args.require_pass)
    bad = [f for f in filters.faults if f not in {k.value for k in FaultKind}]
    if bad:
        raise ValueError(f"--faults: unknown fault kind '{bad[0]}'")
    opts = ExportOptions(format=args.format, out=args.out, split=args.split, seed=args.seed, dialogues=args.dialogues,
                         style=args.style, prompt=args.prompt, filters=filters, max_tokens=args.max_tokens,
                         epochs=args.epochs, train_price=args.train_price)
    check_options(opts)
    with workspace(args) as ws:
        prompts = Prompts(ws.root)
        samples = select(ws.store, prompts, filters, opts.prompt)
        if not samples:
            raise ValueError("no samples match the filters (see: studio info; review status and --review)")
        train, held = split_by_topic(samples, opts.split, opts.seed)
        report = preflight(samples, train, held, ws.config.target_mix, opts)
        if not args.json:
            _print_report(report)
        if args.dry_run:
            if args.json:
                print_json({"preflight": report.to_json(), "written": None})
            return 0
        snapshot = write(ws.store, prompts, train, held, report, opts, ws.exports_dir)
    if warning := offline_warning(snapshot):
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print_json({"preflight": report.to_json(), "snapshot": snapshot.model_dump(mode="json")})
    else:
        print(f"snapshot {snapshot.id} ({snapshot.content_hash[:12]}): " + ", ".join(snapshot.files))
    return 0
