"""``studio import`` and ``studio export``."""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from studio.cli.common import CliError, fault_label, print_json, print_table, warn, workspace
from studio.cli.privacy import kinds_text, report_lines
from studio.datafiles.formats import names
from studio.domain import STUDENT_FAULTS
from studio.domain.messages import Message
from studio.export.export import Preflight, preflight, select, split_by_topic, write
from studio.export.importer import Importer
from studio.export.options import EXPORT, export_options
from studio.export.provenance import offline_warning
from studio.i18n import N_, _, told
from studio.synth.pending import Progress, judge_pending
from studio.synth.run import off_topic_bank
from studio.turn.prompts import Prompts


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import")
    p.add_argument("file", type=Path, help=_("the dataset file (any of: {formats})").format(formats=", ".join(names())))
    p.add_argument("--no-judge", action="store_true",
                   help=_("leave the off-topic judgement of the student turns for later (studio judge, or the TUI)"))
    p.add_argument("--keep-pii", action="store_true",
                   help=_("keep personal data (names, phone numbers, ID numbers, QQ/WeChat ids, schools, addresses) "
                          "as it is instead of replacing it with typed placeholders"))
    p.add_argument("--json", action="store_true", help=_("print stable JSON"))
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("judge")
    p.add_argument("--json", action="store_true", help=_("print stable JSON"))
    p.set_defaults(handler=cmd_judge)

    p = sub.add_parser("export")
    EXPORT.add_to(p)
    p.set_defaults(handler=cmd_export)


def _judge(ws, quiet: bool) -> Progress:
    """The pending off-topic judgements, with a progress line on stderr: redrawn on a terminal, a line
    every tenth of the way on a pipe."""
    started, tty = time.monotonic(), sys.stderr.isatty()
    terminal = getattr(sys.stderr, "unsafe", sys.stderr)  # the studio's own line: no text of the data in it
    shown = [-1]

    def show(p: Progress) -> None:
        if quiet:
            return
        if not p.judged:  # the pass begins: the models load first
            print(_("loading the off-topic check's models…"), end="" if tty else "\n", file=sys.stderr, flush=True)
            return
        done = int(20 * p.judged / p.total)
        line = _("judging {judged} / {total} student turns {bar} · {off_topic} off topic · {seconds}s").format(
            judged=f"{p.judged:,}", total=f"{p.total:,}", bar="█" * done + "░" * (20 - done),
            off_topic=f"{p.off_topic:,}", seconds=f"{time.monotonic() - started:.0f}")
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
        print(_("judged {judged} student turns: {off_topic} off topic; {changed} teacher answers checked again").format(
            judged=f"{p.judged:,}", off_topic=f"{p.off_topic:,}", changed=f"{p.changed:,}")
              if p.judged else _("nothing to judge"))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        importer = Importer(ws.store, args.file, ws.root, keep_pii=args.keep_pii)
        report = importer.run()
        if not args.json:
            for line in report_lines(importer.pii, args.file):
                print(line, file=sys.stderr)
        if report.pending and not args.json and not report.already:
            line = (_("imported {samples} samples: browsable now; judging the off-topic check of {pending} student "
                      "turns next") if not args.no_judge else
                    _("imported {samples} samples: browsable now; judging the off-topic check of {pending} student "
                      "turns later (studio judge)"))
            print(line.format(samples=f"{report.samples:,}", pending=f"{report.pending:,}"), file=sys.stderr)
        judged = _judge(ws, args.json) if report.pending and not args.no_judge else None
        if judged is not None:  # answers to off-topic turns now carry the suspicion
            report.failing += judged.failing
    data = {"run": report.run_id, "already_imported": report.already, "dialogues": report.dialogues,
            "samples": report.samples, "duplicates": report.duplicates, "failing": report.failing,
            "topics_created": report.topics_created, "topics_matched": report.topics_matched,
            "off_topic_pending": report.pending - (judged.judged if judged else 0),
            "off_topic": judged.off_topic if judged else None,
            "pii": {**importer.pii.to_json(), "kept": args.keep_pii}}
    if args.json:
        print_json(data)
    elif report.already:
        print(_("{file} was already imported (run {run}); nothing added").format(file=args.file, run=report.run_id))
    else:
        print(_("imported {samples} samples in {dialogues} dialogues from {file} (run {run}); {failing} fail a check, "
                "{duplicates} duplicates skipped, {topics} new topics. All are marked for review.").format(
            samples=report.samples, dialogues=report.dialogues, file=args.file, run=report.run_id,
            failing=report.failing, duplicates=report.duplicates, topics=report.topics_created))
        if report.topics_matched:
            print("  " + _("{n} topic texts joined stored topics as near-duplicates; e.g. {example}").format(
                n=report.topics_matched, example=told(report.topic_note)))
    return 0


def _print_report(r: Preflight) -> None:
    print(_("pre-flight: {samples} samples from {dialogues} dialogues on {topics} topics — train {train}, eval {eval}")
          .format(samples=r.samples, dialogues=r.dialogues, topics=r.topics, train=r.train, eval=r.eval), file=sys.stderr)
    rows = [(fault_label(k), r.by_fault.get(k, 0), f"{r.mix_actual.get(k, 0):.1%}", f"{r.mix_target[k]:.1%}")
            for k in (f.value for f in STUDENT_FAULTS)]
    rows.append((_("opening"), r.by_fault.get("opening", 0), "", ""))
    old, sys.stdout = sys.stdout, sys.stderr
    try:
        print_table([_("FAULT"), _("SAMPLES"), _("ACTUAL"), _("TARGET")], rows)
    finally:
        sys.stdout = old
    failures = ", ".join(f"{k} {v}" for k, v in r.failures.items()) or _("none")
    tokens = _("training tokens ≈ {training} ({tokens} × epochs)").format(training=f"{r.training_tokens:,}",
                                                                          tokens=f"{r.tokens:,}")
    if r.cost is not None:
        tokens = _("{tokens}, cost ≈ {cost}").format(tokens=tokens, cost=f"{r.cost:.2f}")
    print(_("failing checks that would be exported: {n} samples ({failures})").format(n=r.failing_samples,
                                                                                       failures=failures), file=sys.stderr)
    print(_("duplicates: {duplicates} · over-long: {over_long}").format(duplicates=r.duplicates, over_long=r.over_long),
          file=sys.stderr)
    print(f"{tokens} — {_(r.token_method)}", file=sys.stderr)  # a message id (export.TOKEN_METHOD)


def cmd_export(args: argparse.Namespace) -> int:
    opts = export_options(EXPORT.of(args))
    filters = opts.filters
    with workspace(args) as ws:
        prompts = Prompts(ws.root)
        samples = select(ws.store, prompts, filters, opts.prompt)
        if not samples:
            raise CliError(Message("export.nothing-selected",
                                   N_("no samples match the filters (see: studio info; review status and --review)")))
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
        warn(warning)
    replaced = Counter({k.removeprefix("pii."): v for k, v in snapshot.counts.items() if k.startswith("pii.")})
    if replaced and not args.json:
        print(_("personal data replaced by placeholders in the files written: {kinds}").format(
            kinds=kinds_text(replaced)), file=sys.stderr)
    if args.json:
        print_json({"preflight": report.to_json(), "snapshot": snapshot.model_dump(mode="json")})
    else:
        print(_("snapshot {id} ({hash}): {files}").format(id=snapshot.id, hash=snapshot.content_hash[:12],
                                                          files=", ".join(snapshot.files)))
    return 0
