"""OpenAI-compatible ``/chat/completions`` (OpenAI, DeepSeek, DashScope, vLLM, Ollama, …) and Qianfan v2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from studio.config import ProviderProfile, Secrets
from studio.domain.messages import N_
from studio.llm.base import ChatRequest
from studio.llm.errors import Transient
from studio.llm.http import usage_from
from studio.llm.http_chat import HTTPChatProvider, Piece
from studio.llm.kinds import common_options, register


@register
class OpenAIProvider(HTTPChatProvider):
    kind = "openai"
    default_base_url = "https://api.openai.com/v1"
    default_key_env = "OPENAI_API_KEY"
    options = frozenset({"base_url", "api_key_env"})
    summary = N_("any OpenAI-compatible /chat/completions server")

    @classmethod
    def public(cls, profile: ProviderProfile) -> bool:
        """The profile talks to the public API (no ``base_url``, or the API's own)."""
        return profile.base_url is None or profile.base_url.rstrip("/") == cls.default_base_url

    @classmethod
    def key_envs(cls, profile: ProviderProfile) -> list[str]:
        if not profile.api_key_env and not cls.public(profile):
            return []  # OPENAI_API_KEY goes to api.openai.com only; another server gets the key its profile names
        return super().key_envs(profile)

    @classmethod
    def from_profile(cls, name: str, profile: ProviderProfile, secrets: Secrets, *, seed: int = 0,
                     workspace: Path | None = None) -> OpenAIProvider:
        envs = cls.key_envs(profile)
        # A local server (vLLM, Ollama, llama.cpp) usually needs no key; the public API does.
        key = cls.require_key(name, profile, secrets) if cls.public(profile) else (secrets.get(envs[0]) if envs else None)
        return cls(name, profile.model, base_url=profile.base_url, api_key=key, **common_options(profile))

    # -- wire format --------------------------------------------------------------------------
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def headers(self) -> dict[str, str]:
        headers = super().headers()
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

    def read_answer(self, body: dict[str, Any]) -> Piece:
        try:
            choice = body["choices"][0]
            text = choice["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise Transient("the response has no choices[0].message.content", provider=self.name) from None
        return Piece(text, usage_from(body), choice.get("finish_reason"), body.get("model"))

    def read_chunk(self, body: dict[str, Any]) -> Piece:
        text, finish = "", None
        for choice in body.get("choices") or []:
            text += (choice.get("delta") or {}).get("content") or ""
            finish = choice.get("finish_reason") or finish
        return Piece(text, usage_from(body), finish, body.get("model"))


@register
class QianfanProvider(OpenAIProvider):
    """Qianfan v2: OpenAI-style body and SSE, bearer API key, optional ``appid`` header."""

    kind = "qianfan"
    default_base_url = "https://qianfan.baidubce.com/v2"
    default_key_env = "QIANFAN_API_KEY"
    options = frozenset({"base_url", "api_key_env", "appid"})
    summary = N_("Baidu Qianfan v2 (OpenAI-style, bearer API key)")

    def __init__(self, *args: Any, appid: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.appid = appid

    @classmethod
    def key_envs(cls, profile: ProviderProfile) -> list[str]:
        return [profile.api_key_env or cls.default_key_env or ""]

    @classmethod
    def from_profile(cls, name: str, profile: ProviderProfile, secrets: Secrets, *, seed: int = 0,
                     workspace: Path | None = None) -> QianfanProvider:
        key = cls.require_key(name, profile, secrets)
        return cls(name, profile.model, base_url=profile.base_url, api_key=key, appid=profile.appid,
                   **common_options(profile))

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

