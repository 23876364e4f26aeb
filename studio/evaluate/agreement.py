"""How far reviewers agree with each other, and each judge with the reviewers.

Three figures, each from the records the studio already keeps:

* **approve / reject between reviewers**: every review decision is an ``Edit`` (field ``review``) with its
  author; a sample two or more reviewers decided gives one pair per two reviewers. Cohen's kappa per pair of
  reviewers and pooled over every pair (scikit-learn's ``cohen_kappa_score``).
* **rubric scores between reviewers**: blind votes (``HumanVote``) of two reviewers on the same item and run;
  quadratic-weighted kappa and Spearman's rho per dimension.
* **judge against people**: for each judge profile, the judge's own 1–3 scores of an answer against a
  reviewer's scores of the same answer, per dimension: Spearman's rho, Kendall's tau (SciPy) and the mean
  absolute difference.

A figure that cannot be earned (fewer than two pairs, or every rating the same so the statistic is
undefined) is ``None`` and shown as "—", with the count that was there.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

from studio.domain import ReviewStatus
from studio.domain.evals import EvalRun, HumanVote
from studio.i18n import _, ngettext

SCORED = ("reply", "suggestion", "analysis")
DECIDED = (ReviewStatus.APPROVED.value, ReviewStatus.REJECTED.value)
SCALE = (1, 2, 3)


def _finite(value: float) -> float | None:
    return None if value != value else round(float(value), 4)  # NaN: undefined (every rating the same)


def _kappa(a: list[Any], b: list[Any], labels: Iterable[Any], weights: str | None = None) -> float | None:
    if len(a) < 2:
        return None
    from sklearn.metrics import cohen_kappa_score

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _finite(cohen_kappa_score(a, b, labels=list(labels), weights=weights))


def _rank(fn: str, a: list[float], b: list[float]) -> float | None:
    if len(a) < 2 or len(set(a)) < 2 or len(set(b)) < 2:
        return None
    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _finite(getattr(stats, fn)(a, b).statistic)


def decisions(docs: Iterable[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, str]]:
    """Each sample's final decision by each reviewer, from stored dialogue documents: ``{key: {reviewer: status}}``.

    A reviewer's later decision replaces an earlier one; setting a sample back to pending withdraws it.
    """
    out: dict[str, dict[str, str]] = {}
    for _key, doc in docs:
        for i, t in enumerate(doc.get("turns") or ()):
            if t.get("role") != "teacher":
                continue
            mine = turn_decisions(t.get("edits") or ())
            if mine:
                out[f"{doc['id']}:{i}"] = mine
    return out


def turn_decisions(edits: Iterable[dict[str, Any]]) -> dict[str, str]:
    """One sample's final decision by each reviewer, from its stored edits: ``{reviewer: status}``."""
    mine: dict[str, str] = {}
    for e in edits:
        if e.get("field") != "review":
            continue
        if e.get("after") in DECIDED:
            mine[e.get("author") or ""] = e["after"]
        else:
            mine.pop(e.get("author") or "", None)
    return mine


@dataclass
class PairFigure:
    reviewers: tuple[str, str]
    samples: int
    agree: float | None
    kappa: float | None


@dataclass
class Stats:
    reviewers: dict[str, int] = field(default_factory=dict)  # decisions per reviewer
    decided: int = 0  # samples with at least one decision
    doubly: int = 0  # samples two or more reviewers decided
    kappa: float | None = None  # pooled over every pair of reviewers on a doubly reviewed sample
    agree: float | None = None
    pairs: list[PairFigure] = field(default_factory=list)
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)  # dimension -> {pairs, weighted_kappa, spearman}
    judges: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # judge -> dimension -> figures

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["pairs"] = [dict(asdict(p), reviewers=list(p.reviewers)) for p in self.pairs]
        return out


def review_agreement(by_sample: dict[str, dict[str, str]], stats: Stats) -> None:
    pooled_a: list[str] = []
    pooled_b: list[str] = []
    per_pair: dict[tuple[str, str], tuple[list[str], list[str]]] = defaultdict(lambda: ([], []))
    for mine in by_sample.values():
        for who in mine:
            stats.reviewers[who] = stats.reviewers.get(who, 0) + 1
        stats.decided += 1
        if len(mine) < 2:
            continue
        stats.doubly += 1
        for x, y in combinations(sorted(mine), 2):
            pooled_a.append(mine[x])
            pooled_b.append(mine[y])
            per_pair[(x, y)][0].append(mine[x])
            per_pair[(x, y)][1].append(mine[y])
    stats.kappa = _kappa(pooled_a, pooled_b, DECIDED)
    stats.agree = round(sum(p == q for p, q in zip(pooled_a, pooled_b, strict=True)) / len(pooled_a), 4) \
        if pooled_a else None
    for pair, (a, b) in sorted(per_pair.items()):
        stats.pairs.append(PairFigure(pair, len(a), round(sum(p == q for p, q in zip(a, b, strict=True)) / len(a), 4),
                                      _kappa(a, b, DECIDED)))


def score_agreement(votes: Iterable[HumanVote], stats: Stats) -> None:
    """Reviewers' rubric scores of the same answer (item, run), pair by pair, per dimension."""
    by_answer: dict[tuple[str, str], dict[str, dict[str, int]]] = defaultdict(dict)
    for v in votes:
        for run_id, scores in v.scores.items():
            by_answer[(v.item_id, run_id)][v.reviewer or ""] = scores
    for dim in SCORED:
        a: list[int] = []
        b: list[int] = []
        for people in by_answer.values():
            for x, y in combinations(sorted(people), 2):
                if dim in people[x] and dim in people[y]:
                    a.append(people[x][dim])
                    b.append(people[y][dim])
        stats.scores[dim] = {"pairs": len(a), "weighted_kappa": _kappa(a, b, SCALE, "quadratic"),
                             "spearman": _rank("spearmanr", a, b)}  # type: ignore[arg-type]


def judge_agreement(votes: Iterable[HumanVote], runs: dict[str, EvalRun], stats: Stats) -> None:
    """Each judge's own scores against reviewers' scores of the same answers."""
    pairs: dict[str, dict[str, tuple[list[int], list[int]]]] = defaultdict(lambda: {d: ([], []) for d in SCORED})
    for v in votes:
        for run_id, mine in v.scores.items():
            run = runs.get(run_id)
            result = run.results.get(v.item_id) if run else None
            if run is None or run.judge is None or result is None or not result.judge:
                continue
            for dim in SCORED:
                if dim in mine and dim in result.judge:
                    pairs[run.judge][dim][0].append(result.judge[dim])
                    pairs[run.judge][dim][1].append(mine[dim])
    for judge, dims in sorted(pairs.items()):
        stats.judges[judge] = {
            dim: {"pairs": len(j), "spearman": _rank("spearmanr", j, h),  # type: ignore[arg-type]
                  "kendall": _rank("kendalltau", j, h),  # type: ignore[arg-type]
                  "mean_abs_diff": round(sum(abs(p - q) for p, q in zip(j, h, strict=True)) / len(j), 4) if j
                  else None}
            for dim, (j, h) in dims.items()}


def agreement(docs: Iterable[tuple[str, dict[str, Any]]], votes: list[HumanVote], runs: dict[str, EvalRun]) -> Stats:
    stats = Stats()
    review_agreement(decisions(docs), stats)
    score_agreement(votes, stats)
    judge_agreement(votes, runs, stats)
    return stats


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def stats_text(stats: Stats) -> list[str]:
    """The agreement figures in lines a team reads (shared with the Dashboard)."""
    lines = [ngettext("{n} sample decided", "{n} samples decided", stats.decided).format(n=f"{stats.decided:,}")
             + " · " + ngettext("{n} by two or more reviewers", "{n} by two or more reviewers", stats.doubly)
             .format(n=f"{stats.doubly:,}")]
    lines.append(_("approve/reject between reviewers: Cohen's kappa {kappa}, raw agreement {agree}").format(
        kappa=_cell(stats.kappa), agree="—" if stats.agree is None else f"{stats.agree:.0%}"))
    for p in stats.pairs:
        lines.append(_("  {a} × {b}: {n} samples, kappa {kappa}").format(a=p.reviewers[0], b=p.reviewers[1],
                                                                         n=p.samples, kappa=_cell(p.kappa)))
    for dim in SCORED:
        s = stats.scores.get(dim, {})
        if s.get("pairs"):
            lines.append(_("rubric {dim} between reviewers: weighted kappa {kappa}, Spearman {rho} ({n} pairs)").format(
                dim=dim, kappa=_cell(s["weighted_kappa"]), rho=_cell(s["spearman"]), n=s["pairs"]))
    for judge, dims in stats.judges.items():
        for dim, f in dims.items():
            if f["pairs"]:
                lines.append(_("judge {judge} vs reviewers, {dim}: Spearman {rho}, Kendall {tau}, mean |difference| "
                               "{mad} ({n} pairs)").format(judge=judge, dim=dim, rho=_cell(f["spearman"]),
                                                          tau=_cell(f["kendall"]), mad=_cell(f["mean_abs_diff"]),
                                                          n=f["pairs"]))
    if not stats.judges:
        lines.append(_("judges vs reviewers: no judge has scored answers a reviewer scored"))
    return lines
