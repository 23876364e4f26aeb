"""``studio import`` and ``studio export``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from studio.cli.common import print_json, print_table, workspace
from studio.datafiles.formats import names
from studio.domain import STUDENT_FAULTS, FaultKind
from studio.export.export import Preflight, preflight, select, split_by_topic, write
from studio.export.importer import Importer
from studio.export.options import EXPORT, export_options
from studio.export.provenance import offline_warning
from studio.synth.pending import Progress, judge_pending
from studio.synth.run import off_topic_bank
from studio.turn.prompts import Prompts


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
    EXPORT.add_to(p)
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
    opts = export_options(EXPORT.of(args))
    filters = opts.filters
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
