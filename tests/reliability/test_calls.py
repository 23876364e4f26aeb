"""One model call, over real HTTP on 127.0.0.1: deadlines (a dripping server, keep-alive comments
only), max_tokens on every request, finish_reason=length as its own failure, oversized answers,
server-sent events parsed to the spec, the ledger row written before the request goes out, and
the answer saved the moment it arrives."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from studio.llm.base import ChatRequest, Message
from studio.llm.client import CallContext, CallLimits, LLMClient, RetryPolicy
from studio.llm.collect import collect
from studio.llm.errors import AnswerTooLarge, DeadlineExceeded, Truncated
from studio.llm.openai import OpenAIProvider
from studio.llm.prices import Price
from tests.llm.fakeserver import REPLY, Fault

REQUEST = ChatRequest([Message("user", "hello")])


def client_for(server, store=None, *, timeout: float = 30.0, limits: CallLimits | None = None,
               attempts: int = 1) -> LLMClient:
    provider = OpenAIProvider("oa", "gpt-test", base_url=f"{server.base}/v1", api_key="sk-x", timeout=timeout)
    return LLMClient(provider, store=store, retry=RetryPolicy(attempts=attempts, base_s=0.01), seed=1,
                     price=Price(1.0, 1.0, "USD"), limits=limits or CallLimits(max_tokens=64))


async def test_a_dripping_server_is_cut_off_by_the_whole_call_deadline(server) -> None:
    # Every byte arrives well within the read timeout (2 s), so only an overall deadline stops it.
    server.fail(Fault("drip", interval=0.05))
    client = client_for(server, timeout=2.0, limits=CallLimits(max_tokens=64, first_token_s=2.0, deadline_s=1.0))
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(DeadlineExceeded, match="within 1 s"):
        await client.chat(REQUEST)
    assert loop.time() - start < 10.0  # cut off, not after the drip's ~14 s (a wide margin for a loaded machine)
    await client.aclose()


async def test_keep_alive_comments_do_not_count_as_a_first_token(server) -> None:
    server.fail(Fault("keepalive", interval=0.05))
    client = client_for(server, limits=CallLimits(max_tokens=64, first_token_s=0.5, deadline_s=30))
    with pytest.raises(DeadlineExceeded, match="no first token within 0.5 s"):
        await collect(client, REQUEST, CallContext())
    await client.aclose()


async def test_max_tokens_goes_with_every_request_and_length_is_a_failure(server, store) -> None:
    client = client_for(server, store, limits=CallLimits(max_tokens=77))
    await client.chat(REQUEST)
    assert server.seen[-1].body["max_tokens"] == 77
    server.fail(Fault("length"))
    with pytest.raises(Truncated):
        await client.chat(ChatRequest([Message("user", "again")]), CallContext(run_id="r-1"))
    record = [c for c in store.calls.all() if c.run_id == "r-1"][0]
    assert (record.finish_reason, record.outcome, record.error_kind) == ("length", "error", "truncated")
    assert record.cost > 0, "a truncated answer was still paid for"
    server.fail(Fault("length"))
    with pytest.raises(Truncated):  # streamed too
        await collect(client, ChatRequest([Message("user", "streamed")]), CallContext())
    await client.aclose()


async def test_an_oversized_answer_is_refused_and_never_cached(server, store) -> None:
    big = "x" * 5000
    client = client_for(server, store, limits=CallLimits(max_tokens=64, max_answer_chars=1000))
    server.fail(Fault("answer", body={"text": big}))
    with pytest.raises(AnswerTooLarge):
        await client.chat(REQUEST)
    server.fail(Fault("answer", body={"text": big}))
    with pytest.raises(AnswerTooLarge):
        await collect(client, ChatRequest([Message("user", "s")]), CallContext())
    assert store.responses.count() == 0
    await client.aclose()


async def test_multi_line_data_retry_lines_and_comments_parse_to_the_spec(server) -> None:
    client = client_for(server)
    server.fail(Fault("multiline"))
    result = await collect(client, REQUEST, CallContext())
    assert result.text == REPLY
    await client.aclose()


async def test_the_ledger_row_exists_before_the_request_and_the_answer_is_on_disk_when_it_returns(server, store) -> None:
    seen_pending: list[int] = []

    def responder(body) -> str:  # runs when the server has the request
        pending = [c for c in store.calls.all() if c.outcome == "pending"]
        seen_pending.append(len(pending))
        return REPLY

    server.responder = responder
    client = client_for(server, store)
    await client.chat(REQUEST, CallContext(run_id="r-1"))
    assert seen_pending == [1], "the call was in the ledger before it was sent"
    journal = (store.folder / "studio.json.journal").read_bytes()  # not closed, not flushed by a timer
    assert b"Nice! What do you like to do at weekends?" in journal.replace(b'\\"', b'"')
    [record] = [orjson.loads(line) for line in journal.splitlines() if b'"calls"' in line][-1:]
    assert any(op[0] == "calls" and op[2]["outcome"] == "ok" for op in record["ops"])
    await client.aclose()
