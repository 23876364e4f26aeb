"""The off-topic check's cheaper stages: what decides most answers before the full check runs.

An answer is read in stages (:data:`STAGES`), each reading more than the one before: its words
against the dialogue's (no pass of the sentence model), then its own sentence vector against the
topic's (one pass), then the question's too (a second pass). Each stage is a logistic model over the
measures it reads (:data:`MEASURES`, registered by name with :func:`measure`) and two bounds: below
``on_below`` the answer is on topic, from ``off_from`` off topic; in between the next stage reads it.
Where every stage is unsure, the full check decides (:func:`studio.semantic.offtopic.features`: the
answer without the dialogue's words, a pass of its own, and where that is unsure the language model).
An answer with rests after a turn of the talk is on topic at a stage only where each rest is too.

The models and bounds are fitted by ``tests/bench/offtopic_fit.py`` (``--write``) on the labelled
sets and the offline student's answers; the bounds are chosen with each labelled set held out, so
that at most a stage's share in :data:`ON_TOPIC_WRONG` of the held-out off-topic answers fall below
its ``on_below``, and at most :data:`CONFIDENT_WRONG` of the on-topic ones lie from ``off_from``.
The vector stages' shares are wider than the words': the off-topic answers they let through are
mostly ones the full check misses too (the held-out precision and recall did not move).

A new measure is a function of an :class:`Answer` returning a list of floats, registered with
``@measure("name")``; a new stage is a :class:`Stage` in :data:`STAGES` naming the measures it reads
and the texts whose sentence vectors they need; refit to give it its model and bounds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from studio.semantic.lexicon import content_words

#: At most this share of the held-out on-topic answers may lie from the last stage's ``off_from``.
CONFIDENT_WRONG = 0.015
#: At most this share of the held-out off-topic answers may fall below a stage's ``on_below``, by stage
#: (each labelled set held out of every fit and bound, the check in stages gave the same precision and
#: recall as with 0.015 for every stage, 0.885 / 0.875, and the offline student's answers 1.36 passes
#: of the sentence model an answer where they took 1.54; 0.06 for the vector stages cost 0.007 recall,
#: 0.02 for the words stage let "My favourite video game is Minecraft." pass in a talk on a basketball game;
#: 0.01 for the words since the fit on fourteen sets: held out, precision and recall within 0.005 of 0.015's and
#: a sixth fewer answers decided on their words alone).
ON_TOPIC_WRONG: dict[str, float] = {"words": 0.01, "answer": 0.04, "question": 0.04}
_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_STEM_ENDS = ("ing", "ed", "es", "s", "er", "ly")


def stem(word: str) -> str:
    """A crude stem, enough to meet a word again in another form ("clubs", "club"; "fired", "fire")."""
    word = word.lower()
    for end in _STEM_ENDS:
        if word.endswith(end) and len(word) - len(end) >= 3:
            return word[:-len(end)][:5]
    return word[:5]


@lru_cache(maxsize=8192)
def stems(text: str) -> frozenset[str]:
    return frozenset(stem(w) for w in content_words(text))


def topic_text(topic: str) -> str:
    """The topic in English: a Chinese scenario through its dictionary glosses, English as it is."""
    if _HAN.search(topic):
        return " ".join(content_words(topic))
    return topic.strip()


def parts(topic: str, title: str, question: str) -> tuple[str, str, str]:
    """(question, title, topic) in English, each standing in for a missing one."""
    english = topic_text(topic)
    title = title.strip() or english
    english = english or title
    return question.strip() or title, title, english


@dataclass(frozen=True)
class Answer:
    """A student's answer in its dialogue: what every measure reads."""

    utterance: str
    topic: str
    title: str
    question: str
    recent: tuple[tuple[str, str], ...] = ()
    #: The rest of an answer after a turn of the talk, judged on its own (a "Teacher, …" there is a
    #: question back, not a step out of the talk).
    rest: bool = False

    @cached_property
    def parts(self) -> tuple[str, str, str]:
        """(question, title, topic) in English."""
        return parts(self.topic, self.title, self.question)

    @cached_property
    def words(self) -> tuple[str, ...]:
        """The answer's content words, stemmed, in order."""
        return tuple(stem(w) for w in content_words(self.utterance))

    def measured(self, name: str) -> tuple[float, ...]:
        """The measure ``name`` of this answer (:func:`measured`)."""
        return measured(name, self)

    def texts(self, which: str) -> tuple[str, ...]:
        """The texts a stage needs the sentence vectors of: the ``answer``, the ``topic`` (title and
        topic in English) or the ``question``."""
        q, t, g = self.parts
        return {"answer": (self.utterance,), "topic": (t, g), "question": (q,)}[which]


Measure = Callable[[Answer], Sequence[float]]
#: Every measure a stage may read, by name: a function of an :class:`Answer` giving a few floats.
MEASURES: dict[str, Measure] = {}


def measure(name: str) -> Callable[[Measure], Measure]:
    """Register a measure under ``name``."""
    def register(fn: Measure) -> Measure:
        MEASURES[name] = fn
        return fn
    return register


@lru_cache(maxsize=16384)
def measured(name: str, answer: Answer) -> tuple[float, ...]:
    """The measure ``name`` of ``answer``, worked out once (by a stage deciding, then again by the
    verdict, an answer's measures are read twice)."""
    return tuple(MEASURES[name](answer))


@measure("shared words")
def shared_words(a: Answer) -> list[float]:
    """The shares of the answer's content words met in the question, in the title and topic, anywhere
    in the dialogue (its recent turns too); its length in words and content words; whether it shares none."""
    q, t, g = a.parts
    in_q, in_topic = stems(q), stems(f"{t} {g}")
    anywhere = in_q | in_topic | stems(" ".join(text for _, text in a.recent))
    n = max(1, len(a.words))
    shared = sum(w in anywhere for w in a.words)
    return [sum(w in in_q for w in a.words) / n, sum(w in in_topic for w in a.words) / n, shared / n,
            math.log(max(1, len(_WORD.findall(a.utterance)))), math.log(n), float(shared == 0)]


def probability(feats: Sequence[float], model: tuple) -> float:
    """Logistic model (means, scales, weights, bias) over standardised features."""
    mean, scale, weights, bias = model
    z = bias + sum(w * (f - m) / s for f, m, s, w in zip(feats, mean, scale, weights, strict=True))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class Stage:
    """A stage of the check: the measures it reads, the texts whose vectors they need, its model and bounds."""

    name: str
    reads: tuple[str, ...]
    needs: tuple[str, ...]  # Answer.texts names: sentence vectors this stage needs beyond the stages before
    model: tuple = ()
    on_below: float = 0.0  # on topic below this probability (0: never)
    off_from: float = 2.0  # off topic from this probability (above 1: never)

    def features(self, answer: Answer) -> list[float]:
        return [x for name in self.reads for x in answer.measured(name)]

    def probability(self, answer: Answer) -> float:
        return probability(self.features(answer), self.model)


_WORDS = ("shared words", "shape", "other subject words")
#: The stages, cheapest first (models and bounds written by ``tests/bench/offtopic_fit.py --write``).
STAGES: tuple[Stage, ...] = (
    Stage("words", _WORDS, ()),
    Stage("answer", (*_WORDS, "answer vector"), ("answer", "topic")),
    Stage("question", (*_WORDS, "answer vector", "question vector"), ("question",)),
)
# fitted: begin
FITTED: dict[str, tuple[tuple, float, float]] = {
    'words': (((0.090504, 0.10573, 0.18755, 2.7327, 1.7391, 0.32661, 0.047908, 0.14291, 0.24234, 0.42464, 0.035902, 0.057816, 0.17639), (0.13666, 0.14259, 0.18157, 0.24043, 0.34497, 0.46897, 0.21357, 0.34998, 0.4285, 0.49429, 0.18604, 0.23339, 0.18076), (-0.60614, -0.037392, -0.49697, 0.0028503, 0.61432, -0.013539, 0.75242, -0.24341, 0.53043, -0.24459, 0.88944, 1.0233, 0.78931), -0.72912), 0.055, 2.0),
    'answer': (((0.090504, 0.10573, 0.18755, 2.7327, 1.7391, 0.32661, 0.047908, 0.14291, 0.24234, 0.42464, 0.035902, 0.057816, 0.17639, 0.21719, 0.17302, 0.30265), (0.13666, 0.14259, 0.18157, 0.24043, 0.34497, 0.46897, 0.21357, 0.34998, 0.4285, 0.49429, 0.18604, 0.23339, 0.18076, 0.16017, 0.12231, 0.094163), (-0.54015, 0.66213, -0.69152, 0.060072, 0.71286, -0.19566, 0.78626, -0.23691, 0.48695, -0.22794, 0.83146, 1.0108, 0.66894, -1.042, -0.58033, 0.41447), -0.94594), 0.14, 2.0),
    'question': (((0.090504, 0.10573, 0.18755, 2.7327, 1.7391, 0.32661, 0.047908, 0.14291, 0.24234, 0.42464, 0.035902, 0.057816, 0.17639, 0.21719, 0.17302, 0.30265, 0.27618, 0.29998), (0.13666, 0.14259, 0.18157, 0.24043, 0.34497, 0.46897, 0.21357, 0.34998, 0.4285, 0.49429, 0.18604, 0.23339, 0.18076, 0.16017, 0.12231, 0.094163, 0.17799, 0.093487), (0.4142, 0.4877, -0.85832, 0.14579, 0.70971, -0.24657, 0.85432, -0.25299, 0.3848, -0.084152, 0.85189, 1.045, 0.61199, -0.57722, -0.43084, 0.037911, -1.7122, 0.52805), -1.0789), 0.16, 0.865),
}
# fitted: end


def fitted_id() -> str:
    """What the stages decide by (their models and bounds), as text: part of the check's version."""
    if _FITTED_ID[0] is not FITTED or _FITTED_ID[1] != len(FITTED):
        _FITTED_ID[:] = [FITTED, len(FITTED), repr(sorted(FITTED.items())) + repr(STAGES)]
    return str(_FITTED_ID[2])


_FITTED_ID: list = [None, 0, ""]


def stages() -> tuple[Stage, ...]:
    """The stages with their fitted models and bounds (a stage with no model decides nothing)."""
    return tuple(Stage(s.name, s.reads, s.needs, *FITTED[s.name]) if s.name in FITTED else s for s in STAGES)


def decide(stage: Stage, answer: Answer, rests: Sequence[Answer]) -> tuple[bool | None, float]:
    """(off topic, or None where ``stage`` is unsure; its probability): on topic only where every rest
    of the answer is too."""
    if not stage.model:
        return None, 0.5
    p = stage.probability(answer)
    if p >= stage.off_from:
        return True, p
    if p < stage.on_below and all(stage.probability(r) < stage.on_below for r in rests):
        return False, p
    return None, p
