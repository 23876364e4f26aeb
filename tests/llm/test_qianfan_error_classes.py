"""Qianfan v1 request errors are not retried, and a service's ``retry-after-ms`` sets the wait."""

from __future__ import annotations

import httpx
import pytest

from studio.llm.classify import classify
from studio.llm.errors import BadRequest, RateLimited, Transient


@pytest.mark.parametrize("code", [336006, 336007, 336102])
def test_request_errors_are_bad_requests_not_transient(code: int) -> None:
    err = classify(200, {"error_code": code, "error_msg": "bad"}, provider="qianfan-v1")
    assert isinstance(err, BadRequest) and not isinstance(err, Transient)


def test_retry_after_ms_is_read_and_wins_over_retry_after() -> None:
    err = classify(429, {"error": {"code": "rate_limit_exceeded", "message": "slow"}},
                   httpx.Headers({"retry-after-ms": "1500", "retry-after": "9"}))
    assert isinstance(err, RateLimited) and err.retry_after == 1.5
    assert classify(429, {}, httpx.Headers({"retry-after": "2"})).retry_after == 2.0
    assert classify(429, {}, httpx.Headers({"retry-after-ms": "soon", "retry-after": "3"})).retry_after == 3.0
