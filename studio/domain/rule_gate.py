"""Which of many regular expressions can match a text, told from the words they start with.

A table of rules (the grammar rules, the homophone slips) is run against every student utterance.
Most rules begin with a word boundary and a few literal words (``\\b(I|you|we|they) not …``), so a
text without any of those words cannot match them. :class:`RuleGate` reads each pattern's possible
literal starts once, when the table is built, and for a text gives the rules it may match: the rest
are skipped, and what is found is exactly what running every rule finds (in the same order).

The test is exact for ASCII text; a text with any other character (where case-insensitive matching
has cases ``str.lower`` does not mirror) is given every rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# The regular-expression parser of the standard library (private, stable since Python 3.11).
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

_BOUNDARY = "\x00"  # a \b between the characters of a literal start
_MOST = 512  # literal starts followed per pattern before the rest of them is cut short
_WORD = re.compile(r"[a-z]+")
_ZERO_WIDTH = {sre.ASSERT, sre.ASSERT_NOT}


def _extend(starts: list[tuple[str, bool]], items: object) -> list[tuple[str, bool]]:
    """``starts`` (each a literal start, and whether it may go on) continued by the parsed ``items``."""
    for op, av in items:  # type: ignore[attr-defined]
        if not any(more for _, more in starts):
            break
        if op is sre.LITERAL:
            ch = chr(av).lower()
            starts = [(s + ch, True) if more and ch.isascii() else (s, False) for s, more in starts]
        elif op is sre.AT:
            mark = _BOUNDARY if av is sre.AT_BOUNDARY else ""
            starts = [(s + mark, True) if more else (s, False) for s, more in starts]
        elif op in _ZERO_WIDTH:
            continue  # a lookaround matches no characters: the start goes on after it
        elif op is sre.SUBPATTERN:
            starts = _extend(starts, av[-1])
        elif op is sre.BRANCH and len(starts) * len(av[1]) <= _MOST:
            closed = [(s, False) for s, more in starts if not more]
            going = [(s, True) for s, more in starts if more]
            starts = closed + [x for branch in av[1] for x in _extend(going, branch)]
        else:
            starts = [(s, False) for s, _ in starts]
    return starts


def literal_starts(pattern: re.Pattern[str]) -> list[str] | None:
    """The literal texts (lower case) one of which every match of ``pattern`` begins with, each
    ``\\b`` in them written as ``\\x00``; None when some match may begin with anything."""
    parsed = sre_parse.parse(pattern.pattern, pattern.flags)
    starts = [s for s, _ in _extend([("", True)], parsed)]
    return None if any(not s.replace(_BOUNDARY, "") for s in starts) else starts


def _condition(start: str) -> tuple[str | None, str]:
    """What a text holds wherever a match begins with ``start``: one of its words (a run of letters
    with something else than a letter, or a ``\\b``, on both sides in the start: the longest such
    run), else the start's characters somewhere in it."""
    whole = [m.group(0) for m in _WORD.finditer(start)
             if m.start() > 0 and m.end() < len(start)]  # start[m.start() - 1] and start[m.end()] are no letters
    if whole:
        return max(whole, key=len), ""
    return None, start.replace(_BOUNDARY, "")


class RuleGate:
    """The rules of a table (their patterns, in order) that may match a text: :meth:`may_match`."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]) -> None:
        self.count = len(patterns)
        self.always: list[int] = []
        self.by_word: dict[str, list[int]] = {}
        self.by_text: list[tuple[str, int]] = []
        for i, pattern in enumerate(patterns):
            starts = literal_starts(pattern)
            if starts is None:
                self.always.append(i)
                continue
            for start in starts:
                word, text = _condition(start)
                if word is not None:
                    self.by_word.setdefault(word, []).append(i)
                else:
                    self.by_text.append((text, i))

    def may_match(self, text: str) -> Sequence[int]:
        """The indices, in order, of the patterns that may match ``text`` (every one unless ASCII)."""
        if not text.isascii():
            return range(self.count)
        low = text.lower()
        hit = set(self.always)
        by_word = self.by_word
        for word in set(_WORD.findall(low)):
            if word in by_word:
                hit.update(by_word[word])
        hit.update(i for s, i in self.by_text if i not in hit and s in low)
        return sorted(hit)
