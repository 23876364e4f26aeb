"""How the offline teacher reads the student's last answer: what kind of answer it is (Chinese,
off-topic, a non-answer, short, or a full answer), the errors in it, and the answer with them fixed.

The teacher's Reply (:mod:`studio.llm.offline.teacher`) and its Analysis
(:mod:`studio.llm.offline.analysis`) both start from this reading.
"""

from __future__ import annotations

import re

from studio.domain.faults import by_language
from studio.domain.language import language_of
from studio.domain.learner import Correction, find_errors, is_non_answer
from studio.domain.text import word_count
from studio.llm.offline.banks import Banks, normalise_utterance

SHORT_WORDS = 6
_SUBJECT_VERB = re.compile(r"\b(I|we|you|he|she|it|they|this|that|there|my \w+)\s+(?:'m|am|is|are|was|were|"
                           r"do|does|did|can|will|would|like|likes|love|enjoy|want|think|feel|go|went|have|has|"
                           r"had|prefer|usually|always|often|really|also|very|not|\w+ed|\w+s)\b", re.I)
YES_NO = re.compile(r"^(yes|yeah|no|not really|sure|of course|ok|okay)\b", re.I)


def assess(utterance: str, banks: Banks) -> tuple[str, list[Correction]]:
    """What kind of answer the student gave: the fault kind its language makes it (chinese), off_topic,
    non_answer, short or normal (and its errors, or what that kind's spec finds to correct)."""
    spec = by_language(language_of(utterance))
    if spec is not None:
        return spec.kind.value, spec.detect(utterance)
    errors = find_errors(utterance)
    if normalise_utterance(utterance) in banks.off_topic:
        return "off_topic", errors
    fixed = fixed_sentence(utterance, errors)
    if is_non_answer(fixed):
        return "non_answer", errors
    unhedged = re.sub(r",?\s*(I think|maybe)\s*([.!?])?$", r"\2", fixed.strip(), flags=re.I)
    if word_count(unhedged) <= 10 and is_fragment(unhedged):
        return "short", errors  # "The views from the train, I think." is still a fragment
    if word_count(fixed) <= SHORT_WORDS or (word_count(fixed) <= 10 and (is_fragment(fixed) or YES_NO.match(fixed))):
        return "short", errors
    return "normal", errors


def is_fragment(utterance: str) -> bool:
    """No subject and verb: "The final shot.", "Maybe next week.", "With my cousin."."""
    text = utterance.strip()
    if re.match(r"^(because|so that|when|if)\b", text, re.I) and not re.search(r",\s*(I|we|it|you)\b", text):
        return True  # a clause on its own: "Because it is fun."
    return not _SUBJECT_VERB.search(text) and not YES_NO.match(text)


def fixed_sentence(utterance: str, errors: list[Correction]) -> str:
    """The utterance with each error's fix put in place of its first occurrence."""
    out = utterance
    for c in errors:
        out = out.replace(c.wrong, c.right, 1)
    return out
