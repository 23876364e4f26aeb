"""The one async interface every provider implements."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol

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
    return tokens_for(wide_chars(text), len(text))


#: UTF-16 high bytes of U+3000–U+9FFF; of U+FF00–U+FFFF; low bytes of U+FFF0–U+FFFF (not counted).
_WIDE_HIGH = bytes(range(0x30, 0xA0))
_FULL_HIGH = bytes(b == 0xFF for b in range(256))
_SPECIAL_LOW = bytes(b >= 0xF0 for b in range(256))


def wide_chars(text: str) -> int:
    """The characters of ``text`` in U+3000–U+9FFF (CJK) and U+FF00–U+FFEF (full-width forms): a
    token each in :func:`estimate_tokens`. Counted on the UTF-16 code units' high bytes, in C (an
    export counts 40,000 prompts); U+FFF0–U+FFFF share the full-width forms' high byte and are taken
    off by their low byte."""
    if text.isascii():
        return 0
    units = text.encode("utf-16-le")  # a lone surrogate raises, as any encoding of it does
    high = units[1::2]
    wide = len(high) - len(high.translate(None, _WIDE_HIGH))
    full = high.count(0xFF)
    if full:
        specials = int.from_bytes(high.translate(_FULL_HIGH), "little") & int.from_bytes(
            units[0::2].translate(_SPECIAL_LOW), "little")
        wide += full - specials.bit_count()
    return wide


def tokens_for(wide: int, length: int) -> int:
    """:func:`estimate_tokens` of a text of ``length`` characters, ``wide`` of them CJK (a text made of
    parts counted apart: their sums)."""
    return wide + (length - wide + 3) // 4


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
