"""Provider kinds are classes in one registry: the CLI, the config check and building all ask it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from studio.config import ConfigError, ProviderProfile, Secrets
from studio.llm.base import ChatRequest, ChatResult, Delta, Message
from studio.llm.http_chat import HTTPChatProvider, Piece
from studio.llm.kinds import KINDS, common_options, register
from studio.llm.registry import build_provider, check_profile

EVERY_KIND = """
[providers.tuned]
kind = "transformers"
model = "/models/tutor"

[providers.vllm]
kind = "openai"
base_url = "http://127.0.0.1:8000/v1"
model = "tutor"

[providers.gpt]
kind = "openai"
model = "gpt-4o-mini"

[providers.ernie]
kind = "qianfan"
model = "ernie-4.0-8k"

[providers.ernie-v1]
kind = "qianfan-v1"
model = "ERNIE-Speed-8K"
"""

KNOWN = "known: offline, openai, qianfan, qianfan-v1, transformers"


def add_config(ws_path, text: str) -> None:
    path = ws_path / "config.toml"
    path.write_text(path.read_text() + text)


def test_list_shows_a_profile_of_every_kind(ready_cli, ws_path, monkeypatch) -> None:
    add_config(ws_path, EVERY_KIND)
    monkeypatch.setenv("QIANFAN_API_KEY", "qf-key-123456")
    data = ready_cli.json("providers", "list")
    rows = {r["name"]: r for r in data["providers"]}
    assert {r["kind"] for r in rows.values()} == {"offline", "openai", "qianfan", "qianfan-v1", "transformers"}
    assert rows["tuned"]["key"] == "not needed" and rows["tuned"]["model"] == "/models/tutor"
    assert rows["vllm"]["key"] == "not needed"  # OPENAI_API_KEY goes to the public API only
    assert rows["gpt"]["key"] == "OPENAI_API_KEY missing"
    assert rows["ernie"]["key"] == "QIANFAN_API_KEY set"
    assert rows["ernie-v1"]["key"] == "QIANFAN_API_KEY set, QIANFAN_SECRET_KEY missing"
    kinds = {k["kind"]: k for k in data["kinds"]}
    assert sorted(kinds) == sorted(KINDS)
    assert kinds["qianfan-v1"]["key_envs"] == ["QIANFAN_API_KEY", "QIANFAN_SECRET_KEY"]
    code, out, err = ready_cli("providers", "list")
    assert code == 0 and err == ""
    assert "tuned" in out and "transformers" in out and "qianfan-v1" in out and "qianfan-v1:" in out


@pytest.mark.parametrize(("profile", "message"), [
    ('kind = "foo"', f"provider 'x': unknown kind 'foo' ({KNOWN})"),
    ('kind = "transformers"', "provider 'x': a transformers profile needs model = \"/path/to/model\""),
    ('kind = "qianfan-v1"\nmodel = "my-tuned"', "provider 'x': no endpoint known for model 'my-tuned'; set 'endpoint'"),
    ('kind = "offline"\nbase_url = "http://h/v1"',
     "provider 'x': kind 'offline' does not read base_url (base_url is for openai, qianfan, qianfan-v1)"),
    ('kind = "openai"\nmodel = "m"\nappid = "a-1"', "provider 'x': kind 'openai' does not read appid (appid is for qianfan)"),
])
def test_a_bad_profile_is_one_line_naming_it(ready_cli, ws_path, profile, message) -> None:
    add_config(ws_path, f"\n[providers.x]\n{profile}\n")
    for command in (("providers", "list"), ("info",)):
        code, out, err = ready_cli(*command)
        assert code == 1 and out == ""
        assert err.startswith(f"error: {ws_path / 'config.toml'}: {message}") and err.count("\n") == 1


def test_building_asks_the_registry_too() -> None:
    with pytest.raises(ConfigError, match=f"^provider 'y': unknown kind 'nope' \\({KNOWN}\\)$"):
        build_provider("y", ProviderProfile(kind="nope"), Secrets(environ={}))
    with pytest.raises(ConfigError, match="provider 'z' \\(qianfan\\) needs QIANFAN_API_KEY"):
        build_provider("z", ProviderProfile(kind="qianfan", model="m"), Secrets(environ={}))
    built = build_provider("t", ProviderProfile(kind="transformers", model="/models/x"), Secrets(environ={}))
    assert built.kind == "transformers" and built.model == "/models/x"


def test_add_writes_a_profile_the_list_shows(ready_cli, ws_path) -> None:
    code, out, err = ready_cli("providers", "add", "ernie-v1", "--kind", "qianfan-v1", "--model", "my-tuned",
                               "--set", "endpoint=abc_english", "--set", "rpm=30", "--set", "appid=7")
    assert code == 1 and "does not read appid" in err
    before = (ws_path / "config.toml").read_text()
    code, out, err = ready_cli("providers", "add", "ernie-v1", "--kind", "qianfan-v1", "--model", "my-tuned",
                               "--set", "endpoint=abc_english", "--set", "rpm=30")
    assert code == 0, err
    text = (ws_path / "config.toml").read_text()
    assert text.startswith(before) and "QIANFAN_SECRET_KEY missing" in out
    row = {r["name"]: r for r in ready_cli.json("providers", "list")["providers"]}["ernie-v1"]
    assert (row["kind"], row["model"], row["rpm"]) == ("qianfan-v1", "my-tuned", 30)
    code, _, err = ready_cli("providers", "add", "ernie-v1", "--kind", "offline")
    assert code == 1 and "provider 'ernie-v1' is already in" in err
    code, _, err = ready_cli("providers", "add", "other", "--kind", "qianfan-v1", "--model", "my-tuned")
    assert code == 1 and "provider 'other': no endpoint known for model 'my-tuned'" in err
    code, _, err = ready_cli("providers", "add", "other", "--kind", "foo")
    assert code == 1 and "invalid choice: 'foo'" in err
    assert (ws_path / "config.toml").read_text() == text  # a refused profile changes nothing
    assert not list(ws_path.glob(".config.toml*"))


# -- a new kind: one class, a small hook where its stream differs ------------------------------------

class LineStreamProvider(HTTPChatProvider):
    """A made-up server that streams ``{"out": {"text": …}, "done": true}`` events and ends with no ``[DONE]``."""

    kind = "line-stream"
    default_key_env = "LINE_STREAM_KEY"
    options = frozenset({"base_url", "api_key_env"})
    summary = "a test server"

    @classmethod
    def from_profile(cls, name, profile, secrets, *, seed=0, workspace=None):  # type: ignore[no-untyped-def]
        return cls(name, profile.model, base_url=profile.base_url, api_key=cls.require_key(name, profile, secrets),
                   client=httpx.AsyncClient(transport=httpx.MockTransport(_line_server)), **common_options(profile))

    def url(self) -> str:
        return f"{self.base_url}/generate"

    def body(self, request: ChatRequest, stream: bool) -> dict[str, Any]:
        return {"prompt": request.messages[-1].content, "stream": stream}

    def read_answer(self, body: dict[str, Any]) -> Piece:
        return Piece(body["out"]["text"])

    def read_chunk(self, body: dict[str, Any]) -> Piece:
        return Piece(body["out"]["text"], last=bool(body.get("done")))


def _line_server(request: httpx.Request) -> httpx.Response:
    import json

    asked = json.loads(request.content)
    if not asked["stream"]:
        return httpx.Response(200, json={"out": {"text": "whole answer"}})
    events = [{"out": {"text": "Hel"}}, {"out": {"text": "lo"}}, {"out": {"text": "!"}, "done": True}]
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events)
    return httpx.Response(200, text=body, headers={"content-type": "text/event-stream"})


@pytest.fixture
def line_kind():
    register(LineStreamProvider)
    yield LineStreamProvider
    KINDS.pop(LineStreamProvider.kind)


async def test_a_registered_kind_is_built_listed_and_streams_through_its_hook(line_kind, ready_cli, ws_path,
                                                                               monkeypatch) -> None:
    add_config(ws_path, '\n[providers.mine]\nkind = "line-stream"\nmodel = "m"\nbase_url = "http://h"\n')
    monkeypatch.setenv("LINE_STREAM_KEY", "line-key-123")
    rows = {r["name"]: r for r in ready_cli.json("providers", "list")["providers"]}
    assert rows["mine"]["kind"] == "line-stream" and rows["mine"]["key"] == "LINE_STREAM_KEY set"
    check_profile("mine", ProviderProfile(kind="line-stream", base_url="http://h"))
    with pytest.raises(ConfigError, match="kind 'line-stream' does not read appid"):
        check_profile("mine", ProviderProfile(kind="line-stream", appid="1"))
    provider = build_provider("mine", ProviderProfile(kind="line-stream", model="m", base_url="http://h"),
                              Secrets(environ={"LINE_STREAM_KEY": "line-key-123"}))
    events = [e async for e in provider.stream(ChatRequest([Message("user", "hi")]))]
    assert [e.text for e in events if isinstance(e, Delta)] == ["Hel", "lo", "!"]
    final = events[-1]
    assert isinstance(final, ChatResult) and final.text == "Hello!" and final.finish_reason == "stop"
    assert (await provider.chat(ChatRequest([Message("user", "hi")]))).text == "whole answer"
    await provider.aclose()


def test_a_kind_is_registered_once() -> None:
    class Twin(LineStreamProvider):
        kind = "openai"

    with pytest.raises(ValueError, match="registered twice"):
        register(Twin)
