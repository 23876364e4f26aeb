"""How the sentence model runs: registered backends, each turning tokenised texts into vectors.

A backend is a :class:`Backend` subclass decorated :func:`register`, with a ``name`` (what
``STUDIO_SENTENCE_BACKEND`` names) and a ``rank`` (the lowest is tried first when none is named).
It is made from the model folder (:func:`studio.semantic.encoder.ensure_model`) and answers
:meth:`Backend.encode_batch`; tokenising, ordering by length and batching are shared here. A backend
whose runtime is missing raises :class:`BackendMissing` when made, and the next is tried. The shipped
ones: ``onnx`` (:mod:`studio.semantic.bert_onnx`, 8-bit weights in onnxruntime) and ``numpy``
(:mod:`studio.semantic.bert_numpy`, float32: the reference, and the fallback).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

DIM = 384
MAX_TOKENS = 128  # a student turn or a topic is far shorter; longer texts are cut, as sentence-transformers does at 256


class BackendMissing(RuntimeError):
    """What a backend needs to run is not installed here, or did not work (the message says what)."""


class Backend:
    """One way to run the model in a folder: :meth:`encode_batch` gives pooled unit vectors."""

    name: ClassVar[str]
    rank: ClassVar[int]
    #: Texts run through the model together.
    batch: ClassVar[int] = 32

    def __init__(self, folder: Path, weights_sha256: str) -> None:
        """The model in ``folder`` (its weights' sha256 names what is made of them)."""
        self.tokenizer = tokenizer(folder)

    @classmethod
    def installed(cls) -> bool:
        """Whether what it needs is installed (without loading it)."""
        return True

    @classmethod
    def identity(cls) -> str:
        """What its vectors depend on besides the weights (a verdict made from them is keyed by it)."""
        return cls.name

    def encode_batch(self, batch: Sequence[Sequence[int]]) -> np.ndarray:
        """Pooled, unit-length vectors of tokenised texts run together, one row each: what each text
        alone gives."""
        raise NotImplementedError

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One vector per text, run in batches of texts of about the same length (little padding)."""
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
        out = np.zeros((len(encodings), DIM), dtype=np.float32)
        for start in range(0, len(order), self.batch):
            rows = order[start:start + self.batch]
            out[rows] = self.encode_batch([encodings[i].ids for i in rows])
        return out


BACKENDS: dict[str, type[Backend]] = {}


def register(cls: type[Backend]) -> type[Backend]:
    BACKENDS[cls.name] = cls
    return cls


def in_order() -> list[type[Backend]]:
    """The registered backends, the one tried first first."""
    return sorted(BACKENDS.values(), key=lambda cls: cls.rank)


def tokenizer(folder: Path) -> Any:
    """The model's tokenizer: texts cut at :data:`MAX_TOKENS`, not padded."""
    from tokenizers import Tokenizer

    made = Tokenizer.from_file(str(folder / "tokenizer.json"))
    made.enable_truncation(MAX_TOKENS)
    made.no_padding()
    return made


def padded(batch: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """(ids, mask) of tokenised texts padded to the longest: int64 ids, a boolean mask of real tokens."""
    b, n = len(batch), max(len(ids) for ids in batch)
    ids = np.zeros((b, n), dtype=np.int64)
    mask = np.zeros((b, n), dtype=bool)
    for i, row in enumerate(batch):
        ids[i, :len(row)] = row
        mask[i, :len(row)] = True
    return ids, mask


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
