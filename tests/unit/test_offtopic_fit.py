"""The off-topic fit's honest measure: each labelled set is judged by models fitted without it."""

from __future__ import annotations

import numpy as np

from tests.bench import offtopic_fit
from tests.bench.offtopic_fit import Case


def writer(name: str, sign: float, n: int = 40, seed: int = 0) -> list[Case]:
    """One writer's answers: off topic where ``sign * x`` is high (a set whose writer reads the
    feature the other way round has ``sign`` -1)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        off = i % 2 == 0
        x = sign * (1.0 if off else -1.0) + 0.3 * rng.standard_normal()
        out.append(Case(name, f"{name}:{i % 4}", f"answer {i}", off, [x, float(rng.standard_normal())], read=-x))
    return out


def test_each_set_is_judged_by_models_fitted_without_it() -> None:
    rows = [c for k, name in enumerate(("a.json", "b.json", "d.json")) for c in writer(name, 1.0, seed=k)]
    rows += writer("c.json", -1.0, seed=3)
    truth = np.array([c.off for c in rows])
    held = offtopic_fit.held_out(rows, [], "set")
    for name, right in (("a.json", True), ("b.json", True), ("d.json", True), ("c.json", False)):
        m = np.array([c.set_name == name for c in rows])
        verdicts = offtopic_fit.flagged(held.alone[m], held.rest[m], 0.5)
        agree = float(np.mean(verdicts == truth[m]))
        assert (agree > 0.7) if right else (agree < 0.3), (name, agree)


def test_a_rest_off_topic_flags_the_answer_whatever_the_whole_scores() -> None:
    p, rest = np.array([0.1, 0.1, 0.9]), np.array([0.0, 0.95, 0.0])
    assert offtopic_fit.flagged(p, rest, 0.5).tolist() == [False, True, True]


def test_the_threshold_keeps_the_simulated_answers_false_alarms_bounded() -> None:
    p = np.array([0.3, 0.35, 0.9, 0.95])
    truth = np.array([True, True, True, False])
    sim = np.full(100, 0.4)  # every simulated (on-topic) answer at 0.4: flagged by any threshold below it
    at = offtopic_fit.best_threshold(p, np.zeros(4), truth, sim)
    assert at > 0.4 and float(np.mean(sim >= at)) <= offtopic_fit.MAX_FALSE_ALARMS


def test_the_shipped_thresholds_are_where_the_check_in_stages_does_best() -> None:
    """Answers a stage decided keep its verdict whatever the threshold; the full check's threshold is chosen
    where the check as it runs, stages and full check together, has precision and recall both highest,
    and not where the offline student's answers would be flagged."""
    from tests.bench import offtopic_stages

    full = ["full"] * 6
    m = {"who": np.array(["question", "question", "words", "answer", *full], dtype=object),
         "staged": np.array([True, True, False, False, *[False] * 6]),
         "p": np.array([np.nan] * 4 + [0.45, 0.5, 0.7, 0.2, 0.3, 0.48]),
         "rest": np.zeros(10),
         "sim_staged": np.zeros(100, bool), "sim_p": np.full(100, 0.35)}
    m["p_alone"] = m["p"].copy()
    m["sim_p_alone"] = m["sim_p"].copy()
    truth = np.array([True, True, False, False, True, True, True, False, False, False])
    with_lm, alone = offtopic_stages.thresholds(m, truth)
    assert with_lm == alone and 0.35 < alone <= 0.45
    v = offtopic_stages.verdicts(m, with_lm, alone)
    assert offtopic_fit.pr(v["off_alone"], truth) == (5 / 6, 1.0)
    assert not v["sim_off_alone"].any()
    strict = offtopic_stages.verdicts(m, 0.99, 0.99)["off_alone"]
    assert strict[:4].tolist() == [True, True, False, False] and not strict[4:].any()
