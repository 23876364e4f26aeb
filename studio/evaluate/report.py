"""Comparison of eval runs: the rubric table, check pass rates, latency, cost, per-fault breakdown,
the items where models differ most, and how a person's blind judgements agree with the judge."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from statistics import mean
from typing import Any

from studio.domain import EvalResult, EvalRun, EvalSet, HumanVote
from studio.domain.contract import CHECK_IDS
from studio.llm.ledger import percentile

DIMS = ("compliance", "reply", "suggestion", "analysis")


@dataclass
class RunSummary:
    run_id: str
    model: str
    judge: str | None
    items: int
    scores: dict[str, float]
    json_valid: float
    pass_rate: float
    checks: dict[str, float]
    latency_p50_s: float | None
    latency_p95_s: float | None
    first_token_p50_s: float | None
    cost_per_1000: float
    errors: int
    by_fault: dict[str, dict[str, float]]
    lineage: dict[str, Any] = field(default_factory=dict)


def summarise(run: EvalRun, eval_set: EvalSet) -> RunSummary:
    results = [run.results[i.id] for i in eval_set.items if i.id in run.results]
    n = len(results) or 1
    faults = {i.id: i.fault for i in eval_set.items}
    by_fault: dict[str, list[EvalResult]] = defaultdict(list)
    for r in results:
        by_fault[faults.get(r.item_id, "?")].append(r)
    latencies = [r.latency_s for r in results if r.error is None]
    firsts = [r.first_token_s for r in results if r.first_token_s is not None]
    return RunSummary(
        run_id=run.id, model=run.model, judge=run.judge, items=len(results),
        scores={d: round(mean(r.scores.get(d, 1) for r in results), 2) if results else 0.0 for d in DIMS},
        json_valid=sum(r.json_valid for r in results) / n, pass_rate=sum(not r.failed for r in results) / n,
        checks={c: 1 - sum(c in r.failed for r in results) / n for c in CHECK_IDS},
        latency_p50_s=percentile(latencies, 0.5), latency_p95_s=percentile(latencies, 0.95),
        first_token_p50_s=percentile([f for f in firsts if f is not None], 0.5),
        cost_per_1000=sum(r.cost for r in results) / n * 1000, errors=sum(r.error is not None for r in results),
        by_fault={f: {**{d: round(mean(r.scores.get(d, 1) for r in rs), 2) for d in DIMS},
                      "pass": round(sum(not r.failed for r in rs) / len(rs), 3), "n": len(rs)}
                  for f, rs in sorted(by_fault.items())},
        lineage=dict(run.lineage))


def total(r: EvalResult) -> int:
    return sum(r.scores.get(d, 1) for d in DIMS)


def differences(runs: list[EvalRun], eval_set: EvalSet, top: int = 5) -> list[dict[str, Any]]:
    """Items where the runs' total scores differ most, with every run's answer side by side."""
    if len(runs) < 2:
        return []
    rows = []
    for item in eval_set.items:
        got = [r.results.get(item.id) for r in runs]
        if any(g is None for g in got):
            continue
        totals = [total(g) for g in got]  # type: ignore[arg-type]
        rows.append((max(totals) - min(totals), item, got, totals))
    rows.sort(key=lambda x: (-x[0], x[1].id))
    return [{"item": item.id, "fault": item.fault, "student": item.student, "spread": spread,
             "answers": [{"model": run.model, "total": t, "raw": g.raw, "failed": g.failed}  # type: ignore[union-attr]
                         for run, g, t in zip(runs, got, totals, strict=True)]}
            for spread, item, got, totals in rows[:top] if spread > 0]


def agreement(votes: list[HumanVote], runs: dict[str, EvalRun]) -> dict[str, Any]:
    """How often a person's preference matches the judge's (by total score), and exact score agreement."""
    prefer_same = prefer_n = 0
    exact = {d: [0, 0] for d in DIMS[1:]}
    for v in votes:
        a, b = (runs.get(x) for x in v.runs)
        if a is None or b is None or v.item_id not in a.results or v.item_id not in b.results:
            continue
        ta, tb = total(a.results[v.item_id]), total(b.results[v.item_id])
        judge_pref = "1" if ta > tb else "2" if tb > ta else "="
        prefer_n += 1
        prefer_same += judge_pref == v.preferred
        for run in (a, b):
            mine = v.scores.get(run.id, {})
            theirs = run.results[v.item_id].scores
            for d in exact:
                if d in mine:
                    exact[d][1] += 1
                    exact[d][0] += mine[d] == theirs.get(d)
    return {"votes": len(votes), "preference_agreement": prefer_same / prefer_n if prefer_n else None,
            "score_agreement": {d: (s / t if t else None) for d, (s, t) in exact.items()}}


def report(runs: list[EvalRun], sets: dict[str, EvalSet], votes: list[HumanVote]) -> dict[str, Any]:
    summaries = [asdict(summarise(r, sets[r.set_id])) for r in runs if r.set_id in sets]
    by_set: dict[str, list[EvalRun]] = defaultdict(list)
    for r in runs:
        by_set[r.set_id].append(r)
    diffs = {s: differences(rs, sets[s]) for s, rs in by_set.items() if s in sets}
    return {"runs": summaries, "differences": diffs,
            "human": agreement([v for v in votes if v.set_id in by_set], {r.id: r for r in runs})}


def table_text(rep: dict[str, Any]) -> str:
    """The tutorial's table: models × four dimensions, plus validity, checks, latency and cost."""
    lines = ["| model | compliance | reply | suggestion | analysis | JSON valid | all checks pass | latency p50/p95 | "
             "cost / 1,000 turns | items |", "|---|---|---|---|---|---|---|---|---|---|"]
    for s in rep["runs"]:
        sc = s["scores"]
        p50, p95 = s["latency_p50_s"], s["latency_p95_s"]
        lat = f"{p50:.2f}/{p95:.2f} s" if p50 is not None and p95 is not None else "-"
        lines.append(f"| {s['model']} | {sc['compliance']:.2f} | {sc['reply']:.2f} | {sc['suggestion']:.2f} | "
                     f"{sc['analysis']:.2f} | {s['json_valid']:.0%} | {s['pass_rate']:.0%} | {lat} | "
                     f"{s['cost_per_1000']:.4f} | {s['items']} |")
    return "\n".join(lines)


def fault_text(rep: dict[str, Any]) -> str:
    faults = sorted({f for s in rep["runs"] for f in s["by_fault"]})
    lines = ["| fault | " + " | ".join(s["model"] for s in rep["runs"]) + " |",
             "|---|" + "---|" * len(rep["runs"])]
    for f in faults:
        cells = []
        for s in rep["runs"]:
            b = s["by_fault"].get(f)
            cells.append("-" if b is None else f"{b['reply']:.2f}/{b['suggestion']:.2f}/{b['analysis']:.2f} "
                                               f"· pass {b['pass']:.0%} (n={b['n']})")
        lines.append(f"| {f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
