from __future__ import annotations

from tests.llm.conftest import API_KEY
from tests.llm.fakeserver import Fault


def configure(ws_path, server) -> None:
    config = (ws_path / "config.toml").read_text()
    config += f"""
[providers.local]
kind = "openai"
model = "tutor-7b"
base_url = "{server.base}/v1"
api_key_env = "LOCAL_LLM_KEY"
price_in = 0.001
price_out = 0.002
currency = "USD"

[providers.ernie]
kind = "qianfan"
model = "ernie-4.0-8k"
"""
    (ws_path / "config.toml").write_text(config)


def test_providers_list_shows_key_state_without_the_key(ready_cli, ws_path, server, monkeypatch) -> None:
    configure(ws_path, server)
    monkeypatch.setenv("LOCAL_LLM_KEY", API_KEY)
    data = ready_cli.json("providers", "list")
    by_name = {p["name"]: p for p in data["providers"]}
    assert by_name["offline"]["note"].startswith("offline simulator")
    assert by_name["local"]["key"] == "LOCAL_LLM_KEY set"
    assert by_name["ernie"]["key"] == "QIANFAN_API_KEY missing"
    code, out, _ = ready_cli("providers", "list")
    assert code == 0 and API_KEY not in out and "not a model" in out


def test_providers_check_ok_and_ledger(ready_cli, ws_path, server, monkeypatch) -> None:
    configure(ws_path, server)
    monkeypatch.setenv("LOCAL_LLM_KEY", API_KEY)
    server.latency = 0.25  # the server takes a quarter of a second: the latency shown is the call's own
    result = ready_cli.json("providers", "check", "local")
    assert result["ok"] and result["model"] == "tutor-7b" and result["latency_s"] >= 0.25
    summary = ready_cli.json("calls")
    assert summary["by_provider"]["local"]["calls"] == 1
    # the fake reports 20 answer tokens; the check asks for at most 16, and no more are charged
    assert summary["total"]["cost"] == round(30 / 1000 * 0.001 + 16 / 1000 * 0.002, 6)


def test_providers_check_prints_the_exact_error(ready_cli, ws_path, server, monkeypatch) -> None:
    configure(ws_path, server)
    monkeypatch.setenv("LOCAL_LLM_KEY", API_KEY)
    server.fail(Fault("status", 401, {"error": {"code": "invalid_api_key", "message": f"Incorrect API key {API_KEY}"}}))
    code, out, err = ready_cli("providers", "check", "local")
    assert code == 1 and "auth: Incorrect API key" in out and "HTTP 401" in out
    assert API_KEY not in out + err
    code, out, _ = ready_cli("calls")
    assert "auth 1" in out and API_KEY not in out


def test_missing_key_says_which_variable(ready_cli, ws_path, server) -> None:
    configure(ws_path, server)
    code, _, err = ready_cli("providers", "check", "ernie")
    assert code == 1 and "provider 'ernie' (qianfan) needs QIANFAN_API_KEY" in err


def test_check_the_offline_provider(ready_cli) -> None:
    result = ready_cli.json("providers", "check", "offline")
    assert result["ok"] and result["model"] == "offline-simulator"


def test_the_log_never_holds_a_secret(ready_cli, ws_path, server, monkeypatch) -> None:
    configure(ws_path, server)
    monkeypatch.setenv("LOCAL_LLM_KEY", API_KEY)
    server.fail(Fault("status", 503, {"error": {"message": f"upstream saw key {API_KEY}"}}),
                Fault("status", 401, {"error": {"code": "invalid_api_key", "message": f"bad key {API_KEY}"}}))
    code, out, err = ready_cli("providers", "check", "local")
    log = (ws_path / "logs" / "studio.log").read_text()
    assert "failed" in log and "bad key" in log
    assert API_KEY not in log + out + err
