"""Each wire format against a real loopback HTTP server, including every error kind."""

from __future__ import annotations

import pytest

from studio.llm.base import ChatRequest, ChatResult, Delta, Message
from studio.llm.errors import (
    AuthError,
    BadRequest,
    ContentFiltered,
    LLMError,
    QuotaExhausted,
    RateLimited,
    Transient,
)
from studio.llm.openai import OpenAIProvider, QianfanProvider
from studio.llm.qianfan_v1 import QianfanV1Provider
from tests.llm.conftest import API_KEY, SECRET_KEY
from tests.llm.fakeserver import REPLY, Fault

KINDS = ["openai", "qianfan", "qianfan-v1"]
REQUEST = ChatRequest([Message("user", "hello")], system="You are a teacher.", json_mode=True, temperature=0.5, max_tokens=100)


OPEN: list = []


@pytest.fixture(autouse=True)
async def _close_providers():
    yield
    while OPEN:
        await OPEN.pop().aclose()


def make(kind: str, server, **kw):
    if kind == "openai":
        provider = OpenAIProvider("oa", "gpt-test", base_url=f"{server.base}/v1", api_key=API_KEY, **kw)
    elif kind == "qianfan":
        provider = QianfanProvider("qf", "ernie-4.0-8k", base_url=f"{server.base}/v2", api_key=API_KEY, appid="app-1", **kw)
    else:
        provider = QianfanV1Provider("qf1", "ERNIE-4.0-8K", api_key=API_KEY, secret_key=SECRET_KEY, base_url=server.base, **kw)
    OPEN.append(provider)
    return provider


async def collect(provider, request=REQUEST) -> tuple[list[str], ChatResult]:
    deltas, final = [], None
    async for event in provider.stream(request):
        if isinstance(event, Delta):
            deltas.append(event.text)
        else:
            final = event
    return deltas, final  # type: ignore[return-value]


@pytest.mark.parametrize("kind", KINDS)
async def test_chat_returns_text_usage_and_latency(kind, server) -> None:
    provider = make(kind, server)
    result = await provider.chat(REQUEST)
    assert result.text == REPLY
    assert (result.usage.tokens_in, result.usage.tokens_out, result.usage.estimated) == (30, 20, False)
    assert result.finish_reason == "stop" and result.latency_s > 0
    await provider.aclose()


@pytest.mark.parametrize("kind", KINDS)
async def test_stream_yields_deltas_then_the_result(kind, server) -> None:
    provider = make(kind, server)
    deltas, final = await collect(provider)
    assert len(deltas) > 3 and "".join(deltas) == REPLY == final.text
    assert final.usage.tokens_out == 20 and final.first_token_s is not None
    await provider.aclose()


async def test_missing_usage_is_estimated(server) -> None:
    server.usage = False
    provider = make("openai", server)
    result = await provider.chat(REQUEST)
    assert result.usage.estimated and result.usage.tokens_out > 0
    _, final = await collect(provider)
    assert final.usage.estimated
    await provider.aclose()


async def test_openai_wire_format(server) -> None:
    provider = make("openai", server)
    await provider.chat(REQUEST)
    seen = server.seen[-1]
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["authorization"] == f"Bearer {API_KEY}"
    assert seen.body["messages"][0] == {"role": "system", "content": "You are a teacher."}
    assert seen.body["response_format"] == {"type": "json_object"} and seen.body["max_tokens"] == 100
    await collect(provider)
    assert server.seen[-1].body["stream"] is True and server.seen[-1].body["stream_options"] == {"include_usage": True}
    await provider.aclose()


async def test_qianfan_v2_wire_format(server) -> None:
    provider = make("qianfan", server)
    await provider.chat(REQUEST)
    seen = server.seen[-1]
    assert seen.path == "/v2/chat/completions" and seen.headers["appid"] == "app-1"
    assert seen.body["max_completion_tokens"] == 100 and "max_tokens" not in seen.body
    await provider.aclose()


async def test_qianfan_v1_wire_format_and_token_cache(server) -> None:
    provider = make("qianfan-v1", server)
    await provider.chat(REQUEST)
    await provider.chat(REQUEST)
    token_calls = [s for s in server.seen if s.path == "/oauth/2.0/token"]
    assert len(token_calls) == 1 and token_calls[0].query["client_id"] == [API_KEY]
    chat = server.seen[-1]
    assert chat.path == "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/completions_pro"
    assert chat.body["system"] == "You are a teacher." and all(m["role"] != "system" for m in chat.body["messages"])
    assert chat.body["response_format"] == "json_object" and chat.body["max_output_tokens"] == 100
    await provider.aclose()


async def test_qianfan_v1_refreshes_the_token_once_on_111(server) -> None:
    provider = make("qianfan-v1", server)
    await provider.chat(REQUEST)
    server.fail(Fault("expire_tokens"))
    assert (await provider.chat(REQUEST)).text == REPLY
    assert server.tokens_issued == 2
    server.fail(Fault("expire_tokens"))
    deltas, final = await collect(provider)
    assert final.text == REPLY and server.tokens_issued == 3
    await provider.aclose()


async def test_qianfan_v1_gives_up_when_the_new_token_is_refused_too(server) -> None:
    provider = make("qianfan-v1", server)
    server.valid_tokens = set()
    original = server._token

    async def token_never_valid(query, writer):  # issue tokens the chat endpoint then refuses
        ok = await original(query, writer)
        server.valid_tokens.clear()
        return ok

    server._token = token_never_valid
    with pytest.raises(AuthError, match="refused again after a refresh"):
        await provider.chat(REQUEST)
    await provider.aclose()


async def test_qianfan_v1_wrong_secret_is_an_auth_error(server) -> None:
    provider = QianfanV1Provider("qf1", "ERNIE-Speed-8K", api_key=API_KEY, secret_key="wrong-secret", base_url=server.base)
    OPEN.append(provider)
    with pytest.raises(AuthError, match="Client authentication failed") as info:
        await provider.chat(REQUEST)
    assert "wrong-secret" not in str(info.value)
    await provider.aclose()


def test_qianfan_v1_unknown_model_needs_an_endpoint() -> None:
    with pytest.raises(ValueError, match="set 'endpoint'"):
        QianfanV1Provider("qf1", "my-tuned-model", api_key="a", secret_key="b")
    assert QianfanV1Provider("qf1", "my-tuned", api_key="a", secret_key="b", endpoint="abc_english").endpoint == "abc_english"


HTTP_FAULTS = [
    (Fault("status", 429, {"error": {"code": "rpm_rate_limit_exceeded", "message": "Rate limit reached for RPM"}}, {"Retry-After": "2"}), RateLimited),
    (Fault("status", 429, {"error": {"code": "insufficient_quota", "message": "You exceeded your quota"}}), QuotaExhausted),
    (Fault("status", 500, {"error": {"code": "internal_error", "message": "boom"}}), Transient),
    (Fault("status", 503, {}), Transient),
    (Fault("status", 401, {"error": {"code": "invalid_iam_token", "message": "IAM Certification failed"}}), AuthError),
    (Fault("status", 403, {"error": {"message": "forbidden"}}), AuthError),
    (Fault("status", 400, {"error": {"code": "invalid_model", "message": "model is empty"}}), BadRequest),
    (Fault("status", 400, {"error": {"code": "content_filter", "message": "blocked"}}), ContentFiltered),
    (Fault("body_error", body={"error_code": 18, "error_msg": "Open api qps request limit reached"}), RateLimited),
    (Fault("body_error", body={"error_code": 336501, "error_msg": "Rate limit reached for RPM"}), RateLimited),
    (Fault("body_error", body={"error_code": 17, "error_msg": "Open api daily request limit reached"}), QuotaExhausted),
    (Fault("body_error", body={"error_code": 19, "error_msg": "Open api total request limit reached"}), QuotaExhausted),
    (Fault("body_error", body={"error_code": 2, "error_msg": "Service temporarily unavailable"}), Transient),
    (Fault("body_error", body={"error_code": 336100, "error_msg": "Server high load"}), Transient),
    (Fault("body_error", body={"error_code": 336003, "error_msg": "Invalid param"}), BadRequest),
    (Fault("body_error", body={"error_code": 336103, "error_msg": "sensitive content"}), ContentFiltered),
    (Fault("reset"), Transient),
]
EXPOSED: list[str] = []


def _fault_id(value) -> str:
    if isinstance(value, Fault):
        return f"{value.kind}-{value.status}-{(value.body or {}).get('error_code', '')}"
    return value.__name__


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stream", [False, True], ids=["chat", "stream"])
@pytest.mark.parametrize("fault, expected", HTTP_FAULTS, ids=_fault_id)
async def test_every_error_kind_maps_for_every_provider(kind, stream, fault, expected, server) -> None:
    provider = make(kind, server)
    if kind == "qianfan-v1":
        await provider.chat(REQUEST)  # fetch the token first
    server.fail(fault)
    with pytest.raises(expected) as info:
        if stream:
            await collect(provider)
        else:
            await provider.chat(REQUEST)
    if fault.headers.get("Retry-After"):
        assert info.value.retry_after == 2.0
    EXPOSED.append(str(info.value))
    assert info.value.provider in ("oa", "qf", "qf1")
    await provider.aclose()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fault, message", [
    (Fault("truncate"), "truncated"), (Fault("cut"), "connection broken"),
    (Fault("bad_chunk"), "invalid JSON in stream chunk"),
])
async def test_broken_streams_are_transient(kind, fault, message, server) -> None:
    provider = make(kind, server)
    if kind == "qianfan-v1":
        await provider.chat(REQUEST)
    server.fail(fault)
    with pytest.raises(Transient, match=message) as info:
        await collect(provider)
    EXPOSED.append(str(info.value))
    await provider.aclose()


@pytest.mark.parametrize("kind, body, expected", [
    ("qianfan-v1", {"error_code": 336501, "error_msg": "Rate limit reached for RPM"}, RateLimited),
    ("qianfan", {"error": {"code": "tpm_rate_limit_exceeded", "message": "Rate limit reached for TPM"}}, RateLimited),
    ("openai", {"error": {"code": "server_error", "message": "overloaded"}}, Transient),
])
async def test_errors_inside_a_stream(kind, body, expected, server) -> None:
    provider = make(kind, server)
    if kind == "qianfan-v1":
        await provider.chat(REQUEST)
    server.fail(Fault("stream_error", body=body))
    with pytest.raises(expected):
        await collect(provider)
    await provider.aclose()


@pytest.mark.parametrize("kind", KINDS)
async def test_timeouts_are_transient(kind, server) -> None:
    provider = make(kind, server, timeout=0.2)
    if kind == "qianfan-v1":
        await provider.chat(REQUEST)
    server.fail(Fault("ok", delay=1.0))
    with pytest.raises(Transient, match="timed out"):
        await provider.chat(REQUEST)
    await provider.aclose()


async def test_connection_refused_is_transient() -> None:
    provider = OpenAIProvider("oa", "m", base_url="http://127.0.0.1:9/v1", api_key=API_KEY)
    OPEN.append(provider)
    with pytest.raises(Transient, match="could not connect"):
        await provider.chat(REQUEST)
    await provider.aclose()


def test_no_error_message_ever_contains_a_secret() -> None:
    assert EXPOSED, "the fault tests above run first and record their messages"
    for text in EXPOSED:
        assert API_KEY not in text and SECRET_KEY not in text and "token-" not in text


def test_error_messages_say_what_to_do() -> None:
    error: LLMError = AuthError("bad key", status=401, provider="qf")
    assert "check the API key" in str(error) and "HTTP 401" in str(error)
    assert "top it up" in str(QuotaExhausted("no money", code=17))
