"""OpenAI-compatible ``/chat/completions`` (OpenAI, DeepSeek, DashScope, vLLM, Ollama, …) and Qianfan v2."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from studio.llm.base import ChatRequest, ChatResult, Delta, Stopwatch, Usage, estimate_tokens
from studio.llm.classify import classify, has_error
from studio.llm.errors import ContentFiltered, LLMError, Transient
from studio.llm.http import (
    chunk,
    make_client,
    parse_json,
    raise_for_error,
    sse_data,
    usage_from,
    wrap_transport,
)


class OpenAIProvider:
    kind = "openai"
    default_base_url = "https://api.openai.com/v1"

    def __init__(self, name: str, model: str, *, base_url: str | None = None, api_key: str | None = None,
                 timeout: float = 60.0, concurrency: int = 8, client: httpx.AsyncClient | None = None) -> None:
        self.name = name
        self.model = model
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self._api_key = api_key
        self.client = client or make_client(timeout, concurrency)

    # -- wire format --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        return headers

    def body(self, request: ChatRequest, stream: bool) -> dict[str, Any]:
        messages = [{"role": "system", "content": request.system}] if request.system else []
        messages += [{"role": m.role, "content": m.content} for m in request.messages]
        body: dict[str, Any] = {"model": self.model, "messages": messages, "stream": stream}
        if request.temperature is not None:
            body["temperature"] = request.temperature
        if request.max_tokens is not None:
            body["max_tokens"] = request.max_tokens
        if request.json_mode:
            body["response_format"] = {"type": "json_object"}
        if stream:
            body["stream_options"] = {"include_usage": True}
        return body

    def _fail(self, body: Any, response: httpx.Response) -> LLMError:
        return classify(response.status_code if response.status_code >= 400 else None, body,
                        response.headers, provider=self.name)

    def _finish(self, reason: str | None, text: str) -> str:
        if reason == "content_filter" and not text.strip():
            raise ContentFiltered("the answer was withheld by the provider's content filter", provider=self.name)
        return reason or "stop"

    def scrub(self, text: str) -> str:
        return text.replace(self._api_key, "***") if self._api_key else text

    # -- calls --------------------------------------------------------------------------------
    async def chat(self, request: ChatRequest) -> ChatResult:
        try:
            return await self._chat(request)
        except LLMError as exc:
            exc.message = self.scrub(exc.message)
            raise

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta | ChatResult]:
        try:
            async for event in self._stream(request):
                yield event
        except LLMError as exc:
            exc.message = self.scrub(exc.message)
            raise

    async def _chat(self, request: ChatRequest) -> ChatResult:
        watch = Stopwatch()
        try:
            response = await self.client.post(self.url, content=orjson.dumps(self.body(request, False)),
                                              headers=self.headers())
        except httpx.HTTPError as exc:
            raise wrap_transport(exc, self.name) from None
        await raise_for_error(response, self.name)
        body = parse_json(response.content)
        if not isinstance(body, dict):
            raise Transient("the response body is not JSON", provider=self.name)
        if has_error(body):
            raise self._fail(body, response)
        try:
            choice = body["choices"][0]
            text = choice["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise Transient("the response has no choices[0].message.content", provider=self.name) from None
        usage = usage_from(body) or Usage(estimate_tokens(str(request.messages)), estimate_tokens(text), True)
        finish = self._finish(choice.get("finish_reason"), text)
        return ChatResult(text=text, usage=usage, finish_reason=finish, latency_s=watch.elapsed,
                          model=body.get("model") or self.model)

    async def _stream(self, request: ChatRequest) -> AsyncIterator[Delta | ChatResult]:
        watch = Stopwatch()
        parts: list[str] = []
        usage: Usage | None = None
        finish: str | None = None
        done = False
        model = self.model
        try:
            async with self.client.stream("POST", self.url, content=orjson.dumps(self.body(request, True)),
                                          headers=self.headers()) as response:
                await raise_for_error(response, self.name)
                async for payload in sse_data(response, self.name):
                    if payload == "[DONE]":
                        done = True
                        break
                    body = chunk(payload, self.name)
                    if has_error(body):
                        raise self._fail(body, response)
                    model = body.get("model") or model
                    usage = usage_from(body) or usage
                    for choice in body.get("choices") or []:
                        piece = (choice.get("delta") or {}).get("content") or ""
                        if piece:
                            watch.mark_first()
                            parts.append(piece)
                            yield Delta(piece)
                        finish = choice.get("finish_reason") or finish
        except httpx.HTTPError as exc:
            raise wrap_transport(exc, self.name) from None
        text = "".join(parts)
        if not done and finish is None:
            raise Transient("the stream ended before it was complete (truncated)", provider=self.name)
        usage = usage or Usage(estimate_tokens(str(request.messages)), estimate_tokens(text), True)
        yield ChatResult(text=text, usage=usage, finish_reason=self._finish(finish, text),
                         latency_s=watch.elapsed, first_token_s=watch.first, model=model)

    async def aclose(self) -> None:
        await self.client.aclose()


class QianfanProvider(OpenAIProvider):
    """Qianfan v2: OpenAI-style body and SSE, bearer API key, optional ``appid`` header."""

    kind = "qianfan"
    default_base_url = "https://qianfan.baidubce.com/v2"

    def __init__(self, *args: Any, appid: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.appid = appid

    def headers(self) -> dict[str, str]:
        headers = super().headers()
        if self.appid:
            headers["appid"] = self.appid
        return headers

    def body(self, request: ChatRequest, stream: bool) -> dict[str, Any]:
        body = super().body(request, stream)
        if "max_tokens" in body:
            body["max_completion_tokens"] = body.pop("max_tokens")
        return body
