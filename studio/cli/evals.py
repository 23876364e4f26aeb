"""``studio eval sets|make|run|report``: held-out test sets, model runs and the comparison table."""

from __future__ import annotations

import argparse
import asyncio
import sys

from studio.cli.common import print_json, print_table, workspace
from studio.evaluate import report as reports
from studio.evaluate import runner
from studio.evaluate.options import EVAL_MAKE, EVAL_RUN, make_or_import
from studio.turn.prompts import Prompts


def register(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("eval", help="evaluate models: test sets, runs, comparison reports")
    esub = ev.add_subparsers(dest="eval_command", metavar="ACTION", required=True)
    p = esub.add_parser("sets", help="list eval sets")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_sets)
    p = esub.add_parser("make", help="freeze a test set from held-out dialogues (or import one from a file)")
    EVAL_MAKE.add_to(p)
    p.set_defaults(handler=cmd_make)
    p = esub.add_parser("run", help="answer every item with a model; check, judge, time and cost it")
    EVAL_RUN.add_to(p)
    p.set_defaults(handler=cmd_run)
    p = esub.add_parser("report", help="compare runs: the rubric table, per fault, where models differ")
    p.add_argument("runs", nargs="*", help="eval run ids (default: the newest run of each model on the newest set)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_report)


def cmd_sets(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        sets = sorted(ws.store.eval_sets.all(), key=lambda s: s.created)
        if args.json:
            print_json([{**s.model_dump(mode="json", exclude={"items"}), "items": len(s.items)} for s in sets])
        elif not sets:
            print("no eval sets yet: studio eval make --n 50")
        else:
            print_table(["set", "name", "items", "source", "hash"],
                        [[s.id, s.name, len(s.items), s.source, s.content_hash[:12]] for s in sets])
    return 0


def cmd_make(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        made = make_or_import(ws.store, Prompts(ws.root), EVAL_MAKE.of(args))
        faults: dict[str, int] = {}
        for item in made.items:
            faults[item.fault] = faults.get(item.fault, 0) + 1
        if args.json:
            print_json({**made.model_dump(mode="json", exclude={"items"}), "items": len(made.items), "by_fault": faults})
        else:
            print(f"eval set {made.id}: {len(made.items)} items from {made.source} (hash {made.content_hash[:12]}); "
                  + ", ".join(f"{k} {v}" for k, v in sorted(faults.items())))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        set_id = args.set_id or max(ws.store.eval_sets.all(), key=lambda s: s.created, default=None)
        if set_id is None:
            raise LookupError("no eval set yet: studio eval make --n 50")
        set_id = set_id if isinstance(set_id, str) else set_id.id
        run = runner.start_run(ws, set_id, args.model, args.judge)
        resumed = f" (resuming: {len(run.results)} done)" if run.results else ""
        print(f"eval run {run.id}: {args.model} on {set_id}{resumed}", file=sys.stderr)

        def progress(p: runner.EvalProgress) -> None:
            bar = "█" * int(20 * p.done / p.total) + "░" * (20 - int(20 * p.done / p.total))
            print(f"\r{bar} {p.done}/{p.total} · errors {p.errors} · {p.elapsed_s:.0f}s", end="", file=sys.stderr)

        run = asyncio.run(runner.execute(ws, run, concurrency=args.concurrency, on_progress=progress))
        print(file=sys.stderr)
        eval_set = ws.store.eval_sets.get(set_id)
        assert eval_set is not None
        summary = reports.summarise(run, eval_set)
        if args.json:
            from dataclasses import asdict

            print_json(asdict(summary))
        else:
            print(reports.table_text({"runs": [vars(summary)]}))
        return 0 if run.status.value == "succeeded" else 1


def cmd_report(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        sets = {s.id: s for s in ws.store.eval_sets.all()}
        if args.runs:
            runs = []
            for rid in args.runs:
                run = ws.store.evals.get(rid)
                if run is None:
                    raise LookupError(f"no eval run {rid} (see: studio eval report)")
                runs.append(run)
        else:
            all_runs = sorted(ws.store.evals.all(), key=lambda r: r.created)
            if not all_runs:
                raise LookupError("no eval runs yet: studio eval run --model PROFILE")
            newest_set = all_runs[-1].set_id
            latest = {r.model: r for r in all_runs if r.set_id == newest_set}
            runs = list(latest.values())
        rep = reports.report(runs, sets, ws.store.votes.all())
        if args.json:
            print_json(rep)
            return 0
        print(reports.table_text(rep))
        print("\nper fault (reply/suggestion/analysis · all checks pass):\n")
        print(reports.fault_text(rep))
        for set_id, diffs in rep["differences"].items():
            if diffs:
                print(f"\nwhere the models differ most (set {set_id}):")
            for d in diffs:
                print(f"\n- {d['item']} · {d['fault']} · student: {d['student']!r}")
                for a in d["answers"]:
                    said = reports.verdicts_text(a["off_topic"])
                    print(f"  [{a['model']} · total {a['total']} · failed {', '.join(a['failed']) or 'none'}"
                          f"{' · ' + said if said else ''}] {a['raw'][:200]}")
        for s in rep["runs"]:
            differ = s["off_topic"].get("disagreements", [])
            if differ:
                print(f"\n{s['model']}: where the judge ({s['judge']}) and the offline check disagree on whether the "
                      f"student went off topic (the judge's verdict was used):")
            for d in differ:
                print(f"- {d['item']} · judge: {'off' if d['judge'] else 'on'} topic, offline: "
                      f"{'off' if d['offline'] else 'on'} topic · student: {d['student']!r}")
        human = rep["human"]
        if human["votes"]:
            pa = human["preference_agreement"]
            print(f"\nhuman review: {human['votes']} votes; the judge agrees with the preference "
                  f"{pa:.0%}" if pa is not None else "")
        for s in rep["runs"]:
            if s["lineage"].get("kind") == "tuned":
                ln = s["lineage"]
                print(f"\n{s['model']}: tuned by job {ln['job']} ({ln['method']} on {ln['base_model']}) from snapshot "
                      f"{ln['snapshot']} ({str(ln.get('snapshot_hash') or '')[:12]})")
    return 0
