"""Qianfan v1 (the legacy ERNIE ``wenxinworkshop`` flow): OAuth token, per-model endpoints."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx

from studio.config import ConfigError, ProviderProfile, Secrets, register_secret
from studio.domain.messages import N_
from studio.llm.base import ChatRequest, ChatResult, Delta
from studio.llm.classify import TOKEN_EXPIRED_CODES, classify, error_fields, has_error
from studio.llm.errors import AuthError, LLMError, Transient
from studio.llm.http import parse_json, raise_for_error, usage_from, wrap_transport
from studio.llm.http_chat import HTTPChatProvider, Piece
from studio.llm.kinds import common_options, register

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


def _endpoint_problem(name: str, model: str) -> str:
    known = ", ".join(sorted(ENDPOINTS))
    return (f"provider '{name}': no endpoint known for model '{model}'; set 'endpoint' "
            f"in its profile (known models: {known})")


@register
class QianfanV1Provider(HTTPChatProvider):
    kind = "qianfan-v1"
    default_base_url = "https://aip.baidubce.com"
    default_key_env = "QIANFAN_API_KEY"
    default_secret_env = "QIANFAN_SECRET_KEY"
    options = frozenset({"base_url", "api_key_env", "secret_key_env", "endpoint"})
    summary = N_("Baidu Qianfan v1 (ERNIE wenxinworkshop: OAuth token from an API key and a secret key)")
    truncated_message = "the stream ended before is_end (truncated)"

    def __init__(self, name: str, model: str, *, api_key: str, secret_key: str, endpoint: str | None = None,
                 base_url: str | None = None, timeout: float = 60.0, concurrency: int = 8,
                 client: httpx.AsyncClient | None = None, clock: Callable[[], float] = time.monotonic,
                 **caps: int) -> None:
        self.endpoint = endpoint or ENDPOINTS.get(model)
        if not self.endpoint:
            raise ValueError(_endpoint_problem(name, model))
        super().__init__(name, model, base_url=base_url, api_key=api_key, timeout=timeout, concurrency=concurrency,
                         client=client, **caps)
        self._secret_key = register_secret(secret_key)
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()
        self._clock = clock
        self.token_fetches = 0

    # -- the kind -----------------------------------------------------------------------------
    @classmethod
    def key_envs(cls, profile: ProviderProfile) -> list[str]:
        return [profile.api_key_env or cls.default_key_env, profile.secret_key_env or cls.default_secret_env]

    @classmethod
    def check_profile(cls, name: str, profile: ProviderProfile) -> None:
        super().check_profile(name, profile)
        if not profile.endpoint and profile.model not in ENDPOINTS:
            raise ConfigError(_endpoint_problem(name, profile.model))

    @classmethod
    def from_profile(cls, name: str, profile: ProviderProfile, secrets: Secrets, *, seed: int = 0,
                     workspace: Path | None = None) -> QianfanV1Provider:
        key_env, secret_env = cls.key_envs(profile)
        key = cls.require_key(name, profile, secrets, key_env)
        secret = cls.require_key(name, profile, secrets, secret_env)
        return cls(name, profile.model, api_key=key, secret_key=secret, endpoint=profile.endpoint,
                   base_url=profile.base_url, **common_options(profile))

    # -- auth ---------------------------------------------------------------------------------
    async def _access_token(self, *, refresh: bool = False) -> str:
        async with self._token_lock:
            if self._token and not refresh and self._clock() < self._token_expires:
                return self._token
            params = {"grant_type": "client_credentials", "client_id": self._api_key or "",
                      "client_secret": self._secret_key}
            if self.extra_request is not None:
                await self.extra_request()  # a token request counts as a call
            try:
                async with self.client.stream("POST", f"{self.base_url}/oauth/2.0/token", params=params) as response:
                    raw = await self.read(response)
            except httpx.HTTPError as exc:
                raise wrap_transport(exc, self.name) from None
            self.token_fetches += 1
            body = parse_json(raw)
            if response.status_code >= 400 or not isinstance(body, dict) or "access_token" not in body:
                code, message = error_fields(body)
                if code == "invalid_client" or response.status_code in (400, 401):
                    raise AuthError(f"the OAuth token request was refused: {message or 'bad API key or secret key'}",
                                    status=response.status_code, code=code, provider=self.name)
                raise classify(response.status_code, body, response.headers, provider=self.name)
            token = str(body["access_token"])
            register_secret(token)  # before any error or log line could carry it
            self._token, self._token_expires = token, self._clock() + float(body.get("expires_in", 2592000)) - 60
            return token

    # -- wire format --------------------------------------------------------------------------
    def url(self) -> str:
        return f"{self.base_url}/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/{self.endpoint}"

    async def query(self, refresh: bool = False) -> dict[str, str]:
        return {"access_token": await self._access_token(refresh=refresh)}

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

    def check_body(self, body: Any, response: httpx.Response) -> None:
        if has_error(body):
            code, _ = error_fields(body)
            if code in TOKEN_EXPIRED_CODES:
                raise _TokenExpired()
            raise classify(response.status_code if response.status_code >= 400 else None, body,
                           response.headers, provider=self.name)

    async def answer_body(self, response: httpx.Response, raw: bytes) -> dict[str, Any]:
        body = parse_json(raw)
        self.check_body(body, response)  # an expired token is told by the body, whatever the status
        await raise_for_error(response, self.name, raw)
        if not isinstance(body, dict) or "result" not in body:
            raise Transient("the response has no 'result'", provider=self.name)
        return body

    def read_answer(self, body: dict[str, Any]) -> Piece:
        return Piece(str(body["result"]), usage_from(body), self._reason(body))

    async def open_stream(self, response: httpx.Response) -> None:
        if "application/json" in response.headers.get("content-type", "") or response.status_code >= 400:
            raw = await self.read(response)
            body = parse_json(raw)
            self.check_body(body, response)
            await raise_for_error(response, self.name, raw)
            raise Transient("a JSON body came back where a stream was expected", provider=self.name)

    def read_chunk(self, body: dict[str, Any]) -> Piece:
        last = bool(body.get("is_end"))
        return Piece(str(body.get("result") or ""), usage_from(body), self._reason(body) if last else None, last=last)

    @staticmethod
    def _reason(body: dict[str, Any]) -> str:
        return str(body.get("finish_reason") or ("length" if body.get("is_truncated") else "stop"))

    def finish_reason(self, reason: str | None, text: str) -> str:
        reason = super().finish_reason(reason, text)
        return "stop" if reason == "normal" else reason

    # -- calls: once more with a new token when the old one expired ---------------------------
    async def _again(self, refresh: bool) -> None:
        """Before the second try with a new token: it is one more request, counted as a call."""
        if refresh and self.extra_request is not None:
            await self.extra_request()

    async def chat(self, request: ChatRequest) -> ChatResult:
        for refresh in (False, True):
            try:
                await self._again(refresh)
                return await self.chat_once(request, refresh)
            except _TokenExpired:
                continue
            except LLMError as exc:
                exc.message = self.scrub(exc.message)
                raise
        raise AuthError("the access token was refused again after a refresh (codes 110/111)", provider=self.name)

    async def stream(self, request: ChatRequest) -> AsyncIterator[Delta | ChatResult]:
        for refresh in (False, True):
            try:
                await self._again(refresh)
                async for event in self.stream_once(request, refresh):
                    yield event
                return
            except _TokenExpired:
                continue
            except LLMError as exc:
                exc.message = self.scrub(exc.message)
                raise
        raise AuthError("the access token was refused again after a refresh (codes 110/111)", provider=self.name)
