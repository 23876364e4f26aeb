"""Does a student utterance belong to the dialogue's topic? Offline, for any text.

The utterance's content words are matched against the topic's (the Chinese scenario glossed
through CC-CEDICT, the English title) and the dialogue so far (the teacher's last turns carry the
question being answered): :func:`studio.semantic.relatedness`. Below :data:`OFF_TOPIC_BELOW` it
is off topic; up to :data:`UNSURE_BELOW` it is off topic when an everyday subject the dialogue is
not about fits it clearly better. An answer of under five words or two content words ("Yes, I do.", "Last term.") or mostly Chinese is not judged here
(``score`` None): shortness and Chinese are faults of their own.

The threshold is calibrated on the labelled set ``tests/data/off_topic_cases.json`` (on-topic,
loosely related and off-topic answers for Chinese topic texts with English dialogues); its
precision and recall are printed by ``tests/bench/checks_bench.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from studio.semantic import content_words, relatedness

#: Below this relatedness an utterance is off topic outright.
OFF_TOPIC_BELOW = 0.12
#: Between the two it is off topic when some everyday subject the dialogue is not about fits it
#: better, by :data:`OTHER_SUBJECT_MARGIN` (static vectors alone cannot tell a weakly worded answer
#: from one about something else; a clear other subject can).
UNSURE_BELOW = 0.2
OTHER_SUBJECT_MARGIN = 0.2
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
OWN_SUBJECT_ABOVE = 0.3


@dataclass(frozen=True)
class TopicFit:
    score: float | None  # 0..1 relatedness; None when there was nothing to judge
    off_topic: bool
    words: tuple[str, ...] = ()
    other: str = ""  # the everyday subject it is about instead, when that decided it

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
    if _cjk_share(utterance) > 0.3:
        return TopicFit(None, False)
    texts = [h[1] if isinstance(h, tuple) else h for h in list(history)[-HISTORY_TURNS:]]
    context = [t for t in (topic, title, *texts) if t and t.strip() and t.strip() != utterance.strip()]
    words = content_words(utterance)
    if not context or len(words) < MIN_CONTENT_WORDS or len(_WORD.findall(utterance)) < MIN_WORDS:
        return TopicFit(None, False, words)
    score = relatedness(utterance, context)
    if score is None:
        return TopicFit(None, False, words)
    if score < OFF_TOPIC_BELOW:
        return TopicFit(round(score, 4), True, words)
    if score >= UNSURE_BELOW:
        return TopicFit(round(score, 4), False, words)
    other, fit = best_other_subject(utterance, context)
    off = fit - score > OTHER_SUBJECT_MARGIN
    return TopicFit(round(score, 4), off, words, other if off else "")


def best_other_subject(utterance: str, context: Sequence[str]) -> tuple[str, float]:
    """The everyday subject, not one of the dialogue's own, that fits ``utterance`` best."""
    best, fit = "", 0.0
    for name, words in SUBJECTS.items():
        own = relatedness(words, context)
        if own is not None and own > OWN_SUBJECT_ABOVE:
            continue
        r = relatedness(utterance, [words]) or 0.0
        if r > fit:
            best, fit = name, r
    return best, fit
