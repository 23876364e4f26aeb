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
        self._matrix = np.zeros((64, DIM), dtype=np.float32)  # grows by doubling; rows past len(keys) unused

    def _append(self, rows: np.ndarray) -> None:
        need = len(self.keys) + len(rows)
        if need > len(self._matrix):
            grown = np.zeros((max(need, 2 * len(self._matrix)), DIM), dtype=np.float32)
            grown[: len(self.keys)] = self._matrix[: len(self.keys)]
            self._matrix = grown
        self._matrix[len(self.keys) : need] = rows

    def add(self, key: str, text: str) -> None:
        self.add_many([(key, text)])

    def add_many(self, items: list[tuple[str, str]]) -> None:
        if not items:
            return
        self._append(embed([text for _, text in items]))
        for key, text in items:
            self.keys.append(key)
            self.texts.append(text)

    def nearest(self, text: str) -> tuple[str | None, float]:
        """The key of the stored text nearest in meaning, and its similarity (0..1)."""
        if not self.keys:
            return None, 0.0
        pooled = self._matrix[: len(self.keys)] @ embed([text])[0]
        order = np.argsort(-pooled)[: self.shortlist]
        best: tuple[str | None, float] = (None, 0.0)
        for i in order:
            score = similarity(text, self.texts[int(i)])
            if score > best[1]:
                best = (self.keys[int(i)], score)
        return best
