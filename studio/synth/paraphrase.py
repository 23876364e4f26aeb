"""Nearest topic by meaning: the same scenario told in other words (a Chinese paraphrase).

Scores come from :func:`studio.semantic.similarity` (static word vectors through a Chinese–English
dictionary, offline on a CPU). That score costs about half a millisecond a pair, so the index first
ranks every stored topic by the cosine of pooled text vectors (:func:`studio.semantic.embed`, one
matrix product) and scores only the ``shortlist`` best of them exactly.
"""

from __future__ import annotations

import numpy as np

from studio.semantic import DIM, embed, similarity


class ParaphraseIndex:
    def __init__(self, shortlist: int = 8) -> None:
        self.shortlist = shortlist
        self.keys: list[str] = []
        self.texts: list[str] = []
        self._rows: list[np.ndarray] = []
        self._matrix: np.ndarray | None = None

    def add(self, key: str, text: str) -> None:
        self.keys.append(key)
        self.texts.append(text)
        self._rows.append(embed([text])[0])
        self._matrix = None

    def add_many(self, items: list[tuple[str, str]]) -> None:
        if not items:
            return
        vectors = embed([text for _, text in items])
        for (key, text), row in zip(items, vectors, strict=True):
            self.keys.append(key)
            self.texts.append(text)
            self._rows.append(row)
        self._matrix = None

    def _all(self) -> np.ndarray:
        if self._matrix is None:
            self._matrix = np.stack(self._rows) if self._rows else np.zeros((0, DIM), dtype=np.float32)
        return self._matrix

    def nearest(self, text: str) -> tuple[str | None, float]:
        """The key of the stored text nearest in meaning, and its similarity (0..1)."""
        if not self.keys:
            return None, 0.0
        pooled = self._all() @ embed([text])[0]
        order = np.argsort(-pooled)[: self.shortlist]
        best: tuple[str | None, float] = (None, 0.0)
        for i in order:
            score = similarity(text, self.texts[int(i)])
            if score > best[1]:
                best = (self.keys[int(i)], score)
        return best
