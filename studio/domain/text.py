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

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    """Without C0/C1 control characters (tab, newline and carriage return stay)."""
    return CONTROL.sub("", text) if CONTROL.search(text) else text


def visible(text: str) -> str:
    """Control characters written out (``\\x1b``), for showing raw text safely."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text) if CONTROL.search(text) else text


CleanStr = Annotated[str, AfterValidator(clean_text)]


#: The contract's limit on a Reply and on each Suggestion, in words as ``word_count`` counts them.
MAX_WORDS = 30

WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")


@lru_cache(maxsize=65536)
def cjk_share(text: str) -> float:
    """Share of CJK characters among the letters and CJK characters of ``text``."""
    cjk = len(CJK.findall(text))
    latin = len(LATIN.findall(text))
    total = cjk + latin
    return cjk / total if total else 0.0


def english_words(text: str) -> list[str]:
    return WORD.findall(text)


def word_count(text: str) -> int:
    """Words as a teacher counts them: English words, plus each CJK character."""
    return len(english_words(text)) + len(CJK.findall(text))
