"""Where real learners drift: the off-topic answers of the labelled sets the check is fitted on, kept as
sentence vectors, for the off-topic check (:mod:`studio.semantic.offtopic`).

Students step away from a lesson to the same few places whatever the lesson is: tomorrow's chemistry
test, a game, a pop star, a new phone, a cousin's news. An answer that is close to what other students
said when they stepped away from *other* lessons, about things far from this one, is likely to be
stepping away too: :func:`drift_likeness` is the mean cosine of an answer with the :data:`TOP` closest
such answers in the bank, read only where a banked answer is far from this dialogue (its best cosine
with the question, the title and the topic in English under :data:`FAR_BELOW`), so that an answer about
this lesson's own subject never counts as a drift because another lesson strayed into it.

With it, the full check without the language model, held out by labelled set, went from 0.877 / 0.879 to
0.900 / 0.882 (twenty-six sets, each held out of the fit and of the bank in turn), and on the seven sets then
never fitted on, with only the nineteen earlier sets fitted and banked, from 0.875 / 0.860 to 0.899 / 0.876;
on four sets nobody had read, the check as it runs went from 0.879 / 0.835 to 0.894 / 0.865 (README, The
teacher contract: off topic).

Only the full check reads it (:func:`studio.semantic.offtopic_features.features`), not the cheaper stages:
read by the "answer" stage too (against the title and the topic alone), it made that stage pass 37 of the
70 judged pairs of the tutorial's own off-topic bank (real learners' small talk: "I'm good. Fan, thank you.
How's your day going?") as on topic, and the share flagged fell from 57 % to 20 %.

The bank (:data:`BANK_FILE`, float16, 3,246 answers × 384 values) is written by
``tests/bench/offtopic_fit.py --write`` from the fitted sets; the fit reads each set's answers with that
set left out of the bank (:func:`use`), as a new writer's answers will be read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from studio.semantic.backends import DIM
from studio.semantic.encoder import sentence_vectors

#: The shipped bank: one float16 row per off-topic answer of the fitted sets.
BANK_FILE = Path(__file__).with_name("offtopic_bank.npy")
#: A banked answer is about something else than this dialogue where its best cosine with the question,
#: the title and the topic is below this (0.2, 0.3, 0.35 and 0.4 tried with each set held out: 0.3 best).
FAR_BELOW = 0.3
#: How many of the closest far banked answers are averaged (1 and 3 tried: 3 steadier).
TOP = 3

_bank: list[np.ndarray | None] = [None]
_digest = [""]


def bank() -> np.ndarray:
    """The banked answers' sentence vectors (rows, unit length), float32; empty where no bank is shipped."""
    if _bank[0] is None:
        vectors = np.load(BANK_FILE, allow_pickle=False) if BANK_FILE.is_file() else np.zeros((0, DIM))
        _set(vectors)
    assert _bank[0] is not None
    return _bank[0]


def use(vectors: np.ndarray | None) -> None:
    """Read against ``vectors`` from now on (None: the shipped bank again): how the fit leaves the set
    being read out of the bank."""
    if vectors is None:
        _bank[0] = None
    else:
        _set(vectors)
    _far.cache_clear()


def write() -> None:
    """Keep the bank now in use (:func:`use`) as the shipped one, at 16 bits: what the fit does with every
    fitted set's off-topic answers."""
    np.save(BANK_FILE, bank().astype(np.float16), allow_pickle=False)


def _set(vectors: np.ndarray) -> None:
    _bank[0] = np.ascontiguousarray(vectors, dtype=np.float32)
    _digest[0] = hashlib.sha256(np.ascontiguousarray(vectors, dtype=np.float16).data).hexdigest()[:16]


def digest() -> str:
    """What the bank is, as a short text: part of the check's version (a verdict made against another bank
    is not read back)."""
    bank()
    return _digest[0]


@lru_cache(maxsize=1024)
def _far(texts: tuple[str, ...]) -> np.ndarray:
    """Which banked answers are far from a dialogue given as its texts (question, title, topic)."""
    b = bank()
    if not len(b):
        return np.zeros(0, dtype=bool)
    return (b @ sentence_vectors(list(texts)).T).max(axis=1) < FAR_BELOW


def drift_likeness(vector: np.ndarray, texts: Sequence[str]) -> float:
    """The mean cosine of an answer (its sentence ``vector``) with the :data:`TOP` closest banked answers
    far from the dialogue given by ``texts`` (its question, title and topic in English); 0 with none."""
    far = _far(tuple(texts))
    if not far.any():
        return 0.0
    s = (bank() @ np.asarray(vector, dtype=np.float32))[far]
    top = np.partition(s, len(s) - TOP)[-TOP:] if len(s) > TOP else s
    return float(top.mean())
