"""How the CLI tells what personal data it replaced (an import, an export, a lint's findings)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from studio.domain import pii
from studio.i18n import _

#: Lines named one by one before the rest are only counted.
SHOWN_LINES = 20


def kinds_text(kinds: Counter[str]) -> str:
    """``2 × personal name, 1 × phone number`` in the user's language, in the detectors' order."""
    return ", ".join(f"{kinds[k]} × {_(pii.label(k))}" for k in pii.kinds() if kinds.get(k))


def report_lines(tally: pii.Tally, path: Path | None = None) -> list[str]:
    """The summary of what was replaced, then ``FILE:LINE: kinds`` for the first lines it was in."""
    if not tally:
        return []
    out = [_("personal data replaced by placeholders: {kinds}").format(kinds=kinds_text(tally.by_kind))]
    lines = sorted(tally.lines.items())
    for line, kinds in lines[:SHOWN_LINES]:
        out.append(f"  {path}:{line}: {kinds_text(kinds)}" if path is not None else f"  {line}: {kinds_text(kinds)}")
    if len(lines) > SHOWN_LINES:
        out.append("  " + _("… and {n} more lines").format(n=len(lines) - SHOWN_LINES))
    return out
