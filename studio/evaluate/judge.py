"""Rubric judging by a model profile, capped by what the contract checks allow.

The judge also says whether the student's last utterance left the dialogue's topic
(``student_off_topic``: true or false, null for an opening). That verdict is its own: the
``fault.off_topic`` finding of the offline check is left out of the checks it is shown. A missing or
unreadable verdict is no verdict (``Judgement.student_off_topic`` None, with the reason in
``off_topic_note``), never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from studio.domain import TurnKind
from studio.domain.contract import TurnCheck
from studio.domain.layout import format_history
from studio.domain.parse import parse_answer
from studio.domain.rubric import RUBRIC_TEXT, Scores, compliance, limits
from studio.llm.base import ChatRequest, Message
from studio.llm.client import CallContext, LLMClient
from studio.llm.errors import LLMError
from studio.llm.tasks import JudgeTask
from studio.turn.prompts import Prompts


@dataclass
class Judgement:
    scores: Scores  # the judge's scores capped by the checks (compliance is the checks' own)
    judge: Scores | None = None  # what the judge said, before capping
    reason: str = ""
    error: str | None = None
    student_off_topic: bool | None = None  # the judge's verdict on the student's last utterance (None: none)
    off_topic_note: str = ""  # why there is no verdict (empty when there is one)


def judge_prompt(prompts: Prompts, *, topic: str, history: list[tuple[str, str]], answer: str, check: TurnCheck) -> str:
    # the offline off-topic finding is not shown: the judge decides that on its own
    shown = [r for r in check.results if r.id != "fault.off_topic"]
    found = "\n".join(f"- {r.id} ({r.severity}): {r.message}" for r in shown) or "- 没有发现问题"
    return prompts.render("judge", rubric=RUBRIC_TEXT, topic=topic or "(未知)", chat=format_history(history) or "(无)",
                          answer=answer, checks=found)


def read_judgement(text: str) -> tuple[Scores | None, str]:
    parsed = parse_answer(text)
    obj = parsed.obj or {}
    try:
        scores = Scores(compliance=3, reply=int(obj["reply"]), suggestion=int(obj["suggestion"]),
                        analysis=int(obj["analysis"]))
    except (KeyError, TypeError, ValueError, ValidationError):
        return None, f"the judge's answer has no valid 1–3 scores: {text[:80]!r}"
    return scores, str(obj.get("reason", ""))


def read_off_topic(text: str) -> tuple[bool | None, str]:
    """The judge's ``student_off_topic``: True or False, or None with the reason there is none.

    JSON true/false (or the strings "true"/"false") is a verdict; a missing field, null or
    anything else is none.
    """
    obj = parse_answer(text).obj
    if obj is None:
        return None, "the judge's answer is not a JSON object"
    if "student_off_topic" not in obj:
        return None, "the judge's answer has no student_off_topic"
    value = obj["student_off_topic"]
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        value = value.strip().lower() == "true"
    if isinstance(value, bool):
        return value, ""
    if value is None:
        return None, "the judge said student_off_topic: null (no student turn to judge, it says)"
    return None, f"the judge's student_off_topic is not true or false: {str(value)[:40]!r}"


def _cap(check: TurnCheck, kind: TurnKind) -> Scores:
    """The most each dimension may score given the checks' errors (a warning caps nothing, with a
    judge or without, as :class:`studio.turn.verdict.Verdict` counts them)."""
    return limits(check.error_ids, opening=kind == TurnKind.OPENING, readable=check.parsed.obj is not None)


def capped(said: Scores, check: TurnCheck, kind: TurnKind) -> Scores:
    """The judge's scores capped by what ``check`` allows, with the checks' own compliance."""
    return said.model_copy(update={"compliance": compliance(check.error_ids)}).capped(_cap(check, kind))


async def judge_turn(client: LLMClient, prompts: Prompts, *, topic: str, history: list[tuple[str, str]],
                     answer: str, check: TurnCheck, kind: TurnKind, ctx: CallContext | None = None) -> Judgement:
    """The judge's scores (capped by ``check``) and its off-topic verdict on the student's last
    utterance (none for an opening)."""
    cap = _cap(check, kind)
    prompt = judge_prompt(prompts, topic=topic, history=history, answer=answer, check=check)
    try:
        task = JudgeTask(topic, tuple(history), answer)
        result = await client.chat(ChatRequest([Message("user", prompt)], json_mode=True, temperature=0.1, task=task),
                                   ctx)
    except LLMError as exc:
        return Judgement(cap, error=str(exc), off_topic_note=f"the judge's call failed: {exc}")
    if kind == TurnKind.OPENING:
        off_topic, note = None, "an opening has no student turn"
    else:
        off_topic, note = read_off_topic(result.text)
    said, reason = read_judgement(result.text)
    if said is None:
        return Judgement(cap, error=reason, student_off_topic=off_topic, off_topic_note=note)
    said.compliance = compliance(check.error_ids)
    return Judgement(said.capped(cap), judge=said, reason=reason, student_off_topic=off_topic,
                     off_topic_note=note)
