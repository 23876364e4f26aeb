"""``studio eval sets|make|run|report``: held-out test sets, model runs and the comparison table."""

from __future__ import annotations

import argparse
import asyncio
import sys

from studio.cli.common import CliError, print_json, print_table, workspace
from studio.domain.messages import Message
from studio.evaluate import report as reports
from studio.evaluate import runner
from studio.evaluate.options import EVAL_MAKE, EVAL_RUN, make_or_import
from studio.i18n import N_, _
from studio.turn.prompts import Prompts


def register(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser("eval")
    esub = ev.add_subparsers(dest="eval_command", metavar="ACTION", required=True)
    p = esub.add_parser("sets", help=_("list eval sets"))
    p.add_argument("--json", action="store_true", help=_("print stable JSON"))
    p.set_defaults(handler=cmd_sets)
    p = esub.add_parser("make", help=_("freeze a test set from held-out dialogues (or import one from a file)"))
    EVAL_MAKE.add_to(p)
    p.set_defaults(handler=cmd_make)
    p = esub.add_parser("run", help=_("answer every item with a model; check, judge, time and cost it"))
    EVAL_RUN.add_to(p)
    p.set_defaults(handler=cmd_run)
    p = esub.add_parser("report", help=_("compare runs: the rubric table, per fault, where models differ"))
    p.add_argument("runs", nargs="*", help=_("eval run ids (default: the newest run of each model on the newest set)"))
    p.add_argument("--json", action="store_true", help=_("print stable JSON"))
    p.set_defaults(handler=cmd_report)


def cmd_sets(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        sets = sorted(ws.store.eval_sets.all(), key=lambda s: s.created)
        if args.json:
            print_json([{**s.model_dump(mode="json", exclude={"items"}), "items": len(s.items)} for s in sets])
        elif not sets:
            print(_("no eval sets yet: studio eval make --n 50"))
        else:
            print_table([_("set"), _("name"), _("items"), _("source"), _("hash")],
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
            print(_("eval set {id}: {n} items from {source} (hash {hash}); {faults}").format(
                id=made.id, n=len(made.items), source=made.source, hash=made.content_hash[:12],
                faults=", ".join(f"{k} {v}" for k, v in sorted(faults.items()))))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        set_id = args.set_id or max(ws.store.eval_sets.all(), key=lambda s: s.created, default=None)
        if set_id is None:
            raise CliError(Message("eval.no-sets", N_("no eval set yet: studio eval make --n 50")))
        set_id = set_id if isinstance(set_id, str) else set_id.id
        run = runner.start_run(ws, set_id, args.model, args.judge)
        line = (_("eval run {id}: {model} on {set} (resuming: {done} done)") if run.results else
                _("eval run {id}: {model} on {set}"))
        print(line.format(id=run.id, model=args.model, set=set_id, done=len(run.results)), file=sys.stderr)

        def progress(p: runner.EvalProgress) -> None:
            bar = "█" * int(20 * p.done / p.total) + "░" * (20 - int(20 * p.done / p.total))
            print("\r" + _("{bar} {done}/{total} · errors {errors} · {seconds}s").format(
                bar=bar, done=p.done, total=p.total, errors=p.errors, seconds=f"{p.elapsed_s:.0f}"), end="",
                file=sys.stderr)

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
                    raise CliError(Message("eval.unknown-run", N_("no eval run {id} (see: studio eval report)"), id=rid))
                runs.append(run)
        else:
            all_runs = sorted(ws.store.evals.all(), key=lambda r: r.created)
            if not all_runs:
                raise CliError(Message("eval.no-runs", N_("no eval runs yet: studio eval run --model PROFILE")))
            newest_set = all_runs[-1].set_id
            latest = {r.model: r for r in all_runs if r.set_id == newest_set}
            runs = list(latest.values())
        rep = reports.report(runs, sets, ws.store.votes.all())
        if args.json:
            print_json(rep)
            return 0
        print(reports.table_text(rep))
        print("\n" + _("per fault (reply/suggestion/analysis · all checks pass):") + "\n")
        print(reports.fault_text(rep))
        for set_id, diffs in rep["differences"].items():
            if diffs:
                print("\n" + _("where the models differ most (set {set}):").format(set=set_id))
            for d in diffs:
                print("\n- " + _("{item} · {fault} · student: {student}").format(
                    item=d["item"], fault=d["fault"], student=repr(d["student"])))
                for a in d["answers"]:
                    said = _verdicts(a["off_topic"])
                    head = _("{model} · total {total} · failed {failed}").format(
                        model=a["model"], total=a["total"], failed=", ".join(a["failed"]) or _("none"))
                    print(f"  [{head}{' · ' + said if said else ''}] {a['raw'][:200]}")
        for s in rep["runs"]:
            differ = s["off_topic"].get("disagreements", [])
            if differ:
                print("\n" + _("{model}: where the judge ({judge}) and the offline check disagree on whether the "
                             "student went off topic (the judge's verdict was used):").format(model=s["model"],
                                                                                           judge=s["judge"]))
            for d in differ:
                print("- " + _("{item} · judge: {judge}, offline: {offline} · student: {student}").format(
                    item=d["item"], judge=_topic(d["judge"]), offline=_topic(d["offline"]), student=repr(d["student"])))
        human = rep["human"]
        if human["votes"]:
            pa = human["preference_agreement"]
            print("\n" + _("human review: {votes} votes; the judge agrees with the preference {share}").format(
                votes=human["votes"], share=f"{pa:.0%}") if pa is not None else "")
        for s in rep["runs"]:
            if s["lineage"].get("kind") == "tuned":
                ln = s["lineage"]
                print("\n" + _("{model}: tuned by job {job} ({method} on {base}) from snapshot {snapshot} ({hash})").format(
                    model=s["model"], job=ln["job"], method=ln["method"], base=ln["base_model"], snapshot=ln["snapshot"],
                    hash=str(ln.get("snapshot_hash") or "")[:12]))
    return 0


def _topic(off: bool) -> str:
    return _("off topic") if off else _("on topic")


def _verdicts(v: dict[str, object]) -> str:
    """An item's off-topic verdicts in words, when the judge's differs from the offline one ('' otherwise)."""
    if v.get("judge") is None or v["judge"] == v.get("offline"):
        return ""
    return _("student {judge} by the judge, {offline} by the offline check (judge's used)").format(
        judge=_topic(bool(v["judge"])), offline=_topic(bool(v.get("offline"))))
