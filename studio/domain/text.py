"""Text hygiene: control characters never reach a prompt, an export or a terminal.

Topics, student utterances and parsed teacher fields are cleaned when a model is built (a
terminal escape sequence in an imported topic cannot retitle or clear the user's terminal);
raw model output is kept as it came, and shown with its control characters made visible.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator

#: What must never reach a terminal as itself: C0 controls but tab, newline and carriage return
#: (ESC starts every CSI and OSC sequence: colours, cursor moves, clear screen, the title (OSC 0),
#: hyperlinks (OSC 8), the clipboard (OSC 52)), DEL and the C1 controls (0x9b and 0x9d are one-byte
#: CSI and OSC), bidirectional overrides and isolates (text that reads differently than it runs),
#: and the Unicode line and paragraph separators.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def clean_text(text: str) -> str:
    """Without control characters, bidi overrides and line separators (tab, newline and carriage return stay)."""
    return CONTROL.sub("", text) if CONTROL.search(text) else text


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """THE output sanitiser: every character that could drive a terminal written out as an escape
    (``\\x1b``, ``\\x9b``, ``\\u202e``), so raw model or imported text is shown safely and exactly."""
    return CONTROL.sub(_escape, text) if CONTROL.search(text) else text


def json_safe(text: str) -> str:
    """JSON text with those characters as JSON escapes (``\\u001b``): still valid, still exact."""
    return CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text) if CONTROL.search(text) else text


CleanStr = Annotated[str, AfterValidator(clean_text)]


#: The contract's limit on a Reply and on each Suggestion, in words as ``word_count`` counts them.
MAX_WORDS = 30

WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
#: ASCII bytes kept by the fast word counter: letters; everything else splits words.
_LETTERS = bytes(c if chr(c).isascii() and chr(c).isalpha() else 32 for c in range(256))
LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


@lru_cache(maxsize=65536)
def cjk_share(text: str) -> float:
    """Share of CJK characters among the letters and CJK characters of ``text``."""
    if text.isascii():
        return 0.0
    cjk = len(CJK.findall(text))
    latin = len(LATIN.findall(text))
    total = cjk + latin
    return cjk / total if total else 0.0


def english_words(text: str) -> list[str]:
    return WORD.findall(text)


@lru_cache(maxsize=1 << 18)  # the Dashboard recounts the same Replies and Suggestions on every refresh
def word_count(text: str) -> int:
    """Words as a teacher counts them: runs of English letters (joined by apostrophes, so "don't" is
    one word), plus each CJK character. The one counter for every check, chart and export."""
    if text.isascii():  # the common case, as fast as str.split and counting exactly as WORD does
        if "'" in text:
            return len(WORD.findall(text))
        return len(text.encode().translate(_LETTERS).split())
    return len(english_words(text)) + len(CJK.findall(text))
