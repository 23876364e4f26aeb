"""Check results and fault kinds as the user reads them, in the language the studio speaks.

The domain keeps a check result as its id, a variant and parameters, and a fault kind's label in
English (:mod:`studio.domain.check_messages`, :mod:`studio.domain.faults`); the Samples pane, the
Dashboard, review, ``studio lint`` and the eval report show them through these functions. Model
prompts (the repair prompt, the judge's) and ``--json`` output keep the English ``message``.
"""

from __future__ import annotations

from studio.domain.check_messages import read_parts, render, text_of
from studio.domain.faults import FaultKind
from studio.domain.models import CheckResult
from studio.i18n import _


def check_message(result: CheckResult) -> str:
    """The result's message in the current language (a result kept as text: that text)."""
    return render(result.id, result.variant, result.params, _)


def fault_label(kind: FaultKind | str) -> str:
    """A fault kind's name in the current language; a value that is no kind, as it is."""
    try:
        return _(FaultKind(kind).label)
    except ValueError:
        return str(kind)


def parse_problems(text: str) -> str:
    """A stored parse error (why an answer could not be read, its problems joined with "; ") in
    the current language; a text not made of known problems, as it is."""
    parts = read_parts(text)
    return text if parts is None else text_of(parts, _)


__all__ = ["check_message", "fault_label", "parse_problems"]
