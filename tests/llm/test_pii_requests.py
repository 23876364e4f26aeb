"""A request that leaves the machine carries no personal data: the client replaces it before the
provider sends it (and counts it); the offline simulator, which sends nothing out, gets it as it is."""

from __future__ import annotations

from studio.llm.base import ChatRequest, Message
from studio.llm.client import LLMClient
from studio.llm.limits import Limiter
from studio.llm.openai import OpenAIProvider
from tests.llm.conftest import API_KEY

SAID = "我叫王小明，手机13812345678，住朝阳区建国路88号。My email is xm2009@163.com."


async def test_a_remote_request_is_sent_with_placeholders_and_counted(server, clock) -> None:
    provider = OpenAIProvider("oa", "gpt-test", base_url=f"{server.base}/v1", api_key=API_KEY)
    client = LLMClient(provider, clock=clock, limiter=Limiter(2, clock=clock))
    request = ChatRequest([Message("user", SAID)], system="学生王小明同学的QQ是382910475。")
    await client.chat(request)
    body = str(server.seen[-1].body)
    for piece in ("王小明", "13812345678", "建国路88号", "xm2009@163.com", "382910475"):
        assert piece not in body, piece
    assert "[姓名]" in body and "[电话]" in body and "[地址]" in body and "[邮箱]" in body and "[QQ]" in body
    assert client.pii.by_kind == {"name": 2, "phone": 1, "address": 1, "email": 1, "qq": 1}
    assert request.messages[0].content == SAID  # the caller's request is left as it was
    await client.aclose()


async def test_the_offline_provider_is_not_a_remote_one() -> None:
    from studio.llm.offline import OfflineProvider

    assert not OfflineProvider.sends_text_out and OpenAIProvider.sends_text_out
