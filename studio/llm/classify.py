"""Map provider error bodies, HTTP statuses and transport failures onto the error taxonomy."""

from __future__ import annotations

import asyncio
import email.utils
import time
from typing import Any

import aiohttp
import httpx

from studio.llm.errors import (
    AuthError,
    BadRequest,
    ContentFiltered,
    LLMError,
    QuotaExhausted,
    RateLimited,
    Transient,
)

# Qianfan v1 (and v2 bodies that carry v1 integer codes): qianfan-api.md §3.5.
QIANFAN_CODES: dict[int, type[LLMError]] = {
    1: Transient, 2: Transient, 15: Transient, 336000: Transient, 336100: Transient,
    4: RateLimited, 18: RateLimited, 336501: RateLimited, 336502: RateLimited,
    6: AuthError, 13: AuthError, 14: AuthError, 100: AuthError, 110: AuthError, 111: AuthError,
    336004: AuthError,
    17: QuotaExhausted, 19: QuotaExhausted,
    3: BadRequest, 336001: BadRequest, 336002: BadRequest, 336003: BadRequest, 336005: BadRequest,
    336101: BadRequest, 336104: BadRequest, 336105: BadRequest,
    # 336006 (message content invalid), 336007 (input over the model's context), 336102 (invalid request
    # parameters): Baidu's 错误码 table marks them as request errors; retrying the same request cannot help.
    336006: BadRequest, 336007: BadRequest, 336102: BadRequest,
    336103: ContentFiltered, 336108: ContentFiltered,
}
TOKEN_EXPIRED_CODES = {110, 111}

_WORDS: list[tuple[tuple[str, ...], type[LLMError]]] = [
    (("insufficient_quota", "quota", "balance", "arrear", "billing", "daily_limit"), QuotaExhausted),
    (("rate_limit", "rpm_", "tpm_", "too_many", "qps"), RateLimited),
    (("content_filter", "sensitive", "safety", "moderation"), ContentFiltered),
    (("iam", "auth", "access_denied", "api_key", "invalid_token", "permission", "unauthorized"), AuthError),
    (("internal", "server_error", "overloaded", "unavailable", "high_load", "timeout"), Transient),
]


def retry_after(headers: httpx.Headers | None) -> float | None:
    """Seconds from ``retry-after-ms`` (milliseconds, sent by OpenAI-compatible services) or ``Retry-After``
    (delta-seconds or an HTTP date); the millisecond header wins, being the more precise."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def error_fields(body: Any) -> tuple[str | int | None, str]:
    """(code, message) from any of the error shapes: OpenAI/Qianfan v2, Qianfan v1, OAuth."""
    if not isinstance(body, dict):
        return None, ""
    err = body.get("error")
    if isinstance(err, dict):
        code = err.get("code") or err.get("type")
        return code, str(err.get("message") or err.get("type") or "")
    if "error_code" in body:
        code = body.get("error_code")
        try:
            code = int(code)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            pass
        return code, str(body.get("error_msg") or "")
    if isinstance(err, str):  # OAuth token endpoint
        return err, str(body.get("error_description") or err)
    return None, ""


def has_error(body: Any) -> bool:
    return error_fields(body)[0] is not None


def classify(status: int | None, body: Any, headers: httpx.Headers | None = None, *,
             provider: str = "", text: str = "") -> LLMError:
    code, message = error_fields(body)
    message = message or (text[:200] if text else "") or (f"HTTP {status}" if status else "error")
    wait = retry_after(headers)
    cls: type[LLMError] | None = None
    if isinstance(code, int):
        cls = QIANFAN_CODES.get(code)
    elif isinstance(code, str):
        lowered = code.lower()
        if lowered == "invalid_client":  # OAuth: wrong API key or secret key
            cls = AuthError
        for words, kind in _WORDS:
            if cls is None and any(w in lowered for w in words):
                cls = kind
    if cls is None and status is not None:
        if status in (401, 403):
            cls = AuthError
        elif status == 402:
            cls = QuotaExhausted
        elif status == 429:
            cls = RateLimited
        elif status in (408, 409) or status >= 500:
            cls = Transient
        elif 400 <= status < 500:
            cls = BadRequest
    return (cls or Transient)(message, status=status, code=code, retry_after=wait, provider=provider)


def from_transport(exc: Exception, provider: str) -> LLMError:
    """Timeouts, resets and protocol errors are transient; the message never holds a URL.

    With the aiohttp transport the original error is the cause; it says more than the httpx
    class it was mapped to (a refused connection arrives as ``ConnectTimeout``).
    """
    cause = exc.__cause__
    if isinstance(cause, aiohttp.ClientConnectorError):
        return Transient(f"could not connect ({type(cause).__name__})", provider=provider)
    if isinstance(cause, aiohttp.ServerTimeoutError | asyncio.TimeoutError):
        return _billed(Transient(f"timed out ({type(cause).__name__})", provider=provider))
    if isinstance(cause, aiohttp.ClientError):
        return _billed(Transient(f"connection broken (reset or closed early) ({type(cause).__name__})",
                                 provider=provider))
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        return Transient(f"could not connect ({type(exc).__name__})", provider=provider)
    if isinstance(exc, httpx.TimeoutException):
        what = "timed out"
    elif isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        what = "connection broken (reset or closed early)"
    else:
        what = "network error"
    return _billed(Transient(f"{what} ({type(exc).__name__})", provider=provider))


def _billed(error: LLMError) -> LLMError:
    """Sent, and then lost: the server may have done (and billed) the work."""
    error.billed = True
    return error
