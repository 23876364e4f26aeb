"""Does a student utterance belong to the dialogue's topic? Offline, for any text.

The utterance's content words are matched against the topic's (the Chinese scenario glossed
through CC-CEDICT, the English title) and the dialogue so far (the teacher's last turns carry the
question being answered): :func:`studio.semantic.relatedness`. A small logistic model weighs that
relatedness with the share of the words another everyday subject claims (one the dialogue is not
about: "football" and "park" in a dialogue on video games), the pooled token-vector cosine with the
dialogue's English, and the length (:func:`features`, :data:`MODEL`). An answer of under five words or two content words ("Yes, I do.", "Last term.")
leans on the question it answers and is not judged (``score`` None), nor is a mostly Chinese one:
shortness and Chinese are faults of their own.

The model was fitted (:func:`fit`) on the labelled set ``tests/data/off_topic_cases.json``
(on-topic, loosely related and off-topic answers for 15 Chinese topic texts with English
dialogues); ``tests/bench/checks_bench.py`` prints its precision and recall, in-sample and with
each topic left out of the fit in turn, and on ``tests/data/off_topic_new_topics.json`` (four
topics written after the features were fixed and kept out of every fit and choice).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from studio.semantic import content_words, other_senses, relatedness, text_vector
from studio.semantic.lexicon import compound_pairs
from studio.semantic.vectors import word_matrix

#: The shipped logistic model over :func:`features`: (means, scales, weights, bias), fitted by
#: :func:`fit` on the labelled set; an utterance is off topic from :data:`OFF_TOPIC_AT` on.
MODEL: tuple = ((0.2733, 0.1275, 7.7604, 0.3658), (0.1973, 0.1519, 1.7301, 0.3075),
               (-0.9916, -2.5211, -1.0085, 1.2257), -1.7192)
#: Chosen with each topic held out of the fit in turn (the threshold where the held-out precision
#: and recall are both highest), not on the fitted answers themselves.
OFF_TOPIC_AT = 0.46
_HAN = re.compile(r"[\u3400-\u9fff]")
#: A shorter answer ("Last term.", "With my best friend.") leans on the question it answers and is
#: not judged: its few words say too little about what it is about.
MIN_WORDS = 5
MIN_CONTENT_WORDS = 2
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
#: How many of the last dialogue turns count as context (the question being answered is the last).
HISTORY_TURNS = 4

#: Everyday subjects a student's answer may wander to, as English words.
SUBJECTS: dict[str, str] = {
    "food": "food meal lunch dinner breakfast noodles rice dumplings pizza cook restaurant eat delicious spicy snack fruit",
    "pets": "pet cat dog puppy kitten hamster goldfish rabbit bird animal feed vet",
    "games": "video game computer games minecraft play online console phone app",
    "weather": "weather rain sunny snow cold hot wind cloudy umbrella season temperature",
    "shopping": "shopping buy shoes clothes price money shop mall supermarket expensive cheap",
    "school subjects": "maths chemistry physics history biology geography subject lesson class homework exam test grade",
    "family": "family mother father mom dad sister brother grandma grandpa aunt uncle cousin parents",
    "sports": "sport football basketball badminton tennis swimming running race match team player coach score",
    "music": "music song singer band concert guitar piano violin album dance pop rock",
    "travel": "travel trip holiday vacation beach mountain hotel flight train tourist visit abroad",
    "health": "health doctor dentist hospital sick ill medicine exercise sleep tired",
    "technology": "technology computer phone robot internet screen battery laptop software",
    "movies and tv": "movie film cinema television tv show cartoon series actor watch",
    "reading": "book novel story library read reading author magazine comic",
    "art and hobbies": "art draw drawing painting paint pencil craft photo camera hobby chess bake cake",
    "home and chores": "home house room apartment bed kitchen clean dishes washing machine chores garden furniture",
    "transport": "bus subway car bike taxi road traffic drive street station",
    "jobs and future": "job career work doctor pilot engineer future university college dream",
    "friends": "friend friends classmate party birthday chat together",
    "nature": "nature tree flower plant park river lake forest dinosaur spider insect",
}
#: A subject this related to the dialogue is one of its own, not another.
OWN_SUBJECT_ABOVE = 0.35
#: A word is another subject's when it is (nearly) one of its words and fits it this much better.
CLAIMED_AT = 0.6
CLAIM_MARGIN = 0.2


@dataclass(frozen=True)
class TopicFit:
    score: float | None  # 0..1 relatedness; None when there was nothing to judge
    off_topic: bool
    words: tuple[str, ...] = ()
    other: str = ""  # the everyday subject it fits best instead, when off topic
    probability: float | None = None  # of being off topic, from the shipped model

    def explain(self) -> str:
        if self.score is None:
            return "not judged (no content words)"
        about = f", about {self.other} instead" if self.other else ""
        return f"relatedness to the topic {self.score:.2f}{about}"


def _cjk_share(text: str) -> float:
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return cjk / (cjk + latin) if cjk + latin else 0.0


def topic_fit(utterance: str, *, topic: str = "", title: str = "",
              history: Sequence[tuple[str, str]] | Sequence[str] = ()) -> TopicFit:
    """Whether ``utterance`` belongs to a dialogue on ``topic`` (Chinese or English) titled ``title``
    with ``history`` so far ((role, text) pairs or plain texts, oldest first)."""
    texts = tuple(h[1] if isinstance(h, tuple) else h for h in list(history)[-HISTORY_TURNS:])
    return _topic_fit(utterance, topic, title, texts)


@lru_cache(maxsize=4096)
def _topic_fit(utterance: str, topic: str, title: str, texts: tuple[str, ...]) -> TopicFit:
    """:func:`topic_fit` on the last turns only, remembered: a student turn is judged when it is
    labelled and again when the teacher's answer to it is checked (the verdict is immutable)."""
    if _cjk_share(utterance) > 0.3:
        return TopicFit(None, False)
    context = [t for t in (topic, title, *texts) if t and t.strip() and t.strip() != utterance.strip()]
    words = content_words(utterance)
    if not context or len(words) < MIN_CONTENT_WORDS or len(_WORD.findall(utterance)) < MIN_WORDS:
        return TopicFit(None, False, words)
    feats = features(utterance, context)
    if feats is None:
        return TopicFit(None, False, words)
    p = probability(feats)
    other = best_other_subject(utterance, context)[0] if p >= OFF_TOPIC_AT else ""
    return TopicFit(round(feats[0], 4), p >= OFF_TOPIC_AT, words, other, round(p, 4))


def features(utterance: str, context: Sequence[str]) -> list[float] | None:
    """What the verdict weighs: relatedness of the words to the dialogue; the pooled token-vector
    cosine of the utterance and the dialogue's English; the utterance's length in words; and the
    share of its content words another everyday subject claims (:func:`claimed_share`)."""
    score = relatedness(utterance, context)
    if score is None:
        return None
    english = " ".join(c for c in context if not _HAN.search(c))
    said = {w for c in context for w in content_words(c)}
    heads = {h for _, h, _ in other_senses(utterance, context)}  # a word of another sense is no overlap
    heads |= {h for m, h in compound_pairs(utterance) if h in said and m not in said}
    own = " ".join(w for w in _WORD.findall(utterance) if w.lower() not in heads)
    pooled = float(text_vector(own) @ text_vector(english)) if english and own else 0.0
    return [score, pooled, float(len(_WORD.findall(utterance))), claimed_share(utterance, context)]


def claimed_share(utterance: str, context: Sequence[str]) -> float:
    """The share of the utterance's content words that an everyday subject the dialogue is not
    about claims: the word is (nearly) one of that subject's words (cosine >= :data:`CLAIMED_AT`)
    and fits it clearly better than any word of the dialogue (by :data:`CLAIM_MARGIN`) — "football"
    and "park" in a dialogue on video games, "drawing" and "cartoons" in one on garbage sorting."""
    words = content_words(utterance)
    said = tuple(dict.fromkeys(w for c in context for w in content_words(c)))
    others = _others(tuple(context))
    if not words or not said or not others:
        return 0.0
    mine = word_matrix(words)
    own = (mine @ word_matrix(said).T).max(axis=1)
    other = (mine @ _others_matrix(others).T).max(axis=1)
    return float(np.mean((other >= CLAIMED_AT) & (other > own + CLAIM_MARGIN)))


def probability(feats: Sequence[float], model: tuple | None = None) -> float:
    """Logistic model over :func:`features` (standardised); ``model`` defaults to the shipped one."""
    mean, scale, weights, bias = model or MODEL
    z = bias + sum(w * (f - m) / s for f, m, s, w in zip(feats, mean, scale, weights, strict=True))
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))


def fit(rows: Sequence[Sequence[float]], labels: Sequence[bool], l2: float = 1.0, steps: int = 50) -> tuple:
    """A logistic model of :func:`features` on standardised features, L2-penalised weights (not
    the bias), fitted to convergence by Newton's method: how :data:`MODEL` was made from
    ``tests/data/off_topic_cases.json``; the benchmark refits it leaving one topic out."""
    x = np.asarray(rows, dtype=float)
    y = np.asarray(labels, dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0
    theta = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ theta)))
        hessian = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg) + 1e-9 * np.eye(z.shape[1])
        step = np.linalg.solve(hessian, z.T @ (p - y) + reg * theta)
        theta -= step
        if float(np.abs(step).max()) < 1e-7:
            break
    w, b = theta[:-1], float(theta[-1])
    return tuple(round(float(v), 4) for v in mean), tuple(round(float(v), 4) for v in scale), \
        tuple(round(float(v), 4) for v in w), round(b, 4)


def best_other_subject(utterance: str, context: Sequence[str]) -> tuple[str, float]:
    """The everyday subject, not one of the dialogue's own, that fits ``utterance`` best."""
    words = content_words(utterance)
    if not words:
        return "", 0.0
    mine = word_matrix(words)
    best, fit = "", 0.0
    for name in _others(tuple(context)):
        scores = (mine @ _subject_matrix(name).T).max(axis=1)
        top = np.sort(scores)[::-1]
        k = max(1, (len(top) + 1) // 2)
        r = float(min(1.0, max(0.0, 0.5 * top[:k].mean() + 0.5 * top.mean())))  # as relatedness() aggregates
        if r > fit:
            best, fit = name, r
    return best, fit


@lru_cache(maxsize=64)
def _subject_matrix(name: str) -> np.ndarray:
    return word_matrix(content_words(SUBJECTS[name]))


@lru_cache(maxsize=1024)
def _others_matrix(names: tuple[str, ...]) -> np.ndarray:
    return np.vstack([_subject_matrix(n) for n in names])


@lru_cache(maxsize=1024)
def _others(context: tuple[str, ...]) -> tuple[str, ...]:
    """The subjects that are not the dialogue's own."""
    out = []
    for name, words in SUBJECTS.items():
        own = relatedness(words, context)
        if own is None or own <= OWN_SUBJECT_ABOVE:
            out.append(name)
    return tuple(out)
