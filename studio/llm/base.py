"""The one async interface every provider implements."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import orjson

from studio.llm.tasks import Task, task_key

Role = Literal["user", "assistant", "system"]


@dataclass(frozen=True)
class Message:
    role: Role
    content: str


@dataclass
class Usage:
    tokens_in: int = 0
    tokens_out: int = 0
    estimated: bool = False


@dataclass
class ChatRequest:
    messages: list[Message]
    system: str | None = None
    json_mode: bool = False
    temperature: float | None = None
    max_tokens: int | None = None
    variant: str | None = None  # e.g. a dialogue id: same prompt, different sample (and cache entry)
    task: Task | None = None  # what the caller asks for (studio.llm.tasks): never sent to a model

    def hash(self, provider_kind: str, model: str, *, with_task: bool = False) -> str:
        """Stable identity of the request, for the response cache and the ledger. The task is part of
        it only ``with_task`` (a provider that answers by the task), so a model's key stays its prompt's."""
        fields = [provider_kind, model, self.system, [(m.role, m.content) for m in self.messages],
                  self.json_mode, self.temperature, self.max_tokens, self.variant]
        if with_task:
            fields.append(task_key(self.task))
        return hashlib.sha256(orjson.dumps(fields)).hexdigest()[:32]

    def estimate_tokens(self) -> int:
        """A tokenizer-free estimate: ~1 token per CJK character, ~1 per 4 other characters."""
        text = (self.system or "") + "".join(m.content for m in self.messages)
        return estimate_tokens(text) + 4 * len(self.messages) + (self.max_tokens or 256)


_WIDE = re.compile("[\u3000-\u9fff\uff00-\uffef]")


def estimate_tokens(text: str) -> int:
    """Tokenizer-free: about one token per CJK character and one per four other characters."""
    if text.isascii():
        return (len(text) + 3) // 4
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)  # a third of a regex scan's time
    cjk = int(np.count_nonzero(((points >= 0x3000) & (points <= 0x9FFF)) | ((points >= 0xFF00) & (points <= 0xFFEF))))
    return cjk + (len(text) - cjk + 3) // 4


@dataclass
class ChatResult:
    text: str
    usage: Usage = field(default_factory=Usage)
    finish_reason: str = "stop"
    latency_s: float = 0.0
    first_token_s: float | None = None
    model: str = ""
    cached: bool = False
    call_id: str | None = None  # the ledger row of the call that produced it (set by LLMClient)


@dataclass
class Delta:
    """A piece of streamed text."""

    text: str


@dataclass
class Restart:
    """A retry began: discard the text streamed so far."""

    reason: str


StreamEvent = Delta | Restart | ChatResult


class Provider(Protocol):
    kind: str
    name: str
    model: str

    async def chat(self, request: ChatRequest) -> ChatResult: ...

    def stream(self, request: ChatRequest) -> AsyncIterator[Delta | ChatResult]: ...

    async def aclose(self) -> None: ...


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.first: float | None = None

    def mark_first(self) -> None:
        if self.first is None:
            self.first = time.perf_counter() - self.start

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start
