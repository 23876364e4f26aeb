"""Making one student turn and one teacher turn, with fault injection and self-repair."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

from studio.domain import (
    CheckResult,
    Dialogue,
    FaultKind,
    Injection,
    RunConfig,
    StudentTurn,
    TeacherReply,
    TeacherTurn,
    Topic,
    TurnKind,
)
from studio.domain.contract import Student, TurnCheck, check_turn
from studio.domain.inject import inject_grammar, inject_spelling
from studio.domain.layout import format_history
from studio.llm.base import ChatRequest, ChatResult, Delta, Message, Restart
from studio.llm.client import CallContext, LLMClient
from studio.synth.detect import observe
from studio.synth.prompts import Prompts


class TurnFailed(RuntimeError):
    """A turn could not be made (an empty answer, say); the dialogue fails and is topped up."""


@dataclass
class Tally:
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    repairs: int = 0
    errors: dict[str, int] = field(default_factory=dict)


@dataclass
class TurnMaker:
    teacher: LLMClient
    student: LLMClient
    prompts: Prompts
    config: RunConfig
    off_topic_lines: list[str]
    off_topic_bank: frozenset[str]
    tally: Tally = field(default_factory=Tally)
    budget_check: object = None  # Callable[[], None], raises when the budget is spent
    on_text: Callable[[str, str], None] | None = None  # (role, text so far): stream answers as they come

    async def _ask(self, client: LLMClient, prompt: str, ctx: CallContext, variant: str, *, json_mode: bool = False) -> str:
        if self.budget_check:
            self.budget_check()  # type: ignore[operator]
        request = ChatRequest([Message("user", prompt)], json_mode=json_mode, variant=variant,
                              temperature=0.7 if not json_mode else 0.3)
        if self.on_text is None:
            result = await client.chat(request, ctx, use_cache=self.config.use_cache)
        else:
            result = await self._streamed(client, request, ctx)
        self.tally.calls += 1
        self.tally.tokens_in += result.usage.tokens_in
        self.tally.tokens_out += result.usage.tokens_out
        if not result.cached:
            self.tally.cost += client.price.cost(result.usage.tokens_in, result.usage.tokens_out)
        return result.text

    async def _streamed(self, client: LLMClient, request: ChatRequest, ctx: CallContext) -> ChatResult:
        assert self.on_text is not None
        text = ""
        async for event in client.stream(request, ctx, use_cache=self.config.use_cache):
            if isinstance(event, Restart):
                text = ""
            elif isinstance(event, Delta):
                text += event.text
            else:
                return event
            self.on_text(ctx.role, text)
        raise TurnFailed("the stream ended without an answer")

    # -- student --------------------------------------------------------------------------------
    async def student_turn(self, d: Dialogue, topic: Topic, fault: FaultKind, ctx: CallContext, variant: str) -> StudentTurn:
        chat = history_text(d)
        rng = random.Random(f"{self.config.seed}:{variant}")
        injection: Injection | None = None
        off_topic = False

        async def answer(name: str, about: str = topic.text, tag: str = "") -> str:
            text = await self._ask(self.student, self.prompts.render(name, topic=about, chat=chat), ctx, variant + tag)
            return clean_utterance(text)

        if fault == FaultKind.SHORT:
            text = await answer("student_short")
        elif fault == FaultKind.CHINESE and self.config.chinese == "translate":
            english = await answer("student_normal")
            text = clean_utterance(await self._ask(self.student, self.prompts.render("translate_chinese", utterance=english),
                                                   ctx, variant + ":zh"))
            injection = Injection(original=english, method="chinese.translate")
        elif fault == FaultKind.CHINESE:
            text = await answer("student_chinese")
        elif fault == FaultKind.OFF_TOPIC and self.config.off_topic == "llm":
            other = rng.choice([t for t in ("两位同学在讨论最喜欢的电子游戏。", "你在超市里向店员询问牛奶的价格。",
                                            "两位朋友在聊昨晚看的电视节目。") if t != topic.text])
            text = await answer("student_normal", about=other, tag=":off")
            injection, off_topic = Injection(original=text, method="off_topic.other_topic"), True
        elif fault == FaultKind.OFF_TOPIC:
            text = rng.choice(self.off_topic_lines)
            injection = Injection(original=text, method="off_topic.bank")
        else:
            text = await answer("student_normal")
            if fault in (FaultKind.SPELLING, FaultKind.GRAMMAR):
                text, injection = await self._corrupt(text, fault, rng, ctx, variant)
        if not text:
            raise TurnFailed("the student model gave an empty answer")
        seen = observe(text, fault, injection, off_topic_bank=self.off_topic_bank, off_topic=off_topic)
        return StudentTurn(text=text, intended_fault=fault, observed_fault=seen, injection=injection, call_id=None)

    async def _corrupt(self, text: str, fault: FaultKind, rng: random.Random, ctx: CallContext,
                       variant: str) -> tuple[str, Injection]:
        kind = "spelling" if fault == FaultKind.SPELLING else "grammar"
        if self.config.rewrite == "llm":
            out = await self._ask(self.student, self.prompts.render(f"rewrite_{kind}", utterance=text), ctx, variant + ":rw")
            wrong, fixes = read_rewrite(out)
            if wrong and fixes:
                return wrong, Injection(original=text, corrections=fixes, method=f"{kind}.llm")
        wrong, corrections = inject_spelling(text, rng) if kind == "spelling" else inject_grammar(text, rng)
        return wrong, Injection(original=text, corrections=[(c.wrong, c.right) for c in corrections], method=f"{kind}.injector")

    # -- teacher --------------------------------------------------------------------------------
    async def teacher_turn(self, d: Dialogue, topic: Topic, ctx: CallContext, variant: str) -> TeacherTurn:
        opening = not d.turns
        kind = TurnKind.OPENING if opening else TurnKind.REPLY
        if opening:
            prompt = self.prompts.render("teacher_opening", topic=topic.text)
            student = None
        else:
            prompt = self.prompts.render("teacher_reply", topic=topic.text, title=topic_title(topic), chat=history_text(d))
            student = student_before(d, len(d.turns))
            assert student is not None
        best: tuple[str, TurnCheck, list[CheckResult]] | None = None
        attempts = 0
        current = prompt
        for attempt in range(self.config.repairs + 1):
            attempts = attempt + 1
            raw = await self._ask(self.teacher, current, ctx, f"{variant}:{attempt}", json_mode=True)
            check, results = judge_answer(raw, kind, student)
            if best is None or _errors(results) < _errors(best[2]):
                best = (raw, check, results)
            if not _errors(results):
                break
            self.tally.repairs += 1
            problems = "\n".join(f"- {r.id}: {r.message}" for r in results if r.severity == "error")
            current = self.prompts.render("repair", prompt=prompt, answer=raw, problems=problems)
        assert best is not None
        raw, check, results = best
        parsed = reply_of(check.parsed.obj, kind)
        return TeacherTurn(kind=kind, raw=raw, parsed=parsed, checks=results, attempts=attempts,
                           parse_error=None if parsed else "; ".join(check.parsed.problems) or "keys missing")


def student_before(d: Dialogue, index: int) -> Student | None:
    """What the checks know of the student utterance a teacher turn at ``index`` answers."""
    before = d.turns[index - 1] if index else None
    if not isinstance(before, StudentTurn):
        return None
    fault = before.observed_fault or before.intended_fault
    return Student(before.text, fault, corrections=list(before.injection.corrections) if before.injection else [],
                   off_topic=fault == FaultKind.OFF_TOPIC)


def _errors(results: list[CheckResult]) -> int:
    return sum(r.severity == "error" for r in results)


def judge_answer(raw: str, kind: TurnKind, student: Student | None) -> tuple[TurnCheck, list[CheckResult]]:
    """Checks for a sample: content is checked on the canonical JSON when the object could be read,
    and a raw answer that needed recovering is noted as a warning (the export writes canonical JSON)."""
    check = check_turn(raw, kind, student)
    if check.parsed.obj is None or check.parsed.strict:
        return check, check.results
    canonical = orjson.dumps(check.parsed.obj).decode()
    again = check_turn(canonical, kind, student)
    note = CheckResult(id="format.json", severity="warning",
                       message="recovered from a non-strict answer: " + "; ".join(check.parsed.problems))
    return check, [note, *again.results]


def reply_of(obj: dict | None, kind: TurnKind) -> TeacherReply | None:
    if not obj:
        return None
    try:
        reply = TeacherReply.model_validate({k: v for k, v in obj.items() if k in ("Reply", "Suggestion", "Analysis")})
    except ValueError:
        return None
    if kind == TurnKind.OPENING:
        reply.analysis = None
    return reply


def history_text(d: Dialogue) -> str:
    turns = []
    for t in d.turns:
        if isinstance(t, TeacherTurn):
            turns.append(("teacher", t.parsed.reply if t.parsed else t.raw[:300]))
        else:
            turns.append(("student", t.text))
    return format_history(turns)


def topic_title(topic: Topic) -> str:
    head = re.split(r"[，。,；;]", topic.text, maxsplit=1)[0]
    return topic.title or head[:24]


_PREFIX = re.compile(r"^\s*(student|学生|answer|回答)\s*[:：]\s*", re.I)


def clean_utterance(text: str) -> str:
    line = next((ln for ln in text.strip().splitlines() if ln.strip()), "")
    line = _PREFIX.sub("", line).strip()
    if len(line) >= 2 and line[0] in "\"'“" and line[-1] in "\"'”":
        line = line[1:-1].strip()
    return line


def read_rewrite(text: str) -> tuple[str, list[tuple[str, str]]]:
    """``sentence\\n更正：wrong=>right；…`` as the rewrite prompts ask."""
    head, _, tail = text.partition("更正")
    sentence = clean_utterance(head)
    fixes = []
    for part in re.split(r"[；;]", tail.lstrip("：:").strip()):
        if "=>" in part:
            wrong, right = (p.strip() for p in part.split("=>", 1))
            if wrong and right and wrong in sentence:
                fixes.append((wrong, right))
    return sentence, fixes
