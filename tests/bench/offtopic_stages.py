"""The off-topic check's cheaper stages (:mod:`studio.semantic.cascade`), fitted and measured for
``tests/bench/offtopic_fit.py``.

Each stage's model is fitted on the labelled answers and the offline student's (on topic); its
bounds are chosen with each labelled set held out: ``on_below`` the highest probability below which at
most the stage's share in :data:`studio.semantic.cascade.ON_TOPIC_WRONG` of the held-out off-topic
answers fall (each rest of the answer too), ``off_from`` (the last stage only, :data:`OFF_SIDE`) the
lowest from which at most :data:`studio.semantic.cascade.CONFIDENT_WRONG` of the on-topic ones (the
offline student's among them) lie. The whole check — stages,
then the full model and the language model where every stage is unsure — is then measured with each
labelled set held out of every fit and of the choice of its bounds: precision, recall, and the share
of answers each stage decides and how many of those decisions are wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from studio.semantic import cascade, offtopic, offtopic_model

#: The stages that may decide an answer off topic (the others only decide on topic).
OFF_SIDE = ("question",)
_GRID = np.round(np.arange(0.0, 1.0001, 0.005), 3)


def stage_features(utterance: str, topic: str, title: str, history: Sequence[tuple[str, str]]) -> dict[str, list[list[float]]]:
    """Each stage's features of the answer, then of each rest of it after a turn of the talk."""
    a = cascade.Answer(utterance, topic, title, offtopic._question(utterance, history),
                       offtopic._recent(utterance, history))
    return {s.name: [s.features(x) for x in (a, *offtopic._rests(a))] for s in cascade.STAGES}


def _sim_rows(sim: list) -> list[tuple[str, dict[str, list[list[float]]]]]:
    return [(t, st) for t, _, _, st in sim]


def fit_stages(rows: Sequence[Any], sim: list, l2: float) -> dict[str, tuple]:
    """Each stage's logistic model on the judged labelled answers and the offline student's."""
    judged = [c for c in rows if c.feats is not None]
    out = {}
    for s in cascade.STAGES:
        x = [c.stages[s.name][0] for c in judged] + [st[s.name][0] for _, st in _sim_rows(sim)]
        y = [c.off for c in judged] + [False] * len(sim)
        out[s.name] = offtopic_model.fit(x, y, l2=l2)
    return out


def _p(model: tuple, feats: list[list[float]]) -> tuple[float, float]:
    """(the answer's probability, the highest of its rests')."""
    ps = [cascade.probability(f, model) for f in feats]
    return ps[0], max(ps[1:], default=0.0)


def _held_stage_p(rows: Sequence[Any], sim: list, l2: float) -> tuple[dict, dict]:
    """Each judged row's and each simulated answer's stage probabilities from models fitted without its set."""
    keys = list(dict.fromkeys(c.set_name for c in rows))
    titles = list(dict.fromkeys(t for t, *_ in sim))
    out_rows: dict[int, dict[str, tuple[float, float]]] = {}
    out_sim: dict[int, dict[str, tuple[float, float]]] = {}
    for k, key in enumerate(keys):
        left = {t for i, t in enumerate(titles) if i % len(keys) == k}
        models = fit_stages([c for c in rows if c.set_name != key], [x for x in sim if x[0] not in left], l2)
        for i, c in enumerate(rows):
            if c.set_name == key and c.feats is not None:
                out_rows[i] = {n: _p(m, c.stages[n]) for n, m in models.items()}
        for i, x in enumerate(sim):
            if x[0] in left:
                out_sim[i] = {n: _p(m, x[3][n]) for n, m in models.items()}
    return out_rows, out_sim


def choose_bounds(rows: Sequence[Any], sim: list, l2: float) -> dict[str, tuple[float, float]]:
    """(on_below, off_from) of each stage, from its probabilities with each labelled set held out."""
    held_rows, held_sim = _held_stage_p(rows, sim, l2)
    off = [held_rows[i] for i, c in enumerate(rows) if i in held_rows and c.off]
    on = [held_rows[i] for i, c in enumerate(rows) if i in held_rows and not c.off] + list(held_sim.values())
    bounds = {}
    for s in cascade.STAGES:
        below = 0.0
        for g in _GRID:
            if sum(p[s.name][0] < g and p[s.name][1] < g for p in off) > cascade.ON_TOPIC_WRONG.get(
                    s.name, cascade.CONFIDENT_WRONG) * len(off):
                break
            below = float(g)
        above = 2.0
        if s.name in OFF_SIDE:
            for g in _GRID[::-1]:
                if sum(p[s.name][0] >= g for p in on) > cascade.CONFIDENT_WRONG * len(on):
                    break
                above = float(g)
        bounds[s.name] = (below, above)
    return bounds


def fitted(rows: Sequence[Any], sim: list, l2: float) -> dict[str, tuple[tuple, float, float]]:
    """What :data:`studio.semantic.cascade.FITTED` holds: each stage's model (fitted on everything) and bounds."""
    models, bounds = fit_stages(rows, sim, l2), choose_bounds(rows, sim, l2)
    return {n: (models[n], *bounds[n]) for n in models}


def _walk(ps: dict[str, tuple[float, float]], fit: dict[str, tuple[tuple, float, float]]) -> tuple[str, bool] | None:
    for s in cascade.STAGES:
        p, rest = ps[s.name]
        _, below, above = fit[s.name]
        if p >= above:
            return s.name, True
        if p < below and rest < below:
            return s.name, False
    return None


def measured(rows: Sequence[Any], sim: list, l2: tuple[float, float], at: float, alone_at: float) -> dict[str, np.ndarray]:
    """The check's verdicts with each labelled set held out of every fit and bound: ``who`` decided each
    answer (a stage, ``full``, ``lm``; ``-`` not judged), ``off`` and ``off_alone`` (without the language
    model), and the offline student's answers flagged (``sim_off``, ``sim_off_alone``); with what the
    verdicts of the full check were made from (``p``, ``p_alone``, ``rest``; ``sim_p``, ``sim_p_alone``),
    so that :func:`thresholds` can choose where the check in stages flags."""
    from tests.bench.offtopic_fit import fit_both, gated, rest_p, training_rows

    keys = list(dict.fromkeys(c.set_name for c in rows))
    titles = list(dict.fromkeys(t for t, *_ in sim))
    n = len(rows)
    who, staged = np.full(n, "-", dtype=object), np.zeros(n, bool)
    p, p_alone, rest = np.full(n, np.nan), np.full(n, np.nan), np.zeros(n)
    sim_staged, sim_p, sim_p_alone = np.zeros(len(sim), bool), np.full(len(sim), np.nan), np.full(len(sim), np.nan)
    for k, key in enumerate(keys):
        left = {t for i, t in enumerate(titles) if i % len(keys) == k}
        train, train_sim = [c for c in rows if c.set_name != key], [x for x in sim if x[0] not in left]
        fit = fitted(train, train_sim, l2[0])  # the stages: the scalar measures' penalty
        models = fit_both(training_rows(train, train_sim), l2)
        for i, c in enumerate(rows):
            if c.set_name != key or c.feats is None:
                continue
            decided = _walk({nm: _p(m, c.stages[nm]) for nm, (m, _, _) in fit.items()}, fit)
            if decided is not None:
                who[i], staged[i] = decided
                continue
            p[i], p_alone[i], rest[i] = gated(c.feats, c.read, models), gated(c.feats, c.read, models, lm=False), rest_p(c, models)
            who[i] = "lm" if offtopic.ASK_LM[0] <= p_alone[i] < offtopic.ASK_LM[1] else "full"
        for i, (t, f, r, st) in enumerate(sim):
            if t in left:
                decided = _walk({nm: _p(m, st[nm]) for nm, (m, _, _) in fit.items()}, fit)
                if decided is not None:
                    sim_staged[i] = decided[1]
                else:
                    sim_p[i], sim_p_alone[i] = gated(f, r, models), gated(f, r, models, lm=False)
    out = {"who": who, "staged": staged, "p": p, "p_alone": p_alone, "rest": rest,
           "sim_staged": sim_staged, "sim_p": sim_p, "sim_p_alone": sim_p_alone}
    return {**out, **verdicts(out, at, alone_at)}


def verdicts(m: dict[str, np.ndarray], at: float, alone_at: float) -> dict[str, np.ndarray]:
    """The held-out verdicts of the check in stages (:func:`measured`) where the full check flags from
    ``at`` with the language model and from ``alone_at`` without it."""
    full = np.isin(m["who"], ("full", "lm"))

    def flags(p: np.ndarray, t: float) -> np.ndarray:
        return np.where(full, (np.nan_to_num(p) >= t) | (m["rest"] >= offtopic.TAIL_OFF_AT), m["staged"])

    def sim_flags(p: np.ndarray, t: float) -> np.ndarray:
        return np.where(np.isnan(p), m["sim_staged"], np.nan_to_num(p) >= t)

    return {"off": flags(m["p"], at), "off_alone": flags(m["p_alone"], alone_at),
            "sim_off": sim_flags(m["sim_p"], at), "sim_off_alone": sim_flags(m["sim_p_alone"], alone_at)}


def thresholds(m: dict[str, np.ndarray], truth: np.ndarray) -> tuple[float, float]:
    """(with the language model, without it): where the check in stages, each set held out of every fit and
    bound (:func:`measured`), has both its precision and recall highest (the lower of the two first),
    flagging at most :data:`tests.bench.offtopic_fit.MAX_FALSE_ALARMS` of the offline student's answers."""
    from tests.bench.offtopic_fit import choose_threshold

    with_lm = choose_threshold(lambda t: verdicts(m, t, 1.0)["off"], lambda t: verdicts(m, t, 1.0)["sim_off"], truth)
    alone = choose_threshold(lambda t: verdicts(m, 1.0, t)["off_alone"], lambda t: verdicts(m, 1.0, t)["sim_off_alone"],
                             truth)
    return with_lm, alone


def report(rows: Sequence[Any], sim: list, l2: tuple[float, float], at: float, alone_at: float,
           m: dict[str, np.ndarray] | None = None) -> list[str]:
    """Per set: held-out precision and recall with and without the language model, and per stage the
    share of the judged answers it decided and how many of those it got wrong (``m``: :func:`measured`
    already run; its verdicts are taken at ``at`` and ``alone_at``)."""
    from tests.bench.offtopic_fit import SETS, pr

    m = measured(rows, sim, l2, at, alone_at) if m is None else {**m, **verdicts(m, at, alone_at)}
    truth = np.array([c.off for c in rows])
    names = [s.name for s in cascade.STAGES] + ["full", "lm"]
    lines = ["| labelled set | held out P / R | without the language model | " + " | ".join(
        f"{n}: share (wrong)" for n in names) + " |", "|---|---|---|" + "---|" * len(names)]

    def line(label: str, mask: np.ndarray) -> str:
        judged = mask & (m["who"] != "-")
        cells = [f"{np.mean(m['who'][judged] == n):.0%} ({int(((m['who'] == n) & mask & (m['off'] != truth)).sum())})"
                 for n in names]
        return (f"| {label} | {'{:.3f} / {:.3f}'.format(*pr(m['off'][mask], truth[mask]))} | "
                f"{'{:.3f} / {:.3f}'.format(*pr(m['off_alone'][mask], truth[mask]))} | " + " | ".join(cells) + " |")

    for name, _ in SETS:
        lines.append(line(name, np.array([c.set_name == name for c in rows])))
    lines.append(line(f"all {len(SETS)} sets", np.ones(len(rows), bool)))
    lines.append("")
    lines.append(f"The offline student's answers (all on topic): {int(m['sim_off'].sum())} of {len(sim)} flagged held out "
                 f"({int(m['sim_off_alone'].sum())} without the language model).")
    return lines


def write(fit: dict[str, tuple[tuple, float, float]]) -> None:
    """Put the fitted stages into studio/semantic/cascade.py."""
    path = Path(cascade.__file__)
    body = "FITTED: dict[str, tuple[tuple, float, float]] = {\n" + "".join(
        f"    {name!r}: ({model!r}, {below}, {above}),\n" for name, (model, below, above) in fit.items()) + "}\n"
    text = re.sub(r"(# fitted: begin\n).*?(# fitted: end)", lambda mm: mm.group(1) + body + mm.group(2),
                  path.read_text(encoding="utf-8"), count=1, flags=re.S)
    path.write_text(text, encoding="utf-8")
