"""Qianfan v1 (the legacy ERNIE ``wenxinworkshop`` flow): OAuth token, per-model endpoints."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from studio.llm.base import ChatRequest, ChatResult, Delta, Stopwatch, Usage, estimate_tokens
from studio.llm.classify import TOKEN_EXPIRED_CODES, classify, error_fields, has_error
from studio.llm.errors import AuthError, ContentFiltered, LLMError, Transient
from studio.llm.http import (
    chunk,
    make_client,
    parse_json,
    raise_for_error,
    sse_data,
    usage_from,
    wrap_transport,
)

#: Model name → endpoint suffix (qianfan-api.md §3.1). A tuned model uses its own endpoint.
ENDPOINTS = {
    "ERNIE-4.0-8K": "completions_pro", "ERNIE-Bot-4": "completions_pro",
    "ERNIE-3.5-8K": "completions", "ERNIE-Bot": "completions",
    "ERNIE-Speed-8K": "ernie_speed", "ERNIE-Speed": "ernie_speed",
    "ERNIE-Speed-128K": "ernie-speed-128k", "ERNIE-Speed-Pro-8K": "ernie-speed-pro-8k",
    "ERNIE-4.0-Turbo-8K": "ernie-4.0-turbo-8k", "ERNIE-4.0-8K-Latest": "ernie-4.0-8k-latest",
    "ERNIE-3.5-128K": "ernie-3.5-128k", "ERNIE-Lite-8K": "ernie-lite-8k", "ERNIE-Tiny-8K": "ernie-tiny-8k",
    "ERNIE-Character-8K": "ernie-char-8k",
}


class _TokenExpired(Exception):
    pass


class QianfanV1Provider:
    kind = "qianfan-v1"
    default_base_url = "https://aip.baidubce.com"

    def __init__(self, name: str, model: str, *, api_key: str, secret_key: str, endpoint: str | None = None,
                 base_url: str | None = None, timeout: float = 60.0, concurrency: int = 8,
                 client: httpx.AsyncClient | None = None, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.name = name
        self.model = model
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.endpoint = endpoint or ENDPOINTS.get(model)
        if not self.endpoint:
            known = ", ".join(sorted(ENDPOINTS))
            raise ValueError(f"provider '{name}': no endpoint known for model '{model}'; set 'endpoint' "
                             f"in its profile (known models: {known})")
        self._api_key = api_key
        self._secret_key = secret_key
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()
        self._clock = clock
        self.client = client or make_client(timeout, concurrency)
        self.token_fetches = 0

    def scrub(self, text: str) -> str:
        for secret in (self._api_key, self._secret_key, self._token):
            if secret:
                text = text.replace(secret, "***")
        return text

    # -- auth ---------------------------------------------------------------------------------
    async def _access_token(self, *, refresh: bool = False) -> str:
        async with self._token_lock:
            if self._token and not refresh and self._clock() < self._token_expires:
                return self._token
            params = {"grant_type": "client_credentials", "client_id": self._api_key, "client_secret": self._secret_key}
            try:
                response = await self.client.post(f"{self.base_url}/oauth/2.0/token", params=params)
            except httpx.HTTPError as exc:
                raise wrap_transport(exc, self.name) from None
            self.token_fetches += 1
            body = parse_json(response.content)
            if response.status_code >= 400 or not isinstance(body, dict) or "access_token" not in body:
                code, message = error_fields(body)
                if code == "invalid_client" or response.status_code in (400, 401):
                    raise AuthError(f"the OAuth token request was refused: {message or 'bad API key or secret key'}",
                                    status=response.status_code, code=code, provider=self.name)
                raise classify(response.status_code, body, response.headers, provider=self.name)
            self._token = str(body["access_token"])
            self._token_expires = self._clock() + float(body.get("expires_in", 2592000)) - 60
            return self._token

    # -- wire format --------------------------------------------------------------------------
    def body(self, request: ChatRequest, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"messages": [{"role": m.role, "content": m.content} for m in request.messages],
                                "stream": stream}
        if request.system:
            body["system"] = request.system
        if request.temperature is not None:
            body["temperature"] = min(1.0, max(0.01, request.temperature))  # v1: (0, 1]
        if request.max_tokens is not None:
            body["max_output_tokens"] = max(2, request.max_tokens)
        if request.json_mode:
            body["response_format"] = "json_object"
        return body

    def _url(self) -> str:
        return f"{self.base_url}/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/{self.endpoint}"

    def _check(self, body: Any, response: httpx.Response) -> None:
        if has_error(body):
            code, _ = error_fields(body)
            if code in TOKEN_EXPIRED_CODES:
                raise _TokenExpired()
            raise classify(response.status_code if response.status_code >= 400 else None, body,
                           response.headers, provider=self.name)

    def _finish(self, body: dict[str, Any], text: str) -> str:
        reason = body.get("finish_reason") or ("length" if body.get("is_truncated") else "stop")
        if reason == "content_filter" and not text.strip():
            raise ContentFiltered("the answer was withheld by the content filter", provider=self.name)
        return "stop" if reason == "normal" else str(reason)

    # -- calls --------------------------------------------------------------------------------
    async def chat(self, request: ChatRequest) -> ChatResult:
        for refresh in (False, True):
            try:
                return await self._chat_once(request, refresh)
            except _TokenExpired:
                continue
            except LLMError as exc:
                exc.message = self.scrub(exc.message)
                raise
        raise AuthError("the access token was refused again after a refresh (codes 110/111)", provider=self.name)

    async def _chat_once(self, request: ChatRequest, refresh: bool) -> ChatResult:
        token = await self._access_token(refresh=refresh)
        watch = Stopwatch()
        try:
            response = await self.client.post(self._url(), params={"access_token": token},
                                              content=orjson.dumps(self.body(request, False)),
                                              headers={"Content-Type": "application/json"})
        except httpx.HTTPError as exc:
            raise wrap_transport(exc, self.name) from None
        body = parse_json(response.content)
        self._check(body, response)
        await raise_for_error(response, self.name)
        if not isinstance(body, dict) or "result" not in body:
            raise Transient("the response has no 'result'", provider=self.name)
        text = str(body["result"])
        usage = usage_from(body) or Usage(estimate_tokens(str(request.messages)), estimate_tokens(text), True)
        return ChatResult(text=text, usage=usage, finish_reason=self._finish(body, text),
                          latency_s=watch.elapsed, model=self.model)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta | ChatResult]:
        for refresh in (False, True):
            try:
                async for event in self._stream_once(request, refresh):
                    yield event
                return
            except _TokenExpired:
                continue
        raise AuthError("the access token was refused again after a refresh (codes 110/111)", provider=self.name)

    async def _stream_once(self, request: ChatRequest, refresh: bool) -> AsyncIterator[Delta | ChatResult]:
        token = await self._access_token(refresh=refresh)
        watch = Stopwatch()
        parts: list[str] = []
        last: dict[str, Any] = {}
        ended = False
        usage: Usage | None = None
        try:
            async with self.client.stream("POST", self._url(), params={"access_token": token},
                                          content=orjson.dumps(self.body(request, True)),
                                          headers={"Content-Type": "application/json"}) as response:
                if "application/json" in response.headers.get("content-type", "") or response.status_code >= 400:
                    body = parse_json(await response.aread())
                    self._check(body, response)
                    await raise_for_error(response, self.name)
                    raise Transient("a JSON body came back where a stream was expected", provider=self.name)
                async for payload in sse_data(response, self.name):
                    if payload == "[DONE]":
                        ended = True
                        break
                    body = chunk(payload, self.name)
                    self._check(body, response)
                    piece = str(body.get("result") or "")
                    if piece:
                        watch.mark_first()
                        parts.append(piece)
                        yield Delta(piece)
                    usage = usage_from(body) or usage
                    last = body
                    if body.get("is_end"):
                        ended = True
                        break
        except httpx.HTTPError as exc:
            raise wrap_transport(exc, self.name) from None
        except LLMError as exc:
            exc.message = self.scrub(exc.message)
            raise
        if not ended:
            raise Transient("the stream ended before is_end (truncated)", provider=self.name)
        text = "".join(parts)
        usage = usage or Usage(estimate_tokens(str(request.messages)), estimate_tokens(text), True)
        yield ChatResult(text=text, usage=usage, finish_reason=self._finish(last, text), latency_s=watch.elapsed,
                         first_token_s=watch.first, model=self.model)

    async def aclose(self) -> None:
        await self.client.aclose()
