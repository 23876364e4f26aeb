"""``studio lint FILE``: check any dataset file against the teacher contract."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from studio.cli.common import clip, print_json, print_table, workspace
from studio.cli.privacy import kinds_text
from studio.datafiles.dataset_reader import BadLine
from studio.datafiles.formats import names
from studio.domain import pii
from studio.domain.contract import CHECK_IDS
from studio.evaluate.lint import Linted, Summary, judge_all, lint_file
from studio.i18n import N_, _, told
from studio.turn.shown import check_message, fault_label


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lint")
    p.add_argument("file", type=Path, help=_("the dataset file (any of: {formats})").format(formats=", ".join(names())))
    p.add_argument("--json", action="store_true", help=_("print stable JSON: {records, unreadable, summary}"))
    p.add_argument("--judge", metavar="PROFILE", help=_("also score each turn on the rubric with this provider"))
    p.set_defaults(handler=cmd_lint)


def cmd_lint(args: argparse.Namespace) -> int:
    summary = Summary()
    records: list[Linted] = []
    bad: list[BadLine] = []
    stream = not args.json and not args.judge  # each line printed as it is read: memory stays one line
    for item in lint_file(args.file):
        if isinstance(item, BadLine):
            summary.unreadable += 1
            if stream:
                _print_bad(args.file, item)
            else:
                bad.append(item)
        else:
            summary.add(item)
            if stream:
                _print_record(args.file, item, judged=False)
            elif args.json or args.judge or item.check.results or item.layout or item.pii:
                records.append(item)
    if args.judge:
        _judge(args, records)
    if args.json:
        print_json({"records": [r.to_json() for r in records],
                    "unreadable": [{"line": b.line, "problem": str(b.problem)} for b in bad],
                    "summary": summary.to_json()})
    else:
        _print_text(args.file, records, bad, summary, judged=bool(args.judge))
    return 0 if summary.passed == summary.records and not summary.unreadable and not summary.pii_records else 1


def _judge(args: argparse.Namespace, records: list[Linted]) -> None:
    from studio.llm.registry import build_client
    from studio.turn.prompts import Prompts

    with workspace(args) as ws:
        client = build_client(ws.config, ws.secrets, args.judge, store=ws.store, workspace=ws.root)

        async def run() -> None:
            try:
                await judge_all(records, client, Prompts(ws.root), concurrency=client.limiter.concurrency)
            finally:
                await client.aclose()

        asyncio.run(run())


#: Where in a record personal data was found (the ids of studio.export.privacy.findings).
FIELDS = {"prompt": N_("prompt"), "system": N_("system message"), "history": N_("dialogue history"),
          "answer": N_("answer")}


def _print_bad(path: Path, b: BadLine) -> None:
    print(_("{file}:{line}: unreadable: {problem}").format(file=path, line=b.line, problem=told(b.problem)))


def _print_record(path: Path, item: Linted, judged: bool) -> None:
    if item.layout:
        print(f"{path}:{item.record.line} #{item.record.index} {told(item.layout)}")
    for r in item.check.results:
        print(f"{path}:{item.record.line} #{item.record.index} {r.id} ({r.severity}): {clip(check_message(r), 110)}")
    if item.pii:
        found = "; ".join(_("{kind} in the {field}").format(kind=_(pii.label(f.kind)), field=_(FIELDS[where]))
                          for where, f in item.pii)
        print(f"{path}:{item.record.line} #{item.record.index} pii: " + _("personal data: {found}").format(found=found))
    if judged and item.judge:
        j = item.judge
        scores = _("judge: compliance {compliance} reply {reply} suggestion {suggestion} analysis {analysis}").format(
            compliance=j["compliance"], reply=j["reply"], suggestion=j["suggestion"], analysis=j["analysis"])
        print(f"{path}:{item.record.line} #{item.record.index} {scores} {clip(j.get('reason', ''), 60)}")


def _print_text(path: Path, records: list[Linted], bad: list[BadLine], summary: Summary, judged: bool) -> None:
    for b in bad:
        _print_bad(path, b)
    for item in records:
        _print_record(path, item, judged)
    s = summary.to_json()
    line = _("{records} teacher turns: {passed} pass, {failed} fail; {unreadable} unreadable lines").format(
        records=s["records"], passed=s["passed"], failed=s["failed"], unreadable=s["unreadable"])
    if s["unrecognised"]:
        line = _("{summary}; {n} with a prompt layout not recognised").format(summary=line, n=s["unrecognised"])
    if summary.pii_records:
        line = _("{summary}; {n} with personal data ({kinds}): `studio import` replaces it with placeholders").format(
            summary=line, n=summary.pii_records, kinds=kinds_text(summary.by_pii))
    print(f"\n{line}\n")
    rows = [(id_, count) for id_, count in s["by_check"].items() if count] or [(_("(none failed)"), 0)]
    print_table([_("CHECK"), _("TURNS")], rows)
    print()
    print_table([_("COMPLIANCE"), _("TURNS")], [(k, v) for k, v in s["by_compliance"].items()])
    print()
    print_table([_("FAULT"), _("TURNS"), _("PASS")],
                [(fault_label(k), f["records"], f["passed"]) for k, f in s["by_fault"].items()])
    if judged:
        scored = [r.judge for r in records if r.judge]
        if scored:
            means = {d: sum(j[d] for j in scored) / len(scored) for d in ("compliance", "reply", "suggestion", "analysis")}
            print("\n" + _("rubric means: {means}").format(means=", ".join(f"{d} {v:.2f}" for d, v in means.items())))


__all__ = ["CHECK_IDS", "register"]
