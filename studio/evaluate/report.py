"""Comparison of eval runs: the rubric table, check pass rates, latency, cost, per-fault breakdown,
the items where models differ most, and how a person's blind judgements agree with the judge."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from statistics import mean
from typing import Any

from studio.domain import EvalItem, EvalResult, EvalRun, EvalSet, HumanVote
from studio.domain.contract import CHECK_IDS
from studio.evaluate.runner import offline_off_topic
from studio.i18n import N_, _
from studio.llm.ledger import percentile
from studio.turn.shown import fault_label

DIMS = ("compliance", "reply", "suggestion", "analysis")


JUDGED = DIMS[1:]
NO_JUDGE = N_("no judge: reply, suggestion and analysis were not scored; '—' shows that, with '≤ n', the most the "
              "checks allow on average. Compliance (from the checks) is the headline.")
ERRORS_RULE = N_("a call that failed, timed out or returned nothing is an error: it fails every check and scores 1 on "
                 "every dimension, and it is included in every mean and rate")


@dataclass
class RunSummary:
    run_id: str
    model: str
    judge: str | None
    status: str
    items: int
    scores: dict[str, float | None]  # None: nobody judged this dimension (on every item)
    caps: dict[str, float]  # mean of the most each dimension may score given the checks
    judged: dict[str, int]  # items whose dimension has a score (errors count, at 1)
    json_valid: float
    pass_rate: float
    checks: dict[str, float | None]  # pass rate per check: format checks over all answers, others over parsed ones
    latency_p50_s: float | None
    latency_p95_s: float | None
    first_token_p50_s: float | None
    cost_per_1000: float
    errors: int
    judge_errors: int
    by_fault: dict[str, dict[str, float | None]]
    lineage: dict[str, Any] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    off_topic: dict[str, Any] = field(default_factory=dict)  # whose verdict on the student decided: off_topic_summary


def _score(r: EvalResult, d: str, judged_run: bool) -> int | None:
    """An item's score on one dimension, or None when nobody judged it (an error is judged: 1)."""
    if r.error is not None:
        return 1
    if d == "compliance":
        return r.scores.get("compliance")
    if _cap(r, d) == 1:
        return 1  # the checks leave only the floor: that score is earned without a judge
    if not judged_run or r.judge is None:
        return None
    return r.scores.get(d)


def _cap(r: EvalResult, d: str) -> int:
    if r.error is not None:
        return 1
    return r.caps.get(d, r.scores.get(d, 3))


def _means(results: list[EvalResult], judged_run: bool) -> tuple[dict[str, float | None], dict[str, float], dict[str, int]]:
    scores: dict[str, float | None] = {}
    caps: dict[str, float] = {}
    judged: dict[str, int] = {}
    for d in DIMS:
        got = [v for r in results if (v := _score(r, d, judged_run)) is not None]
        judged[d] = len(got)
        # a dimension is a number only when every item was judged (or failed, at 1)
        scores[d] = round(mean(got), 2) if got and len(got) == len(results) else None
        caps[d] = round(mean(_cap(r, d) for r in results), 2) if results else 0.0
    return scores, caps, judged


def summarise(run: EvalRun, eval_set: EvalSet) -> RunSummary:
    results = [run.results[i.id] for i in eval_set.items if i.id in run.results]
    items = {i.id: i for i in eval_set.items}
    n = len(results) or 1
    faults = {i.id: i.fault for i in eval_set.items}
    by_fault: dict[str, list[EvalResult]] = defaultdict(list)
    for r in results:
        by_fault[faults.get(r.item_id, "?")].append(r)
    judged_run = run.judge is not None
    latencies = [r.latency_s for r in results if r.error is None and r.latency_s is not None]
    firsts = [r.first_token_s for r in results if r.error is None and r.first_token_s is not None]
    scores, caps, judged = _means(results, judged_run)
    fault_rows: dict[str, dict[str, float | None]] = {}
    for f, rs in sorted(by_fault.items()):
        fs, fc, _judged = _means(rs, judged_run)
        fault_rows[f] = {**fs, **{f"cap_{d}": fc[d] for d in DIMS},
                         "pass": round(sum(not r.failed and r.error is None for r in rs) / len(rs), 3),
                         "n": len(rs), "errors": sum(r.error is not None for r in rs)}
    return RunSummary(
        run_id=run.id, model=run.model, judge=run.judge, status=run.status.value, items=len(results),
        scores=scores, caps=caps, judged=judged,
        json_valid=sum(r.json_valid and r.error is None for r in results) / n,
        pass_rate=sum(not r.failed and r.error is None for r in results) / n,
        checks=check_rates(results),
        latency_p50_s=percentile(latencies, 0.5), latency_p95_s=percentile(latencies, 0.95),
        first_token_p50_s=percentile(firsts, 0.5),
        cost_per_1000=sum(r.cost for r in results) / n * 1000, errors=sum(r.error is not None for r in results),
        judge_errors=sum(r.judge_error is not None for r in results if r.error is None),
        by_fault=fault_rows, lineage=dict(run.lineage),
        error_examples=sorted({r.error for r in results if r.error})[:3],
        off_topic=off_topic_summary(results, items, judged_run))


def check_rates(results: list[EvalResult]) -> dict[str, float | None]:
    """Each check's pass rate. The format checks count every answer (an error fails them); the others
    run only on an answer that parsed, so they count those alone (None when none did): a model that
    never writes JSON does not "pass" the Reply checks it never reached."""
    parsed = [r for r in results if r.error is None and r.json_valid]
    rates: dict[str, float | None] = {}
    for c in CHECK_IDS:
        pool = results if c.startswith("format.") else parsed
        rates[c] = 1 - sum(c in r.failed or r.error is not None for r in pool) / len(pool) if pool else None
    return rates


def _offline_of(r: EvalResult, item: EvalItem | None) -> bool | None:
    """The offline verdict on the item's student turn (from the set's label for results kept before
    verdicts were recorded); None for an opening."""
    if r.off_topic_offline is not None:
        return r.off_topic_offline
    return offline_off_topic(item) if item is not None else None


def off_topic_summary(results: list[EvalResult], items: dict[str, EvalItem], judged_run: bool) -> dict[str, Any]:
    """Whether the students went off topic, by whom: the offline check's count, the judge's, how
    often they agree (on the turns the judge gave a verdict for) and where they disagree.

    ``judge`` and ``agree`` are None when no judge gave a verdict: there is no such number.
    """
    turns = [(r, off) for r in results if (off := _offline_of(r, items.get(r.item_id))) is not None]
    verdicts = [(r, off) for r, off in turns if r.off_topic_judge is not None]
    differ = [{"item": r.item_id, "student": items[r.item_id].student if r.item_id in items else None,
               "judge": r.off_topic_judge, "offline": off} for r, off in verdicts if r.off_topic_judge != off]
    notes = sorted({r.off_topic_note for r, _off in turns if r.off_topic_judge is None and r.off_topic_note})
    return {"student_turns": len(turns), "offline": sum(off for _r, off in turns),
            "judged": len(verdicts) if judged_run else None,
            "judge": sum(bool(r.off_topic_judge) for r, _off in verdicts) if verdicts else None,
            "agree": len(verdicts) - len(differ) if verdicts else None,
            "decided_by_judge": sum(r.off_topic_by == "judge" for r, _off in turns),
            "disagreements": differ, "no_verdict_reasons": notes[:3]}


def off_topic_text(s: dict[str, Any]) -> str | None:
    """The off-topic line of a run, in words: whose verdict decided and how the two compare."""
    o = s.get("off_topic") or {}
    n = o.get("student_turns", 0)
    if not n:
        return None
    if s["judge"] is None:
        return _("{model}: off-topic: no judge, so the offline check decided whether the student went off topic "
                 "({offline} of {n} student turns).").format(model=s["model"], offline=o["offline"], n=n)
    reason = o["no_verdict_reasons"][0] if o["no_verdict_reasons"] else None
    if not o["judged"]:
        line = (_("{model}: off-topic: the judge ({judge}) gave no verdict on any of the {n} student turns ({why}), so "
                  "the offline check decided ({offline} off topic).") if reason else
                _("{model}: off-topic: the judge ({judge}) gave no verdict on any of the {n} student turns, so the "
                  "offline check decided ({offline} off topic)."))
        return line.format(model=s["model"], judge=s["judge"], n=n, why=reason, offline=o["offline"])
    line = _("{model}: off-topic: judge {judge}, offline {offline}, agree {agree}/{judged}; the judge's verdict "
             "decided on {decided} of {n} student turns").format(
        model=s["model"], judge=o["judge"], offline=o["offline"], agree=o["agree"], judged=o["judged"],
        decided=o["decided_by_judge"], n=n)
    if o["judged"] < n:
        rest = (_("{line}, the offline check on the other {n} (the judge gave none ({why}))") if reason else
                _("{line}, the offline check on the other {n} (the judge gave none)"))
        line = rest.format(line=line, n=n - o["judged"], why=reason)
    return _("{line}.").format(line=line)


def cell(s: dict[str, Any], d: str, digits: int = 2) -> str:
    """A dimension as the table shows it: the mean when judged, else '—' with the checks' cap."""
    v = s["scores"].get(d)
    if v is not None:
        return f"{v:.{digits}f}"
    return f"— ≤ {s['caps'][d]:.{digits}f}"


def total(r: EvalResult) -> int:
    """An item's total for ranking differences: judged scores where there are, else the caps."""
    return sum(v if (v := _score(r, d, True)) is not None else _cap(r, d) for d in DIMS)


def off_topic_of(r: EvalResult, item: EvalItem) -> dict[str, Any]:
    """An item's off-topic verdicts: the offline check's, the judge's (None: none) and whose was used."""
    offline = _offline_of(r, item)
    return {"offline": offline, "judge": r.off_topic_judge,
            "by": r.off_topic_by or (None if offline is None else "offline")}


def verdicts_text(v: dict[str, Any]) -> str:
    """An item's off-topic verdicts in words, when the judge's differs from the offline one ('' otherwise)."""
    if v.get("judge") is None or v["judge"] == v.get("offline"):
        return ""
    said = {True: "off topic", False: "on topic"}
    return f"student {said[v['judge']]} by the judge, {said[v['offline']]} by the offline check (judge's used)"


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
             "answers": [{"model": run.model, "total": t, "raw": g.raw, "failed": g.failed,  # type: ignore[union-attr]
                         "off_topic": off_topic_of(g, item)}  # type: ignore[arg-type]
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
        if a.judge is None or b.judge is None:
            continue  # with no judge there is nothing to agree with
        ta, tb = total(a.results[v.item_id]), total(b.results[v.item_id])
        judge_pref = "1" if ta > tb else "2" if tb > ta else "="
        prefer_n += 1
        prefer_same += judge_pref == v.preferred
        for run in (a, b):
            mine = v.scores.get(run.id, {})
            if run.results[v.item_id].judge is None:
                continue
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


def notes(rep: dict[str, Any]) -> list[str]:
    """What the table's numbers are, in words: no judge, errors, partial judging."""
    out = []
    for s in rep["runs"]:
        if s["judge"] is None:
            out.append(_("{model}: {note}").format(model=s["model"], note=_(NO_JUDGE)))
        elif s["judge_errors"]:
            out.append(_("{model}: the judge ({judge}) gave no scores for {n} of {items} items; a dimension not judged "
                         "on every item shows '—'.").format(model=s["model"], judge=s["judge"], n=s["judge_errors"],
                                                            items=s["items"]))
        if s["errors"]:
            out.append(_("{model}: {n} of {items} calls failed (run {status}); {rule}. e.g. {example}").format(
                model=s["model"], n=s["errors"], items=s["items"], status=s["status"], rule=_(ERRORS_RULE),
                example=s["error_examples"][0][:120]))
        if (line := off_topic_text(s)) is not None:
            out.append(line)
    return out


def table_text(rep: dict[str, Any]) -> str:
    """The tutorial's table: models × four dimensions, plus validity, checks, errors, latency and cost."""
    lines = [_("| model | judge | compliance | reply | suggestion | analysis | JSON valid | all checks pass | errors | "
               "latency p50/p95 | cost / 1,000 turns | items |"), "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in rep["runs"]:
        p50, p95 = s["latency_p50_s"], s["latency_p95_s"]
        lat = _("{p50}/{p95} s").format(p50=f"{p50:.2f}", p95=f"{p95:.2f}") if p50 is not None and p95 is not None \
            else "—"
        judge = s["judge"] or _("no judge")
        lines.append(f"| {s['model']} | {judge} | {cell(s, 'compliance')} | {cell(s, 'reply')} | "
                     f"{cell(s, 'suggestion')} | {cell(s, 'analysis')} | {s['json_valid']:.0%} | {s['pass_rate']:.0%} | "
                     f"{s['errors']} | {lat} | {s['cost_per_1000']:.4f} | {s['items']} |")
    extra = notes(rep)
    return "\n".join(lines + ([""] + [f"- {n}" for n in extra] if extra else []))


def fault_cell(b: dict[str, Any] | None, digits: int = 2) -> str:
    if b is None:
        return "-"
    dims = "/".join(f"{b[d]:.{digits}f}" if b[d] is not None else f"≤{b['cap_' + d]:.{digits}f}" for d in JUDGED)
    shown = _("{scores} · pass {share} (n={n})").format(scores=dims, share=f"{b['pass']:.0%}", n=b["n"])
    return _("{cell} · {n} errors").format(cell=shown, n=b["errors"]) if b.get("errors") else shown


def fault_text(rep: dict[str, Any]) -> str:
    faults = sorted({f for s in rep["runs"] for f in s["by_fault"]})
    lines = ["| " + _("fault") + " | " + " | ".join(s["model"] for s in rep["runs"]) + " |",
             "|---|" + "---|" * len(rep["runs"])]
    for f in faults:
        lines.append(f"| {fault_label(f)} | " + " | ".join(fault_cell(s["by_fault"].get(f)) for s in rep["runs"]) + " |")
    return "\n".join(lines)
