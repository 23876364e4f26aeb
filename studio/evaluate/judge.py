"""Rubric judging by a model profile, capped by what the contract checks allow."""

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
from studio.turn.prompts import Prompts


@dataclass
class Judgement:
    scores: Scores  # the judge's scores capped by the checks (compliance is the checks' own)
    judge: Scores | None = None  # what the judge said, before capping
    reason: str = ""
    error: str | None = None


def judge_prompt(prompts: Prompts, *, topic: str, history: list[tuple[str, str]], answer: str, check: TurnCheck) -> str:
    found = "\n".join(f"- {r.id} ({r.severity}): {r.message}" for r in check.results) or "- 没有发现问题"
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


async def judge_turn(client: LLMClient, prompts: Prompts, *, topic: str, history: list[tuple[str, str]],
                     answer: str, check: TurnCheck, kind: TurnKind, ctx: CallContext | None = None) -> Judgement:
    cap = limits(check.failed_ids, opening=kind == TurnKind.OPENING, readable=check.parsed.obj is not None)
    prompt = judge_prompt(prompts, topic=topic, history=history, answer=answer, check=check)
    try:
        result = await client.chat(ChatRequest([Message("user", prompt)], json_mode=True, temperature=0.1), ctx)
    except LLMError as exc:
        return Judgement(cap, error=str(exc))
    said, reason = read_judgement(result.text)
    if said is None:
        return Judgement(cap, error=reason)
    said.compliance = compliance(check.failed_ids)
    return Judgement(said.capped(cap), judge=said, reason=reason)
