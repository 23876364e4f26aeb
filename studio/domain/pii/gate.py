"""The gate in front of the detectors: one compiled search for the cues of every detector.

A detector declares its ``cues``: literal strings of which a line must hold at least one for it to
find anything there (a digit, ``@``, 微信, "name" …). Most lesson lines hold none, and one search
for all of them tells so faster than each detector's own trigger would. The search is
:func:`compile_gate`'s pattern: the cues grouped by their least common character, so the engine
stops only where such a character stands (a ``q``, an ``@``, a digit, a capital) and tries the few
cues that start there; a cue whose rarest character is not its first is matched from that character
and checked backwards with a look-behind. It finds exactly what ``any(cue in line for cue in cues)``
finds. Pure: nothing of ours imported."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

NEVER = re.compile(r"(?!)")

# Characters of lesson text from the most common down (English letters, then capitals); a character
# not listed counts as rare. Only the gate's speed depends on this order, never what it finds.
_COMMON = " etaoinshrdlucmwfygpbvk.,:\"'jxqzITASWHCBMFPDRLENOGUKVJYQXZ"
_COMMON_HAN = "的是了我不在有人这中学一个你们说要会好大"
#: A cue whose least common character is at least this common (a lowercase word: "name", "this is")
#: would stop the pattern at most characters of English text: it is looked for on its own instead.
_OWN_SEARCH = 200 - _COMMON.index("k")


def _rank(ch: str) -> int:
    """How common ``ch`` is in lesson text: higher is more common, 0 is rare."""
    if ch in _COMMON_HAN:
        return 100 - _COMMON_HAN.index(ch)
    at = _COMMON.find(ch)
    return 0 if at < 0 else 200 - at


def _anchor(cue: str) -> int:
    """The index of ``cue``'s least common character (the first of equals)."""
    return min(range(len(cue)), key=lambda i: (_rank(cue[i]), i))


@dataclass(frozen=True)
class CueSearch:
    """Whether a text holds any of some cues: ``pattern`` for those with a rare character, ``common``
    (searched one by one, a fast substring search each) for those made of common characters only."""

    pattern: re.Pattern[str]
    common: tuple[str, ...]

    def holds(self, text: str) -> bool:
        return self.pattern.search(text) is not None or any(map(text.__contains__, self.common))


def compile_gate(cues: Iterable[str]) -> CueSearch:
    """A search that finds a text holding any of ``cues``, exactly as ``any(c in text for c in cues)``
    (no cues: it never does)."""
    groups: dict[str, list[str]] = defaultdict(list)
    common: list[str] = []
    for cue in sorted({c for c in cues if c}):
        k = _anchor(cue)
        if _rank(cue[k]) >= _OWN_SEARCH:
            common.append(cue)
        else:
            groups[cue[k]].append(re.escape(cue[k + 1:]) + (f"(?<={re.escape(cue)})" if k else ""))
    # Each alternative starts with a literal character, so the engine skips every other character
    # without trying them; a cue whose rarest character is not its first is matched from that
    # character and checked backwards with a look-behind.
    parts = [re.escape(ch) if "" in tails else re.escape(ch) + "(?:" + "|".join(tails) + ")"
             for ch, tails in groups.items()]
    return CueSearch(re.compile("|".join(parts)) if parts else NEVER, tuple(common))
