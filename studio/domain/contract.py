"""The teacher contract as precise, explainable checks with stable ids. Pure and fast.

How it reads an answer's words lives in :mod:`studio.domain.answer_text`, how it reads an Analysis in
:mod:`studio.domain.analysis_reading`, and what the teacher owes the student's utterance (the obligations,
``@obligation``) in :mod:`studio.domain.obligations`; their public names are importable from here too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.domain.analysis_reading import _EVALUATIVE, _reading, teacher_talk
from studio.domain.answer_text import (
    _not_english,
    chinese_share,
    similar,
    teacher_voice,
    uncited,
    unquoted,
)
from studio.domain.check_messages import part
from studio.domain.models import CheckResult, TurnKind
from studio.domain.obligations import (
    OBLIGATIONS,
    SAID_CHINESE,
    Obligation,
    Owed,
    Student,
    _err,
    _fault_checks,
    facing,
    obligation,
    owed_corrections,
)
from studio.domain.parse import Parsed, parse_answer
from studio.domain.text import MAX_WORDS, word_count

__all__ = [
    "CHECK_IDS", "KEYS", "OBLIGATIONS", "SAID_CHINESE", "_EVALUATIVE", "Obligation", "Owed", "Student", "TurnCheck",
    "check_turn", "chinese_share", "facing", "obligation", "owed_corrections", "similar", "teacher_talk",
    "teacher_voice", "uncited", "unquoted",
]

CHECK_IDS = (
    "format.json", "format.fence", "format.keys", "reply.words", "reply.english", "suggestion.count",
    "suggestion.words", "suggestion.english", "suggestion.distinct", "suggestion.voice", "analysis.chinese",
    "analysis.target", "fault.language", "fault.off_topic", "fault.uncorrected", "fault.praised_error",
    "suggestion.answers", "suggestion.repeat",  # checked with the words' meaning: studio/turn/suggestions.py
)
KEYS = {TurnKind.OPENING: ("Reply", "Suggestion"), TurnKind.REPLY: ("Reply", "Suggestion", "Analysis")}


@dataclass
class TurnCheck:
    parsed: Parsed
    results: list[CheckResult]

    @property
    def errors(self) -> list[CheckResult]:
        return [r for r in self.results if r.severity == "error"]

    @property
    def failed_ids(self) -> list[str]:
        return sorted({r.id for r in self.results})

    @property
    def error_ids(self) -> list[str]:
        """The checks that failed as errors: what compliance and the caps count (a warning caps nothing)."""
        return sorted({r.id for r in self.errors})

    @property
    def passed(self) -> bool:
        return not self.errors


def _clip(text: str, n: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"



def _format_checks(parsed: Parsed, kind: TurnKind) -> tuple[list[CheckResult], dict[str, Any] | None]:
    results: list[CheckResult] = []
    if parsed.fenced:
        results.append(_err("format.fence", "fenced", "warning"))
    if parsed.issues:
        variant = "not_one_recovered" if parsed.obj is not None else "not_one"
        results.append(_err("format.json", variant, problems=list(parsed.issues)))
    obj = parsed.obj
    if obj is None:
        return results, None
    want = KEYS[kind]
    missing = [k for k in want if k not in obj]
    extra = [k for k in obj if k not in want]
    problems = []
    if missing:
        problems.append(part("keys.missing", keys=", ".join(missing)))
    if extra:
        problems.append(part("keys.unexpected_opening" if "Analysis" in extra else "keys.unexpected",
                             keys=", ".join(extra)))
    if "Reply" in obj and not isinstance(obj["Reply"], str):
        problems.append(part("keys.reply_type"))
    sugg = obj.get("Suggestion")
    if "Suggestion" in obj and not (isinstance(sugg, list) and all(isinstance(s, str) for s in sugg)):
        problems.append(part("keys.suggestion_type"))
    if "Analysis" in obj and not isinstance(obj["Analysis"], str):
        problems.append(part("keys.analysis_type"))
    if problems:
        results.append(_err("format.keys", "keys", problems=problems))
    return results, obj


def _reply_checks(reply: str) -> list[CheckResult]:
    out = []
    n = word_count(reply)
    if not reply.strip():
        out.append(_err("reply.words", "empty"))
    if n > MAX_WORDS:
        out.append(_err("reply.words", "too_long", n=n, most=MAX_WORDS, text=_clip(reply)))
    if _not_english(reply):
        out.append(_err("reply.english", "not_english", text=_clip(reply)))
    return out


def _suggestion_checks(suggestions: list[str]) -> list[CheckResult]:
    out = []
    if len(suggestions) != 3:
        out.append(_err("suggestion.count", "count", n=len(suggestions)))
    for i, s in enumerate(suggestions, 1):
        n = word_count(s)
        if n > MAX_WORDS:
            out.append(_err("suggestion.words", "too_long", i=i, n=n, most=MAX_WORDS, text=_clip(s)))
        if _not_english(s):
            out.append(_err("suggestion.english", "not_english", i=i, text=_clip(s)))
        why = teacher_voice(s)
        if why:
            out.append(_err("suggestion.voice", why, i=i, text=_clip(s)))
    for i in range(len(suggestions)):
        for j in range(i + 1, len(suggestions)):
            if similar(suggestions[i], suggestions[j]) >= 0.85:
                out.append(_err("suggestion.distinct", "same", i=i + 1, j=j + 1, text=_clip(suggestions[i], 40)))
    return out


def _analysis_checks(analysis: str, student: Student | None) -> list[CheckResult]:
    if not analysis.strip():
        return [_err("analysis.chinese", "empty")]
    out = []
    read = _reading(analysis)
    if read.not_chinese:
        out.append(_err("analysis.chinese", "not_chinese", text=_clip(analysis)))
    if read.own:
        out.append(_err("analysis.target", "teacher", text=_clip(read.own, 40)))
    elif student is not None and read.translates:
        out.append(_err("analysis.target", "translates"))
    return out


def check_turn(raw: str, kind: TurnKind = TurnKind.REPLY, student: Student | None = None,
               *, parsed: Parsed | None = None) -> TurnCheck:
    """Run every contract check on one teacher answer. Never raises on any text."""
    parsed = parsed or parse_answer(raw)
    results, obj = _format_checks(parsed, kind)
    if obj is None:
        return TurnCheck(parsed, results)
    reply = obj["Reply"] if isinstance(obj.get("Reply"), str) else ""
    raw_sugg = obj.get("Suggestion")
    suggestions = [s for s in raw_sugg if isinstance(s, str)] if isinstance(raw_sugg, list) else []
    if "Reply" in obj:
        results += _reply_checks(reply)
    if "Suggestion" in obj:
        results += _suggestion_checks(suggestions)
    if kind == TurnKind.REPLY and isinstance(obj.get("Analysis"), str):
        results += _analysis_checks(obj["Analysis"], student)
    if kind == TurnKind.REPLY and student is not None:
        results += _fault_checks(obj, student)
    return TurnCheck(parsed, results)
