"""Checks of the Suggestions against the turn they belong to (they need the words' meaning, so
they live above the pure contract): do they answer the Reply's own question, and do they say
something new rather than the student's last sentence again?

- ``suggestion.answers``: the Reply asks the student a question and no Suggestion answers it: no
  yes/no for a yes/no question, no reason for a why-question, no place, time or person for a
  where-, when- or who-question, and no words that belong to the question (the same word, or a
  related one by :func:`studio.semantic.relatedness`). Generous on purpose: it fails a set of
  Suggestions about something else, not a clumsy answer.
- ``suggestion.repeat``: a Suggestion repeats the student's last utterance.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from studio.domain import CheckResult
from studio.semantic import content_words, relatedness

ANSWERS_ABOVE = 0.3  # relatedness of a Suggestion to the question that counts as answering it
REPEAT_AT = 0.85  # similarity to the student's utterance that counts as repeating it

_YES_NO_Q = re.compile(r"^\s*(?:do|does|did|are|is|was|were|have|has|had|can|could|would|will|should|shall|may)\b", re.I)
_YES_NO_A = re.compile(r"^\W*(?:yes|yeah|yep|no|nope|not really|sure|of course|certainly|definitely|maybe|perhaps|"
                       r"absolutely|i think so|i don't think so|i guess|i (?:do|did|am|was|have|can|would|will)(?:n't)?\b|"
                       r"not yet|never|always|sometimes|a little|kind of|it (?:is|was|does|did))", re.I)
_WHY_Q = re.compile(r"^\s*why\b|\bwhat (?:makes|made)\b|\bhow come\b", re.I)
_REASON = re.compile(r"\b(?:because|since|so that|as it|as they|to help|it helps|it makes|it gives|i want to|i need to)\b",
                     re.I)
# the form an answer to a wh-question takes, whatever its words
_FORMS = (
    (re.compile(r"^\s*where\b", re.I), re.compile(r"\b(?:in|at|to|near|from|around|inside|outside|next to|home|here|there)\b", re.I)),
    (re.compile(r"^\s*when\b|\bwhat time\b", re.I),
     re.compile(r"\b(?:yesterday|today|tomorrow|tonight|last|next|ago|morning|afternoon|evening|night|weekend|"
                r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|spring|summer|autumn|fall|winter|"
                r"holiday|o'clock|before|after|every|usually|often|\d)\b", re.I)),
    (re.compile(r"^\s*(?:who|whom)\b|\bwith whom\b|\bwho\b", re.I),
     re.compile(r"\b(?:with|my|friend|friends|family|mother|father|mom|dad|sister|brother|parents|classmates?|"
                r"teacher|cousin|grandma|grandpa|alone|myself|[A-Z][a-z]+)\b")),
    # "What did you do / eat / like …?" asks about the student's own doings: a first-person statement answers
    (re.compile(r"\b(?:what|which)\s+(?:\w+\s+)?(?:do|did|does|will|would|are|were|have|can|could)\s+you\b", re.I),
     re.compile(r"^\W*(?:well,?\s*|oh,?\s*|hmm,?\s*)?(?:i|i'm|i've|i'd|we|my|our|me)\b", re.I)),
    (re.compile(r"\b(?:tips?|advice|suggestions?|ideas?|recommend)\b", re.I),
     re.compile(r"\b(?:should|advice|tip|try|would|could|remember|don't|always|never|make sure|better)\b", re.I)),
    (re.compile(r"^\s*how\b", re.I), re.compile(r"\b(?:by|with|it was|it is|it's|i felt|i feel|i was|i am|very|"
                                                r"really|quite|so|a bit|because)\b", re.I)),
)
_TO_STUDENT = re.compile(r"\b(?:you|your|yours|yourself)\b", re.I)


def _err(id_: str, message: str) -> CheckResult:
    return CheckResult(id=id_, severity="error", message=message)


def _clip(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def question_of(reply: str) -> str | None:
    """The Reply's last question to the student, or None when it asks none."""
    sentences = re.findall(r"[^.!?]*\?", reply)
    for q in reversed(sentences):
        if _TO_STUDENT.search(q):
            return q.strip()
    return None


def answers(suggestion: str, question: str) -> bool:
    """Whether ``suggestion`` is an answer to ``question`` (generously: any sign of one)."""
    if _YES_NO_Q.search(question) and _YES_NO_A.search(suggestion):
        return True
    if _WHY_Q.search(question) and _REASON.search(suggestion):
        return True
    if any(q.search(question) and a.search(suggestion) for q, a in _FORMS):
        return True
    mine, theirs = set(content_words(suggestion)), set(content_words(question))
    if mine & theirs or any(a[:5] == b[:5] for a in mine for b in theirs if min(len(a), len(b)) >= 5):
        return True
    score = relatedness(suggestion, [question])
    return score is None or score >= ANSWERS_ABOVE


def suggestion_checks(reply: str, suggestions: list[str], student: str | None) -> list[CheckResult]:
    out: list[CheckResult] = []
    question = question_of(reply) if reply else None
    if question and len(suggestions) >= 2 and not any(answers(s, question) for s in suggestions):
        out.append(_err("suggestion.answers", f"no suggestion answers the Reply's question '{_clip(question)}'"))
    if student and len(student.split()) >= 3:
        said = " ".join(student.lower().split()).strip(" .!?")
        for i, s in enumerate(suggestions, 1):
            again = " ".join(s.lower().split()).strip(" .!?")
            if fuzz.ratio(said, again) / 100 >= REPEAT_AT or (len(said.split()) >= 4 and said in again
                                                             and len(again) <= len(said) * 1.3):
                out.append(_err("suggestion.repeat", f"suggestion {i} repeats what the student just said: "
                                                     f"'{_clip(s)}'"))
    return out
