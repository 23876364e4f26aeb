"""The off-topic check's logistic models: the file the shipped ones are kept in, and how one is fitted.

A model is (means, scales, weights, bias) over standardised features (:func:`studio.semantic.cascade.probability`
reads it). The full check's two (:data:`studio.semantic.offtopic.MODEL`, ``MODEL_LM``) weigh 392 and 393
values, too many for a line of source: ``tests/bench/offtopic_fit.py --write`` puts them in
:data:`MODELS_FILE` with :func:`write`, and the check reads them with :func:`read` when it is imported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

#: Where the shipped models are kept.
MODELS_FILE = Path(__file__).with_name("offtopic_model.json")


def read() -> tuple[tuple, tuple]:
    """(the model over the check's features, the one that also weighs the language model's score; ``()``
    where there is none)."""
    kept = json.loads(MODELS_FILE.read_text(encoding="utf-8"))
    return _model(kept["model"]), _model(kept.get("model_lm"))


def write(models: tuple[tuple, tuple], fitted_on: Sequence[str]) -> None:
    """Keep ``models`` (as :func:`read` returns them) in :data:`MODELS_FILE`, with what they were fitted on."""
    MODELS_FILE.write_text(json.dumps({"features": len(models[0][0]), "fitted_on": list(fitted_on),
                                       "model": models[0], "model_lm": models[1]}) + "\n", encoding="utf-8")


def _model(raw: list | None) -> tuple:
    return (tuple(raw[0]), tuple(raw[1]), tuple(raw[2]), float(raw[3])) if raw else ()


def fit(rows: Sequence[Sequence[float]], labels: Sequence[bool], l2: float | Sequence[float] = 1.0,
        steps: int = 50) -> tuple:
    """A logistic model of ``rows`` (:func:`studio.semantic.offtopic.features`, or a stage's) on standardised
    features, L2-penalised weights (not the bias; ``l2`` one penalty for every weight, or one each), fitted
    to convergence by Newton's method: how :data:`studio.semantic.offtopic.MODEL` and the stages' models are
    made from the labelled sets in ``tests/data``; the benchmark refits them leaving each set out."""
    x = np.asarray(rows, dtype=float)
    y = np.asarray(labels, dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    reg = np.zeros(z.shape[1])
    reg[:-1] = l2
    theta = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ theta)))
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg) + 1e-9 * np.eye(z.shape[1])
        step = np.linalg.solve(hessian, z.T @ (p - y) + reg * theta)
        theta -= step
        if float(np.abs(step).max()) < 1e-7:
            break
    w, b = theta[:-1], float(theta[-1])
    return tuple(_digits(v) for v in mean), tuple(_digits(v) for v in scale), tuple(_digits(v) for v in w), _digits(b)


def _digits(value: float) -> float:
    """``value`` to five significant digits (a sentence vector's component and its weight are small)."""
    return float(f"{float(value):.5g}")
