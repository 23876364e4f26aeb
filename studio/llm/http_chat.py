"""The chat call and the server-sent-event stream every HTTP provider shares, with small hooks.

A kind whose wire differs overrides a hook, not the call: ``url``/``headers``/``query``/``body``
(the request), ``answer_body`` and ``read_answer`` (a whole answer), ``open_stream`` and
``read_chunk`` (one streamed event: its text, usage, finish reason, whether it is the last),
``check_body`` (an error inside a 200 body) and ``finish_reason`` (the provider's reason as the
studio names it).

Every body is read under the profile's byte caps (``max_body_bytes``, ``max_line_bytes``), so no
server can make the studio hold more than that. Every secret a provider sends or is given (its key,
an access token) is registered with the one redactor (``studio.config.register_secret``) before any
text could carry it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import orjson

from studio.config import register_secret, scrub_secrets
from studio.llm.base import ChatRequest, ChatResult, Delta, Stopwatch, Usage, estimate_tokens
from studio.llm.classify import classify, has_error
from studio.llm.errors import ContentFiltered, LLMError, Transient
from studio.llm.http import (
    MAX_BODY_BYTES,
    MAX_LINE_BYTES,
    chunk,
    make_client,
    parse_json,
    raise_for_error,
    read_body,
    sse_data,
    wrap_transport,
)
from studio.llm.kinds import ProviderKind


@dataclass
class Piece:
    """What one answer body or streamed event says."""

    text: str = ""
    usage: Usage | None = None
    finish: str | None = None  # the provider's finish reason, when this event gives one
    model: str | None = None
    last: bool = False  # the stream's final event: nothing after it is read


class HTTPChatProvider(ProviderKind):
    default_base_url: ClassVar[str] = ""
    #: Said when a stream stops before its end (no ``[DONE]``, no finish reason, no final event).
    truncated_message: ClassVar[str] = "the stream ended before it was complete (truncated)"
    sends_text_out = True

    def __init__(self, name: str, model: str, *, base_url: str | None = None, api_key: str | None = None,
                 timeout: float = 60.0, concurrency: int = 8, client: httpx.AsyncClient | None = None,
                 max_body_bytes: int = MAX_BODY_BYTES, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self.name = name
        self.model = model
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self._api_key = register_secret(api_key)
        self.max_body_bytes = max_body_bytes
        self.max_line_bytes = max_line_bytes
        self.client = client or make_client(timeout, concurrency)
        #: Called before a request the provider sends on its own (a token refresh, a second try with
        #: a new token): the client counts it against the run's call cap. None: not counted.
        self.extra_request: Callable[[], Awaitable[None]] | None = None

    # -- hooks: the request -------------------------------------------------------------------
    def url(self) -> str:
        raise NotImplementedError

    def headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json"}

    async def query(self, refresh: bool = False) -> dict[str, str]:
        """Query parameters of a call (an access token, say); ``refresh``: get a new one."""
        return {}

    def body(self, request: ChatRequest, stream: bool) -> dict[str, Any]:
        raise NotImplementedError

    # -- hooks: the answer --------------------------------------------------------------------
    def check_body(self, body: Any, response: httpx.Response) -> None:
        """Raise the taxonomy error an error body stands for (some come with HTTP 200)."""
        if has_error(body):
            raise classify(response.status_code if response.status_code >= 400 else None, body,
                           response.headers, provider=self.name)

    async def answer_body(self, response: httpx.Response, raw: bytes) -> dict[str, Any]:
        """A whole answer's body (``raw``, read under the byte cap), any error in it raised."""
        await raise_for_error(response, self.name, raw)
        body = parse_json(raw)
        if not isinstance(body, dict):
            raise Transient("the response body is not JSON", provider=self.name)
        self.check_body(body, response)
        return body

    def read_answer(self, body: dict[str, Any]) -> Piece:
        raise NotImplementedError

    async def open_stream(self, response: httpx.Response) -> None:
        """Before the events are read: raise for a response that is no stream."""
        await raise_for_error(response, self.name, limit=self.max_body_bytes)

    def read_chunk(self, body: dict[str, Any]) -> Piece:
        raise NotImplementedError

    def finish_reason(self, reason: str | None, text: str) -> str:
        if reason == "content_filter" and not text.strip():
            raise ContentFiltered("the answer was withheld by the provider's content filter", provider=self.name)
        return reason or "stop"

    def scrub(self, text: str) -> str:
        return scrub_secrets(text)

    async def read(self, response: httpx.Response) -> bytes:
        """A response's whole body under ``max_body_bytes``."""
        return await read_body(response, self.name, self.max_body_bytes)

    # -- calls --------------------------------------------------------------------------------
    async def chat(self, request: ChatRequest) -> ChatResult:
        try:
            return await self.chat_once(request)
        except LLMError as exc:
            exc.message = self.scrub(exc.message)
            raise

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta | ChatResult]:
        try:
            async for event in self.stream_once(request):
                yield event
        except LLMError as exc:
            exc.message = self.scrub(exc.message)
            raise

    def _estimated(self, request: ChatRequest, text: str) -> Usage:
        return Usage(estimate_tokens(str(request.messages)), estimate_tokens(text), True)

    async def chat_once(self, request: ChatRequest, refresh: bool = False) -> ChatResult:
        watch = Stopwatch()
        try:
            async with self.client.stream("POST", self.url(), params=await self.query(refresh),
                                          content=orjson.dumps(self.body(request, False)),
                                          headers=self.headers()) as response:
                raw = await self.read(response)
        except httpx.HTTPError as exc:
            raise wrap_transport(exc, self.name) from None
        answer = self.read_answer(await self.answer_body(response, raw))
        return ChatResult(text=answer.text, usage=answer.usage or self._estimated(request, answer.text),
                          finish_reason=self.finish_reason(answer.finish, answer.text), latency_s=watch.elapsed,
                          model=answer.model or self.model)

    async def stream_once(self, request: ChatRequest, refresh: bool = False) -> AsyncIterator[Delta | ChatResult]:
        watch = Stopwatch()
        parts: list[str] = []
        usage: Usage | None = None
        finish: str | None = None
        complete = False
        model = self.model
        try:
            async with self.client.stream("POST", self.url(), params=await self.query(refresh),
                                          content=orjson.dumps(self.body(request, True)),
                                          headers=self.headers()) as response:
                await self.open_stream(response)
                async for payload in sse_data(response, self.name, max_body=self.max_body_bytes,
                                              max_line=self.max_line_bytes):
                    if payload == "[DONE]":
                        complete = True
                        break
                    body = chunk(payload, self.name)
                    self.check_body(body, response)
                    piece = self.read_chunk(body)
                    model = piece.model or model
                    usage = piece.usage or usage
                    finish = piece.finish or finish
                    if piece.text:
                        watch.mark_first()
                        parts.append(piece.text)
                        yield Delta(piece.text)
                    if piece.last:
                        complete = True
                        break
        except httpx.HTTPError as exc:
            raise wrap_transport(exc, self.name) from None
        text = "".join(parts)
        if not complete and finish is None:
            cut = Transient(self.truncated_message, provider=self.name)
            cut.billed = True  # the server wrote part of an answer
            raise cut
        yield ChatResult(text=text, usage=usage or self._estimated(request, text),
                         finish_reason=self.finish_reason(finish, text), latency_s=watch.elapsed,
                         first_token_s=watch.first, model=model)

    async def aclose(self) -> None:
        await self.client.aclose()
