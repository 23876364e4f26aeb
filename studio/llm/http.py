"""What the HTTP providers share: the client, server-sent events (httpx-sse), JSON bodies, error raising."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
from httpx_aiohttp import AiohttpTransport
from httpx_sse import EventSource, SSEError

from studio.llm.base import Usage
from studio.llm.classify import classify, from_transport
from studio.llm.errors import LLMError, Transient


def make_client(timeout: float, concurrency: int) -> httpx.AsyncClient:
    """httpx's API over aiohttp's connection pool: httpcore's own pool slows down sharply with
    many concurrent requests (64 in flight reached a fifth of the ideal rate; aiohttp ~100 %)."""
    size = max(10, concurrency * 2)
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
    return httpx.AsyncClient(transport=AiohttpTransport(limits=limits), limits=limits,
                             timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)))


def parse_json(raw: bytes | str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


async def raise_for_error(response: httpx.Response, provider: str) -> None:
    """Raise the taxonomy error for a non-2xx response (reading its body, even when streaming)."""
    if response.status_code < 400:
        return
    raw = await response.aread()
    body = parse_json(raw)
    raise classify(response.status_code, body, response.headers, provider=provider,
                   text=raw.decode("utf-8", "replace") if body is None else "")


async def sse_data(response: httpx.Response, provider: str) -> AsyncIterator[str]:
    """Yield the ``data`` of each server-sent event, parsed by httpx-sse to the SSE spec: several
    ``data:`` lines make one payload (joined with newlines), ``retry:``/``id:``/``event:`` fields and
    ``:`` keep-alive comments are not payloads. A JSON body where a stream was expected (an error
    sent with a 200) is yielded whole, for the caller to classify."""
    content_type = response.headers.get("content-type", "")
    try:
        if "text/event-stream" not in content_type:
            raw = (await response.aread()).decode("utf-8", "replace").strip()
            if raw:
                yield raw
            return
        async for event in EventSource(response).aiter_sse():
            if event.data:
                yield event.data
    except httpx.HTTPError as exc:
        raise from_transport(exc, provider) from None
    except SSEError as exc:
        raise Transient(f"not a server-sent event stream: {exc}", provider=provider) from None


def chunk(payload: str, provider: str) -> dict[str, Any]:
    body = parse_json(payload)
    if not isinstance(body, dict):
        raise Transient(f"invalid JSON in stream chunk: {payload[:80]!r}", provider=provider)
    return body


def usage_from(body: dict[str, Any]) -> Usage | None:
    """Token counts from an OpenAI-style or Qianfan ``usage`` object, if the body has one."""
    usage = body.get("usage")
    if isinstance(usage, dict) and "completion_tokens" in usage:
        return Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
    return None


def wrap_transport(exc: Exception, provider: str) -> LLMError:
    return from_transport(exc, provider)
