"""The built-in offline provider: a seeded, rule-based simulator of teacher and student.

It is not a language model and says so everywhere it appears. It needs no key and no network,
so the studio works out of the box and tests are deterministic.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
from collections.abc import AsyncIterator
from pathlib import Path

from studio.config import ProviderProfile, Secrets
from studio.domain.layout import read_prompt, sections
from studio.llm.base import ChatRequest, ChatResult, Delta, Stopwatch, Usage, estimate_tokens
from studio.llm.kinds import ProviderKind, register
from studio.llm.offline.banks import load_banks, off_topic_lines
from studio.llm.offline.student import expand_topics, rewrite, student_turn, title_topics
from studio.llm.offline.teacher import SLIPS, judge, teacher_turn

LABEL = "offline simulator (rule-based, not a model)"
_TOPIC_NAME = re.compile(r"我们现在讨论的是关于(.{1,40}?)的内容")


def default_error_rate() -> float:
    """The offline teacher's slip rate when a profile sets none (``data/offline.toml`` [errors])."""
    return float(load_banks().errors.get("default_rate", 0.0))  # type: ignore[arg-type]


def _topic_name(prompt: str) -> str | None:
    """The topic's Chinese name as the prompt's rule 5 gives it (a template placeholder is not a name)."""
    m = _TOPIC_NAME.search(prompt)
    return m.group(1) if m and "[" not in m.group(1) and "{" not in m.group(1) else None


@register
class OfflineProvider(ProviderKind):
    kind = "offline"
    options = frozenset({"latency", "error_rate"})
    summary = LABEL

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
        prompt = request.messages[-1].content if request.messages else ""
        rng = self._rng(request)
        parts = sections(prompt)
        if "需要修正的问题" in parts:  # repair: usually answers the embedded teacher prompt properly
            prompt = prompt.split("[上次回答]", 1)[0]
            miss = float(self.banks.errors.get("repair_miss", 0.0))  # type: ignore[arg-type]
            slip = rng.choice(SLIPS) if self.error_rate and rng.random() < miss else None
            return teacher_turn(read_prompt(prompt), self.banks, rng, topic_name=_topic_name(prompt), slip=slip)
        if "评分任务" in parts:
            return judge(parts)
        if "改写任务" in parts:
            return rewrite(parts["改写任务"].splitlines()[0], parts.get("原句", ""), self.banks, rng)
        if "示例话题" in parts:
            return expand_topics(prompt, self.banks, rng)
        if "待命名话题" in parts:
            return title_topics(parts["待命名话题"], self.banks)
        if "学生角色" in parts:
            level = parts.get("学生水平", "高中").splitlines()[0] if parts.get("学生水平") else "高中"
            language = parts.get("回答语言", "英语").splitlines()[0] if parts.get("回答语言") else "英语"
            return student_turn(read_prompt(prompt), level, language, self.banks, rng)
        if "主题介绍" in parts:
            slip = rng.choice(SLIPS) if self.error_rate and rng.random() < self.error_rate else None
            return teacher_turn(read_prompt(prompt), self.banks, rng, topic_name=_topic_name(prompt), slip=slip)
        return f"Hello! This is the {LABEL}. It answers the studio's own prompts."

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
