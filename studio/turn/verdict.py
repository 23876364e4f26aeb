"""The one verdict on a teacher answer: parse once, check once, and the reply it yields.

Generation, review, import, lint and evaluation all judge an answer through :func:`judge_answer`,
so a given answer gets the same checks wherever it is seen.
"""

from __future__ import annotations

from studio.domain import CheckResult, TeacherReply, TurnKind
from studio.domain.contract import Student, TurnCheck, check_turn
from studio.domain.parse import Parsed


def judge_answer(raw: str, kind: TurnKind, student: Student | None) -> tuple[TurnCheck, list[CheckResult]]:
    """Checks for a sample: content is checked on the object when it could be read, and a raw
    answer that needed recovering is noted as a warning (the export writes canonical JSON).

    The answer is parsed once; the content checks of a recovered object run on that same object.
    """
    check = check_turn(raw, kind, student)
    if check.parsed.obj is None or check.parsed.strict:
        return check, check.results
    again = check_turn(raw, kind, student, parsed=Parsed(obj=check.parsed.obj))
    note = CheckResult(id="format.json", severity="warning",
                       message="recovered from a non-strict answer: " + "; ".join(check.parsed.problems))
    return check, [note, *again.results]


def reply_of(obj: dict | None, kind: TurnKind) -> TeacherReply | None:
    """The contract's shape of a parsed object, or None when it does not have it."""
    if not obj:
        return None
    try:
        reply = TeacherReply.model_validate({k: v for k, v in obj.items() if k in ("Reply", "Suggestion", "Analysis")})
    except ValueError:
        return None
    if kind == TurnKind.OPENING:
        reply.analysis = None
    return reply
