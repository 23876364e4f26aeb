"""Does a student utterance belong to the dialogue's topic? Offline, for any text.

The utterance's content words are matched against the topic's (the Chinese scenario glossed
through CC-CEDICT, the English title) and the dialogue so far (the teacher's last turns carry the
question being answered): :func:`studio.semantic.relatedness`. Below :data:`OFF_TOPIC_BELOW` it
is off topic. An answer with no content words ("Yes, I do.") or mostly Chinese is not judged here
(``score`` None): shortness and Chinese are faults of their own.

The threshold is calibrated on the labelled set ``tests/data/off_topic_cases.json`` (on-topic,
loosely related and off-topic answers for Chinese topic texts with English dialogues); its
precision and recall are printed by ``tests/bench/checks_bench.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from studio.semantic import content_words, relatedness

#: Relatedness below which an utterance is off topic (see the module docstring).
OFF_TOPIC_BELOW = 0.19
#: How many of the last dialogue turns count as context (the question being answered is the last).
HISTORY_TURNS = 4


@dataclass(frozen=True)
class TopicFit:
    score: float | None  # 0..1 relatedness; None when there was nothing to judge
    off_topic: bool
    words: tuple[str, ...] = ()

    def explain(self) -> str:
        if self.score is None:
            return "not judged (no content words)"
        return f"relatedness {self.score:.2f} ({'below' if self.off_topic else 'at or above'} {OFF_TOPIC_BELOW})"


def _cjk_share(text: str) -> float:
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return cjk / (cjk + latin) if cjk + latin else 0.0


def topic_fit(utterance: str, *, topic: str = "", title: str = "",
              history: Sequence[tuple[str, str]] | Sequence[str] = ()) -> TopicFit:
    """Whether ``utterance`` belongs to a dialogue on ``topic`` (Chinese or English) titled ``title``
    with ``history`` so far ((role, text) pairs or plain texts, oldest first)."""
    if _cjk_share(utterance) > 0.3:
        return TopicFit(None, False)
    texts = [h[1] if isinstance(h, tuple) else h for h in list(history)[-HISTORY_TURNS:]]
    context = [t for t in (topic, title, *texts) if t and t.strip() and t.strip() != utterance.strip()]
    words = content_words(utterance)
    if not context or not words:
        return TopicFit(None, False, words)
    score = relatedness(utterance, context)
    if score is None:
        return TopicFit(None, False, words)
    return TopicFit(round(score, 4), score < OFF_TOPIC_BELOW, words)
