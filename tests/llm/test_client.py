"""Limits, retries, the halt on fatal errors, the response cache and the ledger."""

from __future__ import annotations

import asyncio

import pytest

from studio.llm.base import ChatRequest, ChatResult, Delta, Message, Restart, estimate_tokens
from studio.llm.budget import worst_case_cost
from studio.llm.client import CallContext, LLMClient, RetryPolicy
from studio.llm.errors import AuthError, BadRequest, RateLimited
from studio.llm.ledger import summarise
from studio.llm.limits import Limiter, TokenBucket
from studio.llm.openai import OpenAIProvider
from studio.llm.prices import Price
from studio.store import Store
from tests.llm.conftest import API_KEY
from tests.llm.fakeserver import REPLY, Fault

REQUEST = ChatRequest([Message("user", "hello")])


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path) as s:
        yield s


def client_for(server, store, clock, **kw) -> LLMClient:
    provider = OpenAIProvider("oa", "gpt-test", base_url=f"{server.base}/v1", api_key=API_KEY)
    return LLMClient(provider, store=store, clock=clock, limiter=Limiter(4, clock=clock), seed=1,
                     price=Price(0.01, 0.02, "USD"), **kw)


async def test_transient_errors_are_retried_with_backoff_and_recorded(server, store, clock) -> None:
    client = client_for(server, store, clock)
    server.fail(Fault("status", 503), Fault("reset"))
    result = await client.chat(REQUEST, CallContext(run_id="r-1", role="teacher"))
    assert result.text == REPLY
    assert len(clock.sleeps) == 2 and 1.0 <= clock.sleeps[0] <= 2.0 and 2.0 <= clock.sleeps[1] <= 3.0
    [record] = store.calls.all()
    assert (record.outcome, record.attempts, record.run_id, record.role) == ("ok", 3, "r-1", "teacher")
    # the 503 was refused (free); the reset came after the request was sent, so it counts at its worst case;
    # the answer counts as the larger of the reported 20 tokens and what arrived
    lost = worst_case_cost(REQUEST, Price(0.01, 0.02, "USD"))
    answer = 30 / 1000 * 0.01 + max(20, estimate_tokens(REPLY)) / 1000 * 0.02
    assert record.cost == pytest.approx(answer + lost) and record.currency == "USD"
    await client.aclose()


async def test_retry_after_is_honoured(server, store, clock) -> None:
    client = client_for(server, store, clock)
    server.fail(Fault("status", 429, {"error": {"code": "rate_limit"}}, {"Retry-After": "7"}))
    await client.chat(REQUEST)
    assert clock.sleeps == [7.0]
    await client.aclose()


async def test_retries_stop_after_the_policy_and_the_failure_is_recorded(server, store, clock) -> None:
    client = client_for(server, store, clock, retry=RetryPolicy(attempts=3))
    server.fail(*[Fault("status", 429, {"error": {"code": "rate_limit"}})] * 3)
    with pytest.raises(RateLimited):
        await client.chat(REQUEST)
    [record] = store.calls.all()
    assert (record.outcome, record.attempts, record.error_kind) == ("error", 3, "rate_limited")
    await client.aclose()


async def test_bad_request_is_not_retried(server, store, clock) -> None:
    client = client_for(server, store, clock)
    server.fail(Fault("status", 400, {"error": {"code": "invalid_argument", "message": "bad"}}))
    with pytest.raises(BadRequest):
        await client.chat(REQUEST)
    assert clock.sleeps == [] and client.halted is None
    await client.aclose()


async def test_a_fatal_error_halts_every_later_call_without_touching_the_api(server, store, clock) -> None:
    client = client_for(server, store, clock)
    server.fail(Fault("status", 401, {"error": {"code": "invalid_api_key", "message": f"key {API_KEY} rejected"}}))
    with pytest.raises(AuthError) as info:
        await client.chat(REQUEST)
    assert API_KEY not in str(info.value)
    hits = len(server.seen)
    results = await asyncio.gather(*(client.chat(ChatRequest([Message("user", str(i))])) for i in range(10)),
                                   return_exceptions=True)
    assert all(isinstance(r, AuthError) for r in results)
    assert len(server.seen) == hits and clock.sleeps == []
    await client.aclose()


async def test_completed_responses_are_cached_by_request_hash(server, store, clock) -> None:
    client = client_for(server, store, clock)
    first = await client.chat(REQUEST)
    second = await client.chat(REQUEST)
    assert second.cached and second.text == first.text and len(server.seen) == 1
    await client.chat(REQUEST, use_cache=False)
    assert len(server.seen) == 2
    await client.chat(ChatRequest([Message("user", "hello")], variant="d-2"))
    assert len(server.seen) == 3, "a different variant is a different sample"
    outcomes = sorted(r.outcome for r in store.calls.all())
    assert outcomes == ["cached", "ok", "ok", "ok"]
    assert [r.cost for r in store.calls.all() if r.outcome == "cached"] == [0.0]
    await client.aclose()


async def test_stream_retries_announce_a_restart(server, store, clock) -> None:
    client = client_for(server, store, clock)
    server.fail(Fault("truncate"))
    events = [e async for e in client.stream(REQUEST)]
    restarts = [i for i, e in enumerate(events) if isinstance(e, Restart)]
    assert len(restarts) == 1
    after = "".join(e.text for e in events[restarts[0]:] if isinstance(e, Delta))
    assert after == REPLY and isinstance(events[-1], ChatResult)
    [record] = store.calls.all()
    assert record.attempts == 2 and record.first_token_s is not None
    cached = [e async for e in client.stream(REQUEST)]
    assert isinstance(cached[0], Delta) and cached[-1].cached
    await client.aclose()


async def test_concurrency_cap_is_respected(server, store, clock) -> None:
    server.latency = 0.05
    client = client_for(server, store, clock)
    in_flight = peak = 0
    original = client.provider.chat

    async def counting(request):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            return await original(request)
        finally:
            in_flight -= 1

    client.provider.chat = counting  # type: ignore[method-assign]
    await asyncio.gather(*(client.chat(ChatRequest([Message("user", str(i))])) for i in range(12)))
    assert peak == 4
    await client.aclose()


async def test_rpm_bucket_spaces_requests_on_a_fake_clock(clock) -> None:
    bucket = TokenBucket(6, clock)  # one request every 10 s once the minute's allowance is spent
    for _ in range(6):
        await bucket.take(1)
    assert clock.sleeps == []
    await bucket.take(1)
    await bucket.take(1)
    assert clock.sleeps == pytest.approx([10.0, 10.0])


async def test_tpm_estimate_is_corrected_from_usage(clock) -> None:
    limiter = Limiter(2, tpm=1000, clock=clock)
    async with limiter.slot(800) as correct:
        correct(200)  # the call used far less than estimated: 600 tokens go back
    assert limiter.tokens.level == pytest.approx(800)
    async with limiter.slot(700):
        pass
    assert clock.sleeps == []
    async with limiter.slot(500):
        pass
    assert clock.sleeps == pytest.approx([(500 - 100) / (1000 / 60)])


async def test_ledger_summary(server, store, clock) -> None:
    client = client_for(server, store, clock)
    server.fail(Fault("status", 400, {"error": {"code": "invalid_argument"}}))
    with pytest.raises(BadRequest):
        await client.chat(ChatRequest([Message("user", "x")]), CallContext(run_id="r-1"))
    for i in range(3):
        await client.chat(ChatRequest([Message("user", str(i))]), CallContext(run_id="r-1"))
    summary = summarise(raw for _, raw in store.calls.raw())
    total = summary["total"]
    assert (total["calls"], total["ok"], total["errors"], total["tokens_in"]) == (4, 3, 1, 90)
    assert total["errors_by_kind"] == {"bad_request": 1}
    assert summary["by_run"]["r-1"]["calls"] == 4 and summary["by_provider"]["oa"]["latency_p95_s"] > 0
    await client.aclose()
