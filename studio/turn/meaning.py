"""The sentence vectors a teacher answer's meaning checks will ask for, made before the checks run.

``suggestion.answers`` (:mod:`studio.turn.suggestions`) asks the sentence model for the Reply's question
and for its undecided Suggestions one by one, until one answers it. A caller with many answers (an
import's chunk) makes those vectors together, and a caller on an event loop makes them off it; the
checks then find them remembered (:func:`studio.semantic.encoder.sentence_vectors`).
"""

from __future__ import annotations

from studio.semantic.encoder import EncoderError, sentence_vectors
from studio.turn.suggestions import answers


def vectors_first(asks: list[list[str]]) -> None:
    """Make the vectors for answers whose :func:`studio.turn.verdict.meaning_texts` are ``asks`` (each
    the question, then the undecided Suggestions), in rounds as the checks ask for them: every
    answer's question and first Suggestion, then the next Suggestion of those not yet answered. A
    vector the check would never ask for is not made; a model that cannot load is left to the check."""
    waiting = [(question, rest) for question, *rest in filter(None, asks) if rest]
    first = True
    try:
        while waiting:
            sentence_vectors([text for question, rest in waiting for text in ((question, rest[0]) if first else rest[:1])])
            waiting = [(question, rest[1:]) for question, rest in waiting if len(rest) > 1 and not answers(rest[0], question)]
            first = False
    except EncoderError:
        pass  # the check that needs one says so itself
