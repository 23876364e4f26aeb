"""One grammar error both ways (:class:`GrammarRule`) and what a detector gives for it (:class:`Correction`):
the types every table of rules (:mod:`studio.domain.grammar_rules`, :mod:`studio.domain.grammar_rules_more`)
is made of. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Correction:
    """An error in a student's utterance and its correct form (grammar, spelling, or a Chinese word
    and its English)."""

    wrong: str
    right: str
    rule: str
    note: str  # a short Chinese explanation for the Analysis


def keep_case(src: str, out: str) -> str:
    return out[0].upper() + out[1:] if src[:1].isupper() else out


Fix = Callable[[re.Match[str]], str | None]  # None: not an error (or no error to make) here


@dataclass(frozen=True)
class GrammarRule:
    """One error both ways: ``pattern`` finds it and ``fix`` gives the correct form; ``correct``
    finds a correct phrase and ``breaks`` makes it the error."""

    id: str
    note: str
    pattern: re.Pattern[str]
    fix: Fix
    correct: re.Pattern[str]
    breaks: Fix


def rule(id_: str, note: str, pattern: str, fix: Fix, correct: str, breaks: Fix, flags: int = re.I) -> GrammarRule:
    return GrammarRule(id_, note, re.compile(pattern, flags), fix, re.compile(correct, flags), breaks)
