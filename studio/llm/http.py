"""What the HTTP providers share: the client, server-sent events (httpx-sse's decoder over lines read
here), JSON bodies read under a byte cap, error raising.

Nothing a server sends is held without a limit: a body is read up to ``max_body_bytes`` and a stream
line (and one event's lines together) up to ``max_line_bytes``; past either the call fails with
:class:`~studio.llm.errors.BodyTooLarge`, having kept no more than the cap in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
from httpx_aiohttp import AiohttpTransport
from httpx_sse import SSEError
from httpx_sse._decoders import SSEDecoder

from studio.llm.base import Usage
from studio.llm.classify import classify, from_transport
from studio.llm.errors import BodyTooLarge, LLMError, Transient

#: Defaults of the profile's ``max_body_bytes`` and ``max_line_bytes``.
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_LINE_BYTES = 1024 * 1024


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


async def read_body(response: httpx.Response, provider: str, limit: int = MAX_BODY_BYTES) -> bytes:
    """The whole body, or BodyTooLarge as soon as it passes ``limit`` bytes (a declared length over
    the limit is refused before anything is read)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large("response body", limit, "max_body_bytes", provider)
    parts: list[bytes] = []
    size = 0
    try:
        async for piece in response.aiter_bytes():
            size += len(piece)
            if size > limit:
                raise _too_large("response body", limit, "max_body_bytes", provider)
            parts.append(piece)
    except httpx.HTTPError as exc:
        raise from_transport(exc, provider) from None
    return b"".join(parts)


def _too_large(what: str, limit: int, option: str, provider: str) -> BodyTooLarge:
    return BodyTooLarge(f"the {what} passed the limit of {limit} bytes ({option})", provider=provider)


async def raise_for_error(response: httpx.Response, provider: str, raw: bytes | None = None,
                          limit: int = MAX_BODY_BYTES) -> None:
    """Raise the taxonomy error for a non-2xx response (reading its body under ``limit``, even when
    streaming; ``raw``: the body already read)."""
    if response.status_code < 400:
        return
    if raw is None:
        raw = await read_body(response, provider, limit)
    body = parse_json(raw)
    raise classify(response.status_code, body, response.headers, provider=provider,
                   text=raw.decode("utf-8", "replace") if body is None else "")


async def lines(response: httpx.Response, provider: str, limit: int = MAX_LINE_BYTES) -> AsyncIterator[str]:
    """The stream's lines (ended by CR, LF or CRLF, as the SSE spec says), each at most ``limit``
    bytes: a longer one fails the call without being kept."""
    buffer = bytearray()
    async for piece in response.aiter_bytes():
        buffer += piece
        start = 0
        while True:
            ends = [i for i in (buffer.find(b"\n", start), buffer.find(b"\r", start)) if i >= 0]
            if not ends:
                break
            end = min(ends)
            if buffer[end] == 13 and end + 1 == len(buffer):
                break  # a CR at the end of a piece: its LF may come next
            yield buffer[start:end].decode("utf-8", "replace")
            start = end + (2 if buffer[end : end + 2] == b"\r\n" else 1)
        del buffer[:start]
        if len(buffer) > limit:
            raise _too_large("stream line", limit, "max_line_bytes", provider)
    ended = buffer.endswith(b"\r")  # a line ended by a last CR (an empty one too: it ends an event)
    if ended:
        del buffer[-1:]
    if buffer or ended:
        yield buffer.decode("utf-8", "replace")


async def sse_data(response: httpx.Response, provider: str, *, max_body: int = MAX_BODY_BYTES,
                   max_line: int = MAX_LINE_BYTES) -> AsyncIterator[str]:
    """Yield the ``data`` of each server-sent event, parsed by httpx-sse's decoder to the SSE spec:
    several ``data:`` lines make one payload (joined with newlines), ``retry:``/``id:``/``event:``
    fields and ``:`` keep-alive comments are not payloads. A JSON body where a stream was expected
    (an error sent with a 200) is yielded whole, for the caller to classify. A line, or one event's
    lines together, over ``max_line`` bytes fails the call."""
    content_type = response.headers.get("content-type", "")
    try:
        if "text/event-stream" not in content_type:
            raw = (await read_body(response, provider, max_body)).decode("utf-8", "replace").strip()
            if raw:
                yield raw
            return
        decoder = SSEDecoder()
        pending = 0  # bytes of the event being gathered
        async for line in lines(response, provider, max_line):
            pending += 0 if line.startswith(":") else len(line)  # comments are not kept
            if pending > max_line:
                raise _too_large("stream event", max_line, "max_line_bytes", provider)
            event = decoder.decode(line)
            if not line:
                pending = 0
            if event is not None and event.data:
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
