"""The built-in offline provider: a seeded, rule-based simulator of teacher and student.

It is not a language model and says so everywhere it appears. It needs no key and no network,
so the studio works out of the box and tests are deterministic.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, ClassVar

from studio.config import ProviderProfile, Secrets
from studio.domain.faults import SPECS
from studio.domain.layout import PromptView, format_history
from studio.domain.messages import N_
from studio.llm.base import ChatRequest, ChatResult, Delta, Stopwatch, Usage, estimate_tokens
from studio.llm.errors import BadRequest
from studio.llm.kinds import ProviderKind, register
from studio.llm.offline.banks import load_banks, off_topic_lines
from studio.llm.offline.headings import not_recognised, task_from_prompt
from studio.llm.offline.student import expand_topics, rewrite, student_turn, title_topics
from studio.llm.offline.teacher import SLIPS, judge, teacher_turn
from studio.llm.tasks import (
    ExpandTask,
    JudgeTask,
    RewriteTask,
    StudentTask,
    Task,
    TeacherTask,
    TitleTask,
)

LABEL = N_("offline simulator (rule-based, not a model)")
#: A student style (``StudentTask.style``) as the student prompts' [学生水平] and [回答语言] say it.
STUDENT_STYLES = {"normal": ("高中", "英语"), "short": ("小学", "英语"), "chinese": ("高中", "中文")}
#: ``RewriteTask.how`` for a translation into Chinese; any other names a fault kind made by rewriting.
TRANSLATION = "chinese"


def default_error_rate() -> float:
    """The offline teacher's slip rate when a profile sets none (``data/offline.toml`` [errors])."""
    return float(load_banks().errors.get("default_rate", 0.0))  # type: ignore[arg-type]


@register
class OfflineProvider(ProviderKind):
    kind = "offline"
    options = frozenset({"latency", "error_rate"})
    summary = LABEL
    reads_task = True

    @classmethod
    def from_profile(cls, name: str, profile: ProviderProfile, secrets: Secrets, *, seed: int = 0,
                     workspace: Path | None = None) -> OfflineProvider:
        rate = profile.error_rate if profile.error_rate is not None else default_error_rate()
        return cls(name, profile.model or "offline-simulator", seed=seed, latency=profile.latency, error_rate=rate,
                   off_topic=off_topic_lines(workspace))

    def __init__(self, name: str = "offline", model: str = "offline-simulator", *, seed: int = 0,
                 latency: float = 0.0, chunk_chars: int = 12, error_rate: float = 0.0,
                 off_topic: list[str] | tuple[str, ...] = ()) -> None:
        """``error_rate``: the share of first teacher answers that carry one contract slip (as real
        models make, so repairs and the review queue have work); ``off_topic``: the workspace's own
        off-topic utterances, recognised beside the shipped ones."""
        self.name = name
        self.model = model or "offline-simulator"
        self.seed = seed
        self.latency = latency
        self.chunk_chars = chunk_chars
        if not 0.0 <= error_rate <= 1.0:
            raise ValueError(f"offline error_rate must be between 0 and 1, not {error_rate}")
        self.error_rate = error_rate
        self.banks = load_banks(tuple(off_topic))

    def _rng(self, request: ChatRequest) -> random.Random:
        key = f"{self.seed}\0{request.variant}\0{request.system}\0" + "\0".join(m.content for m in request.messages)
        return random.Random(int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big"))

    def respond(self, request: ChatRequest) -> str:
        """The answer to the request's task (the caller says which, with its context); a request with no
        task falls back on the prompt's headings (:mod:`studio.llm.offline.headings`)."""
        task: Task | None = request.task
        if task is None:
            prompt = request.messages[-1].content if request.messages else ""
            task = task_from_prompt(prompt)
            if task is None:
                return f"Hello! This is the {LABEL}. It answers the studio's own requests; {not_recognised(prompt)}."
        return self._answers[type(task)](self, task, self._rng(request))

    def _teacher(self, task: TeacherTask, rng: random.Random) -> str:
        # a repair usually answers properly; a first answer slips at error_rate
        rate = float(self.banks.errors.get("repair_miss", 0.0)) if task.repair else self.error_rate  # type: ignore[arg-type]
        slip = rng.choice(SLIPS) if self.error_rate and rng.random() < rate else None
        view = PromptView(task.topic, list(task.history), task.opening)
        return teacher_turn(view, self.banks, rng, topic_name=task.topic_name or None, slip=slip)

    def _student(self, task: StudentTask, rng: random.Random) -> str:
        if task.style not in STUDENT_STYLES:
            raise BadRequest(f"the offline simulator has no student style '{task.style}' "
                             f"(known: {', '.join(STUDENT_STYLES)})", provider=self.name)
        level, language = STUDENT_STYLES[task.style]
        return student_turn(PromptView(task.topic, list(task.history)), level, language, self.banks, rng)

    def _rewrite(self, task: RewriteTask, rng: random.Random) -> str:
        if task.how == TRANSLATION:
            return rewrite("翻译成中文", task.sentence, self.banks, rng)
        spec = SPECS.get(task.how)  # type: ignore[call-overload]
        if spec is None or not spec.rewrite_task:
            known = [TRANSLATION, *(k.value for k, s in SPECS.items() if s.rewrite_task)]
            raise BadRequest(f"the offline simulator has no rewrite '{task.how}' (known: {', '.join(known)})",
                             provider=self.name)
        return rewrite(spec.rewrite_task, task.sentence, self.banks, rng)

    def _judge(self, task: JudgeTask, rng: random.Random) -> str:
        return judge({"对话历史": format_history(list(task.history)), "老师的回答": task.answer})

    def _expand(self, task: ExpandTask, rng: random.Random) -> str:
        return expand_topics(task.n, task.examples, task.titled, self.banks, rng)

    def _title(self, task: TitleTask, rng: random.Random) -> str:
        return title_topics("\n".join(f"{i}. {t}" for i, t in enumerate(task.topics, 1)), self.banks)

    _answers: ClassVar[dict[type, Callable[[OfflineProvider, Any, random.Random], str]]] = {
        TeacherTask: _teacher, StudentTask: _student, RewriteTask: _rewrite, JudgeTask: _judge, ExpandTask: _expand,
        TitleTask: _title,
    }

    def _usage(self, request: ChatRequest, text: str) -> Usage:
        prompt = (request.system or "") + "".join(m.content for m in request.messages)
        return Usage(estimate_tokens(prompt), estimate_tokens(text), estimated=True)

    async def chat(self, request: ChatRequest) -> ChatResult:
        watch = Stopwatch()
        text = self.respond(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        return ChatResult(text=text, usage=self._usage(request, text), latency_s=watch.elapsed, model=self.model)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta | ChatResult]:
        watch = Stopwatch()
        text = self.respond(request)
        pieces = [text[i : i + self.chunk_chars] for i in range(0, len(text), self.chunk_chars)] or [""]
        for piece in pieces:
            if self.latency:
                await asyncio.sleep(self.latency / len(pieces))
            else:
                await asyncio.sleep(0)
            watch.mark_first()
            yield Delta(piece)
        yield ChatResult(text=text, usage=self._usage(request, text), latency_s=watch.elapsed,
                         first_token_s=watch.first, model=self.model)

    async def aclose(self) -> None:
        return None
