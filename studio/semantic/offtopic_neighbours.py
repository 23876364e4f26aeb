"""What teachers said of answers like this one: the labelled answers of the sets the off-topic check is
fitted on, each kept as the sentence vector of the answer with its own dialogue's words taken out
(:func:`studio.semantic.offtopic_features.unshared`) and whether its writer labelled it off topic, for the
off-topic check (:mod:`studio.semantic.offtopic`).

With a lesson's own words taken out, an answer says what kind of thing it is whatever the lesson: "Mr
Chen, when will we get the results of the mid-term exam?", "I'll do the Saturday job, I'm free then", a
question back about the scene. :func:`off_share` is the share labelled off topic among the :data:`NEAREST`
labelled answers closest to an answer in that sense: a vote of the teachers' own labels on answers of
the same kind, which the full check's logistic model weighs beside the vector itself (the vector alone
gives it one straight direction; the vote reads the labelled answers' neighbourhoods).

Held out by labelled set (thirty sets, each held out of the fit and of these answers in turn), the full
check without the language model went from 0.897 / 0.891 to 0.903 / 0.899, and from 0.898 / 0.882 to
0.913 / 0.895 on the four newest sets; 10, 20, 30, 60 and 80 neighbours gave 0.898–0.901 / 0.895–0.900.

Only the full check reads it, as it reads the drift bank (:mod:`studio.semantic.offtopic_bank`). The
answers (:data:`ANSWERS_FILE`: 8,369 judged answers of thirty-six sets, 3,243 of them off topic, float16
vectors and the labels, 5.9 MB compressed, 13 MB in memory) are written by
``tests/bench/offtopic_fit.py --write`` from the fitted sets; the fit reads each set's answers with that
set left out (:func:`use`), as a new writer's answers will be read.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from studio.semantic.backends import DIM

#: The shipped answers: ``vectors`` (float16, one row per judged labelled answer) and ``off`` (its label).
ANSWERS_FILE = Path(__file__).with_name("offtopic_neighbours.npz")
#: How many of the closest labelled answers vote.
NEAREST = 40

_answers: list[tuple[np.ndarray, np.ndarray] | None] = [None]
_digest = [""]


def answers() -> tuple[np.ndarray, np.ndarray]:
    """(vectors, off): the labelled answers' vectors (rows, unit length, float32) and their labels (bool);
    empty where none are shipped."""
    if _answers[0] is None:
        if ANSWERS_FILE.is_file():
            with np.load(ANSWERS_FILE, allow_pickle=False) as kept:
                _set(kept["vectors"], kept["off"])
        else:
            _set(np.zeros((0, DIM)), np.zeros(0, dtype=bool))
    assert _answers[0] is not None
    return _answers[0]


def use(labelled: tuple[np.ndarray, np.ndarray] | None) -> None:
    """Read against these labelled answers, (vectors, off), from now on (None: the shipped ones again): how
    the fit leaves the set being read out."""
    if labelled is None:
        _answers[0] = None
    else:
        _set(*labelled)


def write() -> None:
    """Keep the answers now in use (:func:`use`) as the shipped ones, the vectors at 16 bits."""
    vectors, off = answers()
    np.savez_compressed(ANSWERS_FILE, vectors=vectors.astype(np.float16), off=off)


def _set(vectors: np.ndarray, off: np.ndarray) -> None:
    if len(vectors) != len(off):
        raise ValueError(f"{len(vectors)} labelled answers but {len(off)} labels")
    digest = hashlib.sha256(np.ascontiguousarray(vectors, dtype=np.float16).data)  # no copy of the shipped rows
    digest.update(np.ascontiguousarray(off, dtype=bool).data)
    v = np.array(vectors, dtype=np.float32)  # one float32 copy, made unit length in place
    if len(v):
        v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
    _answers[0] = (v, np.asarray(off, dtype=bool))
    _digest[0] = digest.hexdigest()[:16]


def digest() -> str:
    """What the answers are, as a short text: part of the check's version."""
    answers()
    return _digest[0]


def off_share(vector: np.ndarray) -> float:
    """The share labelled off topic among the :data:`NEAREST` labelled answers closest (by cosine) to
    ``vector``, an answer without its dialogue's words; 0 with no labelled answers."""
    vectors, off = answers()
    if not len(vectors):
        return 0.0
    v = np.asarray(vector, dtype=np.float32)
    s = vectors @ (v / max(float(np.linalg.norm(v)), 1e-9))
    k = min(NEAREST, len(s))
    nearest = np.argpartition(-s, k - 1)[:k]
    return float(off[nearest].mean())
