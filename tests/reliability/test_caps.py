"""Caps that hold exactly: every request reserves a call and its worst-case cost before it is sent,
retries included, with many requests in flight, and across resumes of the same run."""

from __future__ import annotations

import asyncio
import json

from studio.domain import RunStatus
from studio.llm.base import ChatRequest, Message
from studio.llm.budget import Budget, BudgetReached, worst_case_cost
from studio.llm.client import CallContext, CallLimits, LLMClient, RetryPolicy
from studio.llm.limits import Limiter
from studio.llm.openai import OpenAIProvider
from studio.llm.prices import Price
from studio.workspace import open_workspace
from tests.llm.fakeserver import Fault

PRICE = Price(1.0, 1.0, "USD")  # per 1k tokens; the fake reports 30 in, 20 out: 0.05 a call


def client_for(server, store, budget: Budget) -> LLMClient:
    provider = OpenAIProvider("oa", "gpt-test", base_url=f"{server.base}/v1", api_key="sk-x")
    return LLMClient(provider, store=store, retry=RetryPolicy(attempts=4, base_s=0.01), seed=1, price=PRICE,
                     limiter=Limiter(8), limits=CallLimits(max_tokens=64), budget=budget)


def requests(n: int) -> list[ChatRequest]:
    return [ChatRequest([Message("user", f"question {i}")]) for i in range(n)]


async def _spend(client: LLMClient, n: int) -> list[object]:
    calls = [client.chat(r, CallContext(run_id="r-1")) for r in requests(n)]
    return await asyncio.gather(*calls, return_exceptions=True)


async def test_the_call_cap_holds_with_8_in_flight_and_retries(server, store) -> None:
    server.fail(*[Fault("status", 503)] * 6, Fault("reset"))  # retries spend the same budget
    client = client_for(server, store, Budget(max_calls=10))
    results = await _spend(client, 30)
    assert len(server.seen) == 10, "exactly the cap, never more"
    assert sum(c.attempts for c in store.calls.all()) == 10
    assert any(isinstance(r, BudgetReached) for r in results)
    await client.aclose()


async def test_the_cost_cap_holds_with_8_in_flight_and_resumes_spend_nothing_more(server, store) -> None:
    worst = worst_case_cost(ChatRequest([Message("user", "question 10")], max_tokens=64), PRICE)
    assert worst > 0.05  # the worst case is reserved, the real cost is settled
    client = client_for(server, store, Budget(max_cost=0.5))
    await _spend(client, 40)
    spent = sum(c.cost for c in store.calls.all())
    assert 0.5 - worst <= spent <= 0.5 + 1e-9
    sent = len(server.seen)
    for _ in range(3):  # a resumed run starts from what the ledger says it spent
        again = Budget.from_ledger((doc for _, doc in store.calls.raw()), "r-1", max_calls=None, max_cost=0.5)
        client.budget = again
        await _spend(client, 40)
    assert len(server.seen) == sent and sum(c.cost for c in store.calls.all()) <= 0.5 + 1e-9
    await client.aclose()


PAID = """
[providers.paid]
kind = "offline"
latency = 0.3
price_in = 1
price_out = 1
max_tokens = 200
"""


def test_generate_caps_hold_across_reruns(ready_cli) -> None:
    (ready_cli.ws / "config.toml").write_text((ready_cli.ws / "config.toml").read_text() + PAID)
    code, out, _ = ready_cli("generate", "-n", "20", "--teacher", "paid", "--student", "paid", "--max-calls", "10",
                             "--json")
    first = json.loads(out)
    assert code == 3 and first["status"] == "partial" and "call budget" in first["error"]
    for _ in range(2):  # plain reruns resume the same run: nothing more is spent
        code, out, _ = ready_cli("generate", "-n", "20", "--teacher", "paid", "--student", "paid", "--max-calls",
                                 "10", "--json")
        assert code == 3 and json.loads(out)["id"] == first["id"]
    with open_workspace(ready_cli.ws) as ws:
        calls = [c for c in ws.store.calls.all() if c.run_id == first["id"] and c.outcome != "cached"]
        assert sum(c.attempts for c in calls) == 10
    code, out, _ = ready_cli("generate", "-n", "5", "--seed", "4", "--teacher", "paid", "--student", "paid",
                             "--max-cost", "12", "--json")
    costly = json.loads(out)
    assert code == 3 and costly["status"] == "partial"
    with open_workspace(ready_cli.ws) as ws:
        spent = sum(c.cost for c in ws.store.calls.all() if c.run_id == costly["id"])
        assert 0 < spent <= 12
        assert ws.store.runs.get(costly["id"]).status == RunStatus.PARTIAL


def test_a_cost_cap_without_a_price_is_refused_not_ignored(ready_cli) -> None:
    from tests.llm.fakeserver import FakeServer

    server = FakeServer().start()
    try:
        (ready_cli.ws / "config.toml").write_text(ready_cli.ws.joinpath("config.toml").read_text() + f"""
[providers.unpriced]
kind = "openai"
model = "some-local-model"
base_url = "{server.base}/v1"
""")
        code, _, err = ready_cli("generate", "-n", "2", "--teacher", "unpriced", "--student", "unpriced",
                                 "--max-cost", "1")
        assert code == 1 and "--max-cost needs a price" in err and "price_in" in err
        assert server.seen == []
    finally:
        server.stop()


async def test_a_retry_refused_by_the_budget_closes_its_ledger_row(server, store) -> None:
    server.fail(*[Fault("status", 503)] * 3)
    client = client_for(server, store, Budget(max_calls=2))
    [result] = await _spend(client, 1)
    assert isinstance(result, BudgetReached) and len(server.seen) == 2
    [record] = store.calls.all()
    assert (record.outcome, record.error_kind, record.attempts) == ("error", "budget", 2)
    await client.aclose()
