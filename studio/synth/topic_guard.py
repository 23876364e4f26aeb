"""The one near-duplicate guard every topic passes, however it arrives (add, import, edit, expand, review).

Two topics are compared in a folded form: Unicode NFKC (full-width ``，！？：；（）`` and spaces become their
ASCII forms), lower case, and no white space, punctuation or symbols at all — so ``，``/``,`` and ``。``/``.``
and extra spaces never make a copy look new. On the folded text the guard scores

* **edit** — Levenshtein similarity, ``1 - distance / longer length`` (one changed character in a
  30-character scenario scores 0.97), and character-bigram Dice, whichever is higher;
* **paraphrase** — a meaning-level score for the same scenario told in other words (see
  :mod:`studio.synth.paraphrase`).

A candidate is refused when the paraphrase score reaches the threshold, or the edit score reaches it and
``EDIT_ALONE`` (0.8); every refusal names the nearest topic, its score and which measure found it.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from studio.domain.messages import N_, Message
from studio.synth.paraphrase import ParaphraseIndex

#: Default similarity at or above which a topic is a near-duplicate (chosen on tests/bench/topic_pairs.tsv).
DEFAULT_THRESHOLD = 0.6
#: The edit score alone must reach at least this: scenario sentences built on one pattern share most of
#: their characters while telling different scenes (两位学生讨论了他们的家庭旅行/家庭作业…, 0.79), and a
#: real copy with a small edit scores far higher (one character in ten: 0.9).
EDIT_ALONE = 0.8


def refuses(measure: str, score: float, threshold: float) -> bool:
    """Whether a match by ``measure`` with ``score`` makes a candidate a near-duplicate."""
    if measure == "same text":
        return True
    return score >= (max(threshold, EDIT_ALONE) if measure == "edit" else threshold)


def fold(text: str) -> str:
    """The form topics are compared in: NFKC, lower case, without white space, punctuation or symbols."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] not in "PSZC")


def bigrams(folded: str) -> frozenset[str]:
    return frozenset(folded[i : i + 2] for i in range(len(folded) - 1)) or frozenset([folded])


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def edit_similarity(a: str, b: str) -> float:
    """The edit score of two topic texts (1.0 when they fold to the same text)."""
    fa, fb = fold(a), fold(b)
    return max(Levenshtein.normalized_similarity(fa, fb), dice(bigrams(fa), bigrams(fb)))


@dataclass(frozen=True)
class Match:
    """The nearest stored topic to a candidate, and why it counts as the same topic."""

    id: str | None
    text: str
    score: float
    measure: str  # "same text" | "edit" | "paraphrase"

    @property
    def identical(self) -> bool:
        return self.measure == "same text"

    def message(self) -> Message:
        """Why the candidate is the same topic, as a message (``explain`` is its English)."""
        if self.identical:
            how = Message("topic.same-text", N_("the same text once punctuation width and spacing are folded"))
        else:
            how = Message(f"topic.similar.{self.measure}", MEASURED.get(self.measure, N_("similarity {score} by {measure}")),
                          score=f"{self.score:.2f}", measure=self.measure)
        if self.id and not self.id.startswith("new:"):
            return Message("topic.near-duplicate-of", N_("near-duplicate of {id} “{text}” ({how})"), id=self.id,
                           text=self.text, how=how)
        return Message("topic.near-duplicate", N_("near-duplicate of “{text}” ({how})"), text=self.text, how=how)

    def explain(self) -> str:
        return str(self.message())


#: How a similarity was measured, said of a near-duplicate.
MEASURED = {"edit": N_("similarity {score} by edit"), "paraphrase": N_("similarity {score} by paraphrase")}


class NearDuplicate(ValueError):
    """A topic the guard refused; ``match`` is the nearest stored topic."""

    def __init__(self, match: Match, *, forceable: bool = True) -> None:
        self.match = match
        if forceable and not match.identical:
            super().__init__(Message("topic.near-duplicate-forceable", N_("{why}; keep it anyway with --force"),
                                     why=match.message()))
        else:
            super().__init__(match.message())


class TopicGuard:
    """Nearest stored topic for a candidate, by the edit and paraphrase scores, kept up to date with ``add``."""

    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        if not 0 < threshold <= 1:
            raise ValueError(Message("topic.threshold", N_("the near-duplicate threshold must be in (0, 1]")))
        self.threshold = threshold
        self.keys: list[str] = []
        self.folded: list[str] = []
        self.texts: dict[str, str] = {}
        self.by_folded: dict[str, str] = {}
        self.grams: dict[str, frozenset[str]] = {}
        self.postings: dict[str, set[str]] = defaultdict(set)
        self.meaning = ParaphraseIndex()

    @classmethod
    def over(cls, topics: list[tuple[str, str]], threshold: float = DEFAULT_THRESHOLD) -> TopicGuard:
        """A guard over ``(id, text)`` pairs."""
        guard = cls(threshold)
        for key, text in topics:
            guard._add_text(key, text)
        guard.meaning.add_many(topics)
        return guard

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: str, text: str) -> None:
        self._add_text(key, text)
        self.meaning.add(key, text)

    def _add_text(self, key: str, text: str) -> None:
        f = fold(text)
        self.keys.append(key)
        self.folded.append(f)
        self.texts[key] = text
        self.by_folded.setdefault(f, key)
        g = bigrams(f)
        self.grams[key] = g
        for gram in g:
            self.postings[gram].add(key)

    def _edit(self, f: str) -> tuple[str | None, float]:
        best: tuple[str | None, float] = (None, 0.0)
        if self.folded:
            hit = process.extractOne(f, self.folded, scorer=Levenshtein.normalized_similarity)
            if hit is not None:
                best = (self.keys[hit[2]], float(hit[1]))
        g = bigrams(f)
        shared: dict[str, int] = defaultdict(int)
        for gram in g:
            for key in self.postings.get(gram, ()):
                shared[key] += 1
        for key, n in shared.items():
            s = 2 * n / (len(g) + len(self.grams[key]))
            if s > best[1]:
                best = (key, s)
        return best

    def matches(self, text: str) -> list[Match]:
        """The nearest topic by each measure (one "same text" match when the folded text is stored)."""
        f = fold(text)
        if not self.keys:
            return []
        if f in self.by_folded:
            key = self.by_folded[f]
            return [Match(key, self.texts[key], 1.0, "same text")]
        out = []
        edited, score = self._edit(f)
        if edited is not None:
            out.append(Match(edited, self.texts[edited], round(score, 3), "edit"))
        near, meaning = self.meaning.nearest(text)
        if near is not None:
            out.append(Match(near, self.texts[near], round(meaning, 3), "paraphrase"))
        return out

    def nearest(self, text: str) -> Match | None:
        """The nearest topic and its score by whichever measure scores higher, or None for an empty guard."""
        return max(self.matches(text), key=lambda m: m.score, default=None)

    def check(self, text: str) -> Match | None:
        """The nearest topic when the candidate is a near-duplicate of it (by any measure), else None."""
        hits = [m for m in self.matches(text) if refuses(m.measure, m.score, self.threshold)]
        return max(hits, key=lambda m: m.score, default=None)
