"""Hostile model servers on loopback, met through the CLI: bodies and stream lines that never end,
servers that lie about usage, ignore max_tokens, answer too late or expire their tokens every
call, and keys echoed back in every encoding. Memory stays bounded, caps hold, keys stay home."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, quote_plus

from studio.workspace import open_workspace
from tests.llm.fakeserver import FakeServer, Fault, simulated

REPO = Path(__file__).resolve().parents[2]
#: Peak memory of a command whose server sends without end (the caps keep it far below), and what
#: it may take beyond the same command against a server that behaves (the studio's own footprint).
RSS_LIMIT_MB = 300
RSS_EXTRA_MB = 100

HOSTILE = """
[providers.hostile]
kind = "openai"
model = "m"
base_url = "{base}/v1"
api_key_env = "HOSTILE_TEST_KEY"
retries = {retries}
backoff = 0.01
timeout = {timeout}
price_in = 0.01
price_out = 0.01
max_tokens = 200
"""


def add_profile(ws: Path, server: FakeServer, *, retries: int = 0, timeout: float = 20) -> None:
    config = ws / "config.toml"
    config.write_text(config.read_text() + HOSTILE.format(base=server.base, retries=retries, timeout=timeout))


def peak_run(ws: Path, *args: str) -> tuple[int, str, float]:
    """Run the CLI in a child process; its exit code, stderr and peak resident memory in MB."""
    code = ("import resource, sys\nfrom studio.cli import main\n"
            f"code = main(['--workspace', {str(ws)!r}, *{list(args)!r}])\n"
            "print('peak-rss-kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.__stderr__)\n"
            "sys.exit(code)\n")
    env = {**os.environ, "HOSTILE_TEST_KEY": "sk-hostile-test-key"}
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=300)
    peak = next(int(line.split()[1]) for line in out.stderr.splitlines() if line.startswith("peak-rss-kb"))
    return out.returncode, out.stdout + out.stderr, peak / 1024


def ledger(ws: Path) -> list:
    with open_workspace(ws) as w:
        return w.store.calls.all()


# -- 1. bodies and lines that never end ------------------------------------------------------
def bounded(peak: float, baseline: float) -> bool:
    return peak < RSS_LIMIT_MB or peak < baseline + RSS_EXTRA_MB


def test_an_endless_body_fails_the_call_and_memory_stays_bounded(ready_cli) -> None:
    fine = FakeServer().start()
    server = FakeServer(chaos=lambda: Fault("endless")).start()
    try:
        config = ready_cli.ws / "config.toml"
        config.write_text(config.read_text() + HOSTILE.replace("hostile]", "fine]").format(
            base=fine.base, retries=0, timeout=20))
        add_profile(ready_cli.ws, server)
        ok, _, baseline = peak_run(ready_cli.ws, "providers", "check", "fine")
        code, err, peak = peak_run(ready_cli.ws, "providers", "check", "hostile")
    finally:
        server.stop()
        fine.stop()
    print(f"peak RSS under an endless body: {peak:.0f} MB (a server that behaves: {baseline:.0f} MB)")
    assert ok == 0 and code == 1 and "max_body_bytes" in err
    assert bounded(peak, baseline), f"{peak:.0f} MB (baseline {baseline:.0f} MB)"
    [call] = [c for c in ledger(ready_cli.ws) if c.provider == "hostile"]
    assert call.error_kind == "too_large"


def test_an_endless_stream_line_fails_the_call_and_memory_stays_bounded(ready_cli) -> None:
    server = FakeServer(chaos=lambda: Fault("endless_line")).start()
    try:
        add_profile(ready_cli.ws, server)
        _, _, baseline = peak_run(ready_cli.ws, "generate", "-n", "1", "--json")  # the offline teacher
        code, err, peak = peak_run(ready_cli.ws, "generate", "-n", "1", "--seed", "2", "--teacher", "hostile",
                                   "--student", "offline", "--json")
    finally:
        server.stop()
    print(f"peak RSS under an endless stream line: {peak:.0f} MB (the offline teacher: {baseline:.0f} MB)")
    assert code != 0 and bounded(peak, baseline), f"{peak:.0f} MB (baseline {baseline:.0f} MB)"
    calls = [c for c in ledger(ready_cli.ws) if c.provider == "hostile"]
    assert calls and {c.error_kind for c in calls} == {"too_large"}
    assert all("max_line_bytes" in (c.error or "") for c in calls)


# -- 2. caps that hold against a server that lies -----------------------------------------------
def _spent(ws: Path, provider: str = "hostile") -> tuple[float, int]:
    calls = [c for c in ledger(ws) if c.provider == provider]
    return sum(c.cost for c in calls), sum(c.attempts for c in calls)


def test_a_server_reporting_more_tokens_than_max_tokens_cannot_break_the_cost_cap(ready_cli) -> None:
    server = simulated(usage_out=5000)
    try:
        add_profile(ready_cli.ws, server)
        code, _, err = ready_cli("generate", "-n", "6", "--teacher", "hostile", "--student", "offline",
                                 "--max-cost", "0.2")
    finally:
        server.stop()
    assert code == 3, err
    cost, _ = _spent(ready_cli.ws)
    assert 0 < cost <= 0.2 + 1e-9


def test_answers_far_longer_than_max_tokens_are_charged_at_max_tokens_within_the_cap(ready_cli) -> None:
    server = FakeServer(reply="x" * 90_000, usage=False).start()  # no usage at all, 90k characters
    try:
        add_profile(ready_cli.ws, server)
        code, _, err = ready_cli("generate", "-n", "4", "--teacher", "hostile", "--student", "offline",
                                 "--max-cost", "0.2")
    finally:
        server.stop()
    assert code != 0, err
    calls = [c for c in ledger(ready_cli.ws) if c.provider == "hostile"]
    answered = [c for c in calls if c.outcome == "ok"]
    assert answered and all(c.tokens_out == 200 for c in answered), "counted as what arrived, held to max_tokens"
    assert all(c.cost > 0 for c in calls if c.error_kind != "budget"), "charged, not free"
    assert sum(c.cost for c in calls) <= 0.2 + 1e-9


def test_an_answer_without_usage_is_charged_for_what_arrived(ready_cli) -> None:
    server = simulated(usage=False)
    try:
        add_profile(ready_cli.ws, server)
        code, _, err = ready_cli("generate", "-n", "1", "--teacher", "hostile", "--student", "offline")
    finally:
        server.stop()
    assert code == 0, err
    ok = [c for c in ledger(ready_cli.ws) if c.provider == "hostile" and c.outcome == "ok"]
    assert ok and all(c.tokens_out > 0 and c.cost > 0 for c in ok)


def test_timed_out_requests_count_at_their_worst_case(ready_cli) -> None:
    server = simulated(latency=1.5)  # answers after the profile's deadline: the server did the work
    try:
        add_profile(ready_cli.ws, server, retries=3, timeout=0.3)
        code, _, err = ready_cli("generate", "-n", "2", "--teacher", "hostile", "--student", "offline",
                                 "--max-cost", "0.1")
    finally:
        server.stop()
    assert code != 0, err
    calls = [c for c in ledger(ready_cli.ws) if c.provider == "hostile"]
    assert calls and all(c.outcome == "error" and "timed out" in (c.error or "") or c.error_kind == "budget"
                         for c in calls)
    assert all(c.cost > 0 for c in calls if c.error_kind != "budget"), "a timed-out request is not free"
    cost = sum(c.cost for c in calls)
    assert 0 < cost <= 0.1 + 1e-9, "timed-out requests are counted, and the cap still holds"


QIANFAN_V1 = """
[providers.ernie]
kind = "qianfan-v1"
model = "ERNIE-Speed-8K"
base_url = "{base}"
retries = 0
"""


def test_qianfan_v1_token_refreshes_count_against_the_call_cap(ready_cli, monkeypatch) -> None:
    monkeypatch.setenv("QIANFAN_API_KEY", "qf-api-key-123456")
    monkeypatch.setenv("QIANFAN_SECRET_KEY", "qf-secret-key-654321")
    turns = iter(range(10**6))
    # every token is refused (code 111, expired) at its first use: each call asks for a new one and tries again
    server = simulated(chaos=lambda: Fault("expire_tokens") if next(turns) % 2 == 0 else None)
    try:
        config = ready_cli.ws / "config.toml"
        config.write_text(config.read_text() + QIANFAN_V1.format(base=server.base))
        code, _, err = ready_cli("generate", "-n", "4", "--teacher", "ernie", "--student", "offline",
                                 "--max-calls", "20")
    finally:
        server.stop()
    assert code != 0, err
    assert 0 < len(server.seen) <= 20, f"{len(server.seen)} requests under --max-calls 20"
    _, attempts = _spent(ready_cli.ws, "ernie")
    assert attempts == len(server.seen), "the ledger counts every request, token requests included"


def test_a_resumed_run_keeps_the_caps_it_is_not_given_again(ready_cli) -> None:
    server = simulated()
    try:
        add_profile(ready_cli.ws, server)
        code, out, err = ready_cli("generate", "-n", "10", "--teacher", "hostile", "--student", "offline",
                                   "--max-calls", "6", "--json")
        assert code == 3, err
        run = json.loads(out)["id"]
        code, _, err = ready_cli("generate", "--resume", run, "--max-cost", "100", "--json")
        assert code == 3, err
    finally:
        server.stop()
    assert len(server.seen) <= 6, "the call cap outlived a resume that only named --max-cost"


# -- 3. keys go only where they belong, and are redacted by value -------------------------------
def test_an_option_url_never_receives_a_platform_key(ready_cli, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-platform-key-never-sent")
    server = FakeServer().start()
    try:
        assert ready_cli("generate", "-n", "2")[0] == 0
        code, out, err = ready_cli("export", "--format", "openai", "--json")
        assert code == 0, err
        snapshot = json.loads(out)["snapshot"]["id"]
        code, _, err = ready_cli("train", "start", "--snapshot", snapshot, "--base-model", "gpt-4o-mini",
                                 "--backend", "openai", "--method", "full", "--option",
                                 f"base_url={server.base}/v1", "--detach")
    finally:
        server.stop()
    assert code == 1 and server.seen == [], "nothing was sent to the option's host"
    line = err.strip().splitlines()[-1]
    assert line.startswith("error: option base_url=") and "--option api_key_env=VARIABLE" in line
    assert "OPENAI_API_KEY" in line


def test_a_platform_sending_an_endless_body_fails_the_job_not_the_memory(ready_cli, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-platform-test-key")
    server = FakeServer(chaos=lambda: Fault("endless")).start()
    try:
        assert ready_cli("generate", "-n", "2")[0] == 0
        code, out, err = ready_cli("export", "--format", "openai", "--json")
        assert code == 0, err
        snapshot = json.loads(out)["snapshot"]["id"]
        code, _, err = ready_cli("train", "start", "--snapshot", snapshot, "--base-model", "gpt-4o-mini",
                                 "--backend", "openai", "--method", "full", "--option", f"base_url={server.base}/v1",
                                 "--option", "api_key_env=OPENAI_API_KEY")
    finally:
        server.stop()
    assert code == 1 and server.seen, err
    with open_workspace(ready_cli.ws) as ws:
        [job] = ws.store.jobs.all()
    assert job.status.value == "failed" and "response body passed 16777216 bytes" in (job.error or "")


ODD_KEY = "kouyu/odd+key=\"quoted\"\\tail-0123456789"  # changed by URL-encoding, JSON escaping and base64
LLM_APIKEY = """
[providers.oddkey]
kind = "openai"
model = "m"
base_url = "{base}/v1"
api_key_env = "LLM_APIKEY"
retries = 0
"""


def forms_of(secret: str) -> list[str]:
    raw = secret.encode()
    return [secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1],
            base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip("="),
            base64.b64encode(b"user:" + raw).decode()]


def everything(ws: Path) -> bytes:
    return b"".join(p.read_bytes() for p in ws.rglob("*") if p.is_file())


def test_a_key_from_any_variable_is_redacted_in_every_form(ready_cli, monkeypatch) -> None:
    monkeypatch.setenv("LLM_APIKEY", ODD_KEY)  # a name that says nothing of a key
    server = FakeServer().start()
    outputs = []
    try:
        config = ready_cli.ws / "config.toml"
        config.write_text(config.read_text() + LLM_APIKEY.format(base=server.base))
        for form in forms_of(ODD_KEY):
            server.fail(Fault("status", 401, {"error": {"code": "invalid_api_key", "message": f"bad key {form}"}}))
            code, out, err = ready_cli("providers", "check", "oddkey")
            assert code == 1
            outputs.append(out + err)
        outputs.append("".join(ready_cli("calls", "--json")[1:]))
    finally:
        server.stop()
    haystack = "".join(outputs).encode() + everything(ready_cli.ws)
    assert b"(redacted)" in haystack
    for form in forms_of(ODD_KEY):
        assert form.encode() not in haystack, f"{form} leaked"


def test_a_qianfan_v1_access_token_echoed_in_base64_is_redacted(ready_cli, monkeypatch) -> None:
    monkeypatch.setenv("QIANFAN_API_KEY", "qf-api-key-123456")
    monkeypatch.setenv("QIANFAN_SECRET_KEY", "qf-secret-key-654321")
    server = FakeServer().start()
    outputs = []
    try:
        config = ready_cli.ws / "config.toml"
        config.write_text(config.read_text() + QIANFAN_V1.format(base=server.base))
        token = "24.token-1"  # the first token the fake issues
        echoed = base64.b64encode(f"access_token={token}".encode()).decode()
        server.fail(Fault("body_error", body={"error_code": 336003, "error_msg": f"bad request {echoed}"}))
        code, out, err = ready_cli("providers", "check", "ernie")
        outputs.append(out + err)
        outputs.append("".join(ready_cli("calls", "--json")[1:]))
    finally:
        server.stop()
    assert code == 1
    haystack = "".join(outputs).encode() + everything(ready_cli.ws)
    core = base64.b64encode(token.encode()).decode().rstrip("=")[:8]
    assert echoed.encode() not in haystack and token.encode() not in haystack
    assert b"(redacted)" in haystack and core.encode() not in haystack


# -- 4. a reader that goes away ------------------------------------------------------------------
SLOW = """
[providers.slow]
kind = "openai"
model = "m"
base_url = "{base}/v1"
retries = 0
"""


def test_a_broken_pipe_stops_generate_quietly_and_keeps_every_answer(ready_cli) -> None:
    server = simulated(latency=0.05)
    try:
        config = ready_cli.ws / "config.toml"
        config.write_text(config.read_text() + SLOW.format(base=server.base))
        child = subprocess.Popen([sys.executable, "-m", "studio", "--workspace", str(ready_cli.ws), "generate",
                                  "-n", "12", "--teacher", "slow", "--student", "offline"], cwd=REPO,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        assert child.stderr is not None
        first = child.stderr.readline()  # like `2>&1 | head -1`: one line read, then the reader is gone
        child.stderr.close()
        code = child.wait(timeout=300)
        assert b"starting run" in first
        assert code == 141
        with open_workspace(ready_cli.ws) as ws:
            [run] = list(ws.store.runs)
            assert run.failed == 0 and run.status.value in ("paused", "succeeded")
            paid = {c.request_hash for c in ws.store.calls.all() if c.outcome == "ok"}
        asked = len(server.seen)
        code, _, err = ready_cli("generate", "--resume", run.id)
        assert code == 0, err
        with open_workspace(ready_cli.ws) as ws:
            bought = Counter(c.request_hash for c in ws.store.calls.all() if c.outcome == "ok")
    finally:
        server.stop()
    assert paid and len(server.seen) > asked, "answers were bought before the pipe broke, and after"
    assert max(bought.values()) == 1, "an answer kept through the broken pipe was bought again"


# -- 6. an answer is kept the moment it arrives -------------------------------------------------
def test_answers_delivered_before_a_sigkill_are_not_bought_again(ready_cli) -> None:
    server = simulated(latency=0.3)
    try:
        config = ready_cli.ws / "config.toml"
        config.write_text(config.read_text() + SLOW.format(base=server.base))
        args = [sys.executable, "-m", "studio", "--workspace", str(ready_cli.ws), "generate", "-n", "3", "-c", "1",
                "--teacher", "slow", "--student", "offline"]
        child = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        until = time.monotonic() + 120
        while len(server.seen) < 5 and child.poll() is None and time.monotonic() < until:
            time.sleep(0.01)  # polled with a deadline: the fifth request shows the fourth answer was taken
        child.send_signal(signal.SIGKILL)
        child.wait()
        delivered = [json.dumps(s.body, sort_keys=True) for s in server.seen[:4]]
        assert server.answered >= 4
        before = len(server.seen)
        code = subprocess.run(args, cwd=REPO, capture_output=True, timeout=300).returncode
        assert code == 0
        again = [json.dumps(s.body, sort_keys=True) for s in server.seen[before:]]
    finally:
        server.stop()
    assert not set(delivered) & set(again), "an answer delivered before the kill was bought again"
