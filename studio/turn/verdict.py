"""The one verdict on a teacher answer: parse once, check once, and the reply it yields.

Generation, review, import, lint and evaluation all judge an answer through :func:`judge_answer`,
so a given answer gets the same checks wherever it is seen. They differ in one declared way only:

- a **sample** (generation, import, review) keeps its parsed object and is written back as
  canonical JSON at export, so an answer that needed recovering (prose around the JSON, a code
  fence) is noted as a ``format.json`` *warning*;
- an **answer as text** (``strict=True``: an eval run judges what a model said, lint judges what a
  dataset file holds) is the product itself, so the same recovery is a ``format.json`` *error*.

The content checks run on the same recovered object either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.domain import CheckResult, TeacherReply, TurnKind
from studio.domain.contract import CHECK_IDS, Student, TurnCheck, check_turn
from studio.domain.parse import Parsed
from studio.domain.rubric import Scores, compliance, limits
from studio.turn.suggestions import suggestion_checks, texts_for_meaning


def judge_answer(raw: str, kind: TurnKind, student: Student | None, *, strict: bool = False,
                 parsed: Parsed | None = None) -> tuple[TurnCheck, list[CheckResult]]:
    """Checks for an answer: content is checked on the object when it could be read.

    The answer is parsed once (``parsed``: already, by ``parse_answer(raw)``); the content checks of a
    recovered object run on that same object. With ``strict`` the answer's text is what is judged,
    and a recovered object fails ``format.json``.
    """
    check = check_turn(raw, kind, student, parsed=parsed)
    meaning = _meaning_checks(check.parsed.obj, student)
    read = len(check.results)
    check.results.extend(meaning)
    if strict or check.parsed.obj is None or check.parsed.strict:
        return check, check.results
    # the recovered object's checks as an answer of that object alone gets them (check_turn on
    # Parsed(obj=...)): the same checks less the two that judge how it was read
    content = [r for r in check.results[:read] if r.id not in _READING]
    note = CheckResult.of("format.json", "recovered", "warning", problems=list(check.parsed.issues))
    return check, [note, *content, *meaning]


#: The checks of how an answer was read (a code fence, more or less than one JSON object), which
#: check_turn adds from ``Parsed.fenced`` and ``Parsed.issues`` only.
_READING = ("format.fence", "format.json")


def _meaning_checks(obj: dict[str, Any] | None, student: Student | None) -> list[CheckResult]:
    """The checks that need the words' meaning (studio.semantic), on the parsed object."""
    if not obj:
        return []
    return suggestion_checks(*_reply_and_suggestions(obj), student.text if student else None)


def _reply_and_suggestions(obj: dict[str, Any]) -> tuple[str, list[str]]:
    reply = obj["Reply"] if isinstance(obj.get("Reply"), str) else ""
    raw = obj.get("Suggestion")
    return reply, [x for x in raw if isinstance(x, str)] if isinstance(raw, list) else []


def meaning_texts(obj: dict[str, Any] | None) -> list[str]:
    """The texts whose sentence vectors the meaning checks of a parsed answer may ask for: a caller
    judging many answers runs them through the sentence model together first."""
    return texts_for_meaning(*_reply_and_suggestions(obj)) if obj else []


@dataclass
class Verdict:
    """An answer judged as text (eval, lint): what failed, compliance, and the caps on the rest."""

    check: TurnCheck | None
    results: list[CheckResult]
    error: str | None = None  # the call failed, timed out or returned nothing

    @property
    def failed(self) -> list[str]:
        return sorted({r.id for r in self.results if r.severity == "error"})

    @property
    def json_valid(self) -> bool:
        return self.check is not None and self.check.parsed.strict

    @property
    def compliance(self) -> int:
        return 1 if self.error else compliance(self.failed)

    def caps(self, kind: TurnKind) -> Scores:
        if self.error:
            return Scores(compliance=1, reply=1, suggestion=1, analysis=1)
        readable = self.check is not None and self.check.parsed.obj is not None
        return limits(self.failed, opening=kind == TurnKind.OPENING, readable=readable)


def answer_verdict(raw: str, kind: TurnKind, student: Student | None) -> Verdict:
    """The strict verdict on an answer's text; an empty answer is an error, not a pass."""
    if not raw.strip():
        return failed_call("the model returned nothing")
    check, results = judge_answer(raw, kind, student, strict=True)
    return Verdict(check, results)


def failed_call(error: str) -> Verdict:
    """A call that failed, timed out or returned nothing: it fails every check and scores 1."""
    return Verdict(None, [CheckResult.of(i, "no_answer", error=error) for i in CHECK_IDS], error=error)


def reply_of(obj: dict[str, Any] | None, kind: TurnKind) -> TeacherReply | None:
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
