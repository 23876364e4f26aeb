"""Making one student turn and one teacher turn, with fault injection and self-repair."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import random
import re
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from studio.domain import (
    CheckResult,
    Dialogue,
    FaultKind,
    Injection,
    RunConfig,
    StudentTurn,
    TeacherTurn,
    Topic,
)
from studio.domain.contract import TurnCheck
from studio.domain.faults import FaultSpec, spec_of
from studio.domain.parse import parse_answer
from studio.llm.base import ChatRequest, ChatResult, Message
from studio.llm.client import CallContext, LLMClient
from studio.llm.collect import StreamEnded, collect
from studio.llm.offline import OfflineProvider
from studio.llm.tasks import RewriteTask, StudentTask, Task, TeacherTask
from studio.synth.detect import observe
from studio.synth.judging import STUDENTS
from studio.turn.context import (
    context_at,
    history_of,
    history_text,
    render_repair_prompt,
    render_teacher_prompt,
    topic_title,
)
from studio.turn.meaning import vectors_first
from studio.turn.prompts import Prompts
from studio.turn.verdict import judge_answer, meaning_texts, reply_of


class TurnFailed(RuntimeError):
    """A turn could not be made (an empty answer, say); the dialogue fails and is topped up."""


@dataclass
class Tally:
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    repairs: int = 0  # repair requests made (each one a ledger row marked "repair")
    errors: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of_run(cls, records: Iterable[dict[str, Any]], run_id: str) -> Tally:
        """What the ledger already holds for ``run_id`` (a resumed run goes on counting from there, so its
        panel and ``studio calls --run`` show the same calls and repairs)."""
        tally = cls()
        for r in records:
            if r.get("run_id") != run_id:
                continue
            tally.repairs += r.get("purpose") == "repair"  # sent, whatever came back (as counted live)
            if r.get("outcome") not in ("ok", "cached"):
                continue
            tally.calls += 1
            tally.tokens_in += int(r.get("tokens_in") or 0)
            tally.tokens_out += int(r.get("tokens_out") or 0)
            tally.cost += float(r.get("cost") or 0.0) if r.get("outcome") != "cached" else 0.0
        return tally


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
    _verdicts: dict[str, Future[FaultKind]] = field(default_factory=dict, repr=False)  # pending, by dialogue id

    async def _ask(self, client: LLMClient, prompt: str, ctx: CallContext, variant: str, *, task: Task,
                   json_mode: bool = False, purpose: str = "student") -> ChatResult:
        """One call for ``task``, marked in the ledger with ``purpose``; the result carries its ledger id (``call_id``)."""
        if self.budget_check:
            self.budget_check()  # type: ignore[operator]
        ctx = dataclasses.replace(ctx, purpose=purpose)
        request = ChatRequest([Message("user", prompt)], json_mode=json_mode, variant=variant,
                              temperature=0.7 if not json_mode else 0.3, task=task)
        if self.on_text is None:
            result = await client.chat(request, ctx, use_cache=self.config.use_cache)
        else:
            result = await self._streamed(client, request, ctx)
        self.tally.calls += 1
        self.tally.tokens_in += result.usage.tokens_in
        self.tally.tokens_out += result.usage.tokens_out
        if not result.cached:
            self.tally.cost += client.price.cost(result.usage.tokens_in, result.usage.tokens_out)
        return result

    async def _streamed(self, client: LLMClient, request: ChatRequest, ctx: CallContext) -> ChatResult:
        assert self.on_text is not None
        on_text = self.on_text
        try:
            return await collect(client, request, ctx, use_cache=self.config.use_cache,
                                 on_text=lambda text: on_text(ctx.role, text))
        except StreamEnded as exc:
            raise TurnFailed(str(exc)) from None

    # -- student --------------------------------------------------------------------------------
    async def student_turn(self, d: Dialogue, topic: Topic, fault: FaultKind, ctx: CallContext, variant: str) -> StudentTurn:
        """A student turn of kind ``fault``, made the way its spec says (:attr:`FaultSpec.made`)."""
        spec = spec_of(fault)
        making = _Making(topic, history_text(d), ctx, variant, random.Random(f"{self.config.seed}:{variant}"),
                         history=tuple(history_of(d.turns)))
        text = await _WAYS[spec.made_by(self.config)](self, spec, making)
        if not text:
            raise TurnFailed("the student model gave an empty answer")
        injection, off_topic, call_id = making.injection, making.off_topic, making.call_id
        if self.student.provider.kind == OfflineProvider.kind:
            # the simulator's answers are made on the topic (tests/bench/checks_bench.py: 0 of 206 flagged)
            seen = observe(text, fault, injection, off_topic_bank=self.off_topic_bank, off_topic=off_topic)
            return StudentTurn(text=text, intended_fault=fault, observed_fault=seen, injection=injection,
                               call_id=call_id)
        # A model's answer may wander: it is judged against the dialogue on the judge's workers while the
        # teacher is asked for the next turn (whose prompt does not depend on it); until then the turn
        # holds what its words show without the topic, and says its verdict is pending.
        turn = StudentTurn(text=text, intended_fault=fault, injection=injection, call_id=call_id, topic_pending=True,
                           observed_fault=observe(text, fault, injection, off_topic_bank=self.off_topic_bank,
                                                  off_topic=off_topic))
        self._verdicts[d.id] = self._submit(d, topic, turn)
        return turn

    async def _answer(self, m: _Making, prompt: str, about: str | None = None, tag: str = "") -> str:
        """The student model's answer to ``prompt`` (about the dialogue's topic, or ``about``)."""
        topic = m.topic.text if about is None else about
        rendered = self.prompts.render(prompt, topic=topic, chat=m.chat)
        task = StudentTask(topic, m.history, style=prompt.removeprefix("student_"))
        result = await self._ask(self.student, rendered, m.ctx, m.variant + tag, task=task)
        m.call_id = result.call_id
        return clean_utterance(result.text)

    async def _by_answer(self, spec: FaultSpec, m: _Making) -> str:
        return await self._answer(m, spec.prompt)

    async def _by_translation(self, spec: FaultSpec, m: _Making) -> str:
        english = await self._answer(m, "student_normal")
        translated = await self._ask(self.student, self.prompts.render("translate_chinese", utterance=english),
                                     m.ctx, m.variant + ":zh", task=RewriteTask("chinese", english), purpose="translate")
        m.call_id, m.injection = translated.call_id, Injection(original=english, method=f"{spec.kind}.translate")
        return clean_utterance(translated.text)

    async def _about_other_topic(self, spec: FaultSpec, m: _Making) -> str:
        other = m.rng.choice([t for t in ("两位同学在讨论最喜欢的电子游戏。", "你在超市里向店员询问牛奶的价格。",
                                          "两位朋友在聊昨晚看的电视节目。") if t != m.topic.text])
        text = await self._answer(m, "student_normal", about=other, tag=":off")
        m.injection, m.off_topic = Injection(original=text, method=f"{spec.kind}.other_topic"), True
        return text

    async def _from_bank(self, spec: FaultSpec, m: _Making) -> str:
        text = m.rng.choice(self.off_topic_lines)
        m.injection = Injection(original=text, method=f"{spec.kind}.bank")
        return text

    async def _by_rewrite(self, spec: FaultSpec, m: _Making) -> str:
        """A normal answer made wrong: by the spec's injector, or with ``--rewrite llm`` by the student
        model following the kind's rewrite prompt (the injector when its answer records no correction)."""
        text = await self._answer(m, "student_normal")
        if self.config.rewrite == "llm":
            out = await self._ask(self.student, self.prompts.render(f"rewrite_{spec.kind}", utterance=text), m.ctx,
                                  m.variant + ":rw", task=RewriteTask(spec.kind.value, text), purpose="rewrite")
            wrong, fixes = read_rewrite(out.text)
            if wrong and fixes:
                m.injection, m.call_id = Injection(original=text, corrections=fixes, method=f"{spec.kind}.llm"), out.call_id
                return wrong
        wrong, corrections = spec.inject(text, m.rng)
        m.injection = Injection(original=text, corrections=[(c.wrong, c.right) for c in corrections],
                                method=f"{spec.kind}.injector")
        return wrong

    def _submit(self, d: Dialogue, topic: Topic, turn: StudentTurn) -> Future[FaultKind]:
        """``turn``'s verdict against the dialogue before it, judged on the judge's workers (an answer
        asked about another topic is off topic whatever its words)."""
        before = d.turns[:-1] if d.turns and d.turns[-1] is turn else d.turns
        title, history = topic_title(topic), history_of(before)
        off_topic = turn.injection is not None and turn.injection.method == "off_topic.other_topic"
        judge = functools.partial(observe, turn.text, turn.intended_fault, turn.injection,
                                  off_topic_bank=self.off_topic_bank, off_topic=off_topic, topic=topic.text,
                                  title=title, history=history)
        return STUDENTS.submit(judge, turn.text, topic=topic.text, title=title, history=history)

    async def settle(self, d: Dialogue, topic: Topic) -> None:
        """The last student turn's pending verdict, waited for and recorded (judged now when the run
        was stopped before it came: a resumed dialogue)."""
        future = self._verdicts.pop(d.id, None)
        last = d.turns[-1] if d.turns else None
        if not isinstance(last, StudentTurn) or not last.topic_pending:
            return
        last.observed_fault = await asyncio.wrap_future(future or self._submit(d, topic, last))
        last.topic_pending = False

    async def _while_settling(self, ask: Awaitable[ChatResult], d: Dialogue, topic: Topic) -> ChatResult:
        """``ask``'s result, the pending student verdict recorded meanwhile; a failed verdict cancels the call."""
        call = asyncio.ensure_future(ask)
        try:
            await self.settle(d, topic)
        except BaseException:
            call.cancel()
            raise
        return await call

    # -- teacher --------------------------------------------------------------------------------
    async def teacher_turn(self, d: Dialogue, topic: Topic, ctx: CallContext, variant: str) -> TeacherTurn:
        turn = context_at(d, topic, len(d.turns))
        prompt = render_teacher_prompt(self.prompts, turn)
        task = TeacherTask.of(turn)
        best: tuple[str, TurnCheck, list[CheckResult], str | None] | None = None
        call_ids: list[str | None] = []
        attempts = 0
        current = prompt
        for attempt in range(self.config.repairs + 1):
            attempts = attempt + 1
            if attempt:
                self.tally.repairs += 1  # counted as it is sent, so the count matches the ledger's "repair" rows
            ask = self._ask(self.teacher, current, ctx, f"{variant}:{attempt}", json_mode=True,
                            task=dataclasses.replace(task, repair=bool(attempt)),
                            purpose="repair" if attempt else "first answer")
            if attempt:
                result = await ask
            else:  # the student's verdict is awaited while the teacher answers; the checks need it
                result = await self._while_settling(ask, d, topic)
                turn = context_at(d, topic, len(d.turns))
            call_ids.append(result.call_id)
            raw = result.text
            read = parse_answer(raw)
            if asks := meaning_texts(read.obj):  # the sentence model's part of the checks, off the event loop
                await asyncio.to_thread(vectors_first, [asks])
            check, results = judge_answer(raw, turn.kind, turn.student, parsed=read)
            if best is None or _errors(results) < _errors(best[2]):
                best = (raw, check, results, result.call_id)
            if not _errors(results):
                break
            current = render_repair_prompt(self.prompts, prompt, raw, results)
        assert best is not None
        raw, check, results, kept = best
        parsed = reply_of(check.parsed.obj, turn.kind)
        others = [c for c in call_ids if c is not None and c != kept]
        return TeacherTurn(kind=turn.kind, raw=raw, parsed=parsed, checks=results, attempts=attempts,
                           call_id=kept, repair_call_ids=others,
                           parse_error=None if parsed else "; ".join(check.parsed.problems) or "keys missing")


@dataclass
class _Making:
    """One student turn in the making: what it is asked from, and what the way of making it records."""

    topic: Topic
    chat: str
    ctx: CallContext
    variant: str
    rng: random.Random
    call_id: str | None = None  # the call whose answer became the student's utterance
    injection: Injection | None = None
    off_topic: bool = False  # asked about another topic: off topic whatever its words
    history: tuple[tuple[str, str], ...] = ()  # the dialogue so far, as (teacher|student, text)


#: The ways a student turn is made, by the name a fault kind's spec gives (:meth:`FaultSpec.made_by`).
_WAYS: dict[str, Callable[[TurnMaker, FaultSpec, _Making], Awaitable[str]]] = {
    "answer": TurnMaker._by_answer, "translate": TurnMaker._by_translation, "other_topic": TurnMaker._about_other_topic,
    "bank": TurnMaker._from_bank, "rewrite": TurnMaker._by_rewrite,
}


def _errors(results: list[CheckResult]) -> int:
    return sum(r.severity == "error" for r in results)


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
