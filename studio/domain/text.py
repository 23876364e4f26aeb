"""Text hygiene: control characters never reach a prompt, an export or a terminal.

Topics, student utterances and parsed teacher fields are cleaned when a model is built (a
terminal escape sequence in an imported topic cannot retitle or clear the user's terminal);
raw model output is kept as it came, and shown with its control characters made visible.
"""

from __future__ import annotations

import re
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
