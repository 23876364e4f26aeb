"""What an answer in a dialogue could be about instead, for the off-topic check
(:mod:`studio.semantic.offtopic`): the everyday subjects a student's answer may wander to (:data:`SUBJECTS`)
and the ways a learner steps out of the conversation (:data:`ASIDES`), each a row of a matrix of sentence
vectors; which of them are not the dialogue's own (:func:`other_subjects`), and which fits an answer best.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from studio.semantic import cascade
from studio.semantic.encoder import sentence_vector, sentence_vectors

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
#: Stepping out of the conversation, the off-topic answer real learners give most (the tutorial's own
#: bank is made of them): small talk, questions to the teacher about themselves, talk about the lesson
#: or their English, what is happening around them. Sentences, not word lists: each is compared
#: whole. Like a subject, they do not count where the dialogue is itself about them (a talk about
#: learning English).
ASIDES: dict[str, tuple[str, ...]] = {
    "small talk": ("Hello teacher, how are you today? Did you have a good weekend?",
                   "Nice to meet you, my name is Lily and I am sixteen years old.",
                   "I'm fine, thank you. And how is your day going?"),
    "questions to the teacher": ("Teacher, where do you live? Are you married?",
                                 "How old are you, and what do you like to do in your free time?",
                                 "What is your favourite food, teacher? Have you ever been to Beijing?"),
    "the lesson itself": ("My English is very poor, I can only speak a little.",
                          "Can you teach me how to learn English better? I want to improve.",
                          "Is my pronunciation good? Please correct my mistakes.",
                          "How long is this lesson? Can we stop now?"),
    "what is happening around them": ("Wait a minute, someone is knocking at my door.",
                                      "Sorry, my internet is bad, I can't hear you clearly.",
                                      "I am very hungry now, I want to go and eat something."),
}
#: A subject this close to the question, the title or the topic in English (cosine of the sentence
#: vectors) is one of the dialogue's own, not another.
OWN_SUBJECT_ABOVE = 0.4


def other_subjects(topic: str, title: str, question: str) -> tuple[str, ...]:
    """The everyday subjects (:data:`SUBJECTS`) and kinds of aside (:data:`ASIDES`) that are not the
    dialogue's own (none of their rows as close as :data:`OWN_SUBJECT_ABOVE` to the question, the title
    or the topic in English), one name per row of their matrix (an aside has a row per sentence)."""
    return _others(cascade.parts(topic, title, question))


def _rows() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(name, text) of every row: a subject's word list, or one sentence of an aside."""
    pairs = [(name, words) for name, words in SUBJECTS.items()]
    pairs += [(name, sentence) for name, sentences in ASIDES.items() for sentence in sentences]
    return tuple(n for n, _ in pairs), tuple(t for _, t in pairs)


@lru_cache(maxsize=1024)
def _others(texts: tuple[str, ...]) -> tuple[str, ...]:
    """The names none of whose rows is as close as :data:`OWN_SUBJECT_ABOVE` to any of ``texts``."""
    names, matrix = _subject_matrix(tuple(dict.fromkeys(_rows()[0])))
    close = (matrix @ sentence_vectors(list(texts)).T).max(axis=1)
    own = {n for n, c in zip(names, close, strict=True) if float(c) >= OWN_SUBJECT_ABOVE}
    return tuple(n for n in dict.fromkeys(names) if n not in own)


@lru_cache(maxsize=1024)
def _subject_matrix(names: tuple[str, ...]) -> tuple[tuple[str, ...], np.ndarray]:
    """The rows of these subjects and asides: (the name of each row, the matrix)."""
    wanted = set(names)
    rows = [(n, t) for n, t in zip(*_rows(), strict=True) if n in wanted]
    return tuple(n for n, _ in rows), sentence_vectors([t for _, t in rows])


def best_other_subject(utterance: str, *, topic: str = "", title: str = "", question: str = "") -> tuple[str, float]:
    """The everyday subject or aside, not one of the dialogue's own, that fits ``utterance`` best."""
    others = other_subjects(topic, title, question)
    if not others:
        return "", 0.0
    names, matrix = _subject_matrix(others)
    scores = matrix @ sentence_vector(utterance)
    best = int(np.argmax(scores))
    return names[best], float(scores[best])


def aside_score(utterance: str) -> float:
    """How close ``utterance`` is to stepping out of the conversation (the best of :data:`ASIDES`)."""
    _, matrix = _subject_matrix(tuple(ASIDES))
    return float((matrix @ sentence_vector(utterance)).max())
