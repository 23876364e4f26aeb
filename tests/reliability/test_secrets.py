"""Secrets: recognisable fake keys used for real calls (generation over HTTP, a refused key, a
Qianfan fine-tune signed with an AK/SK pair, an eval run) appear in no file of the workspace, no
export, no log, no command output and no captured screen; loose secrets files and keys written
into config.toml are refused without echoing the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from studio.ui.app import make_app
from studio.workspace import open_workspace
from tests.llm.fakeserver import Fault, simulated
from tests.train.fakeplatform import Platform
from tests.ui.conftest import settle

REPO = Path(__file__).resolve().parents[2]
KEY = "sk-KOUYU-FAKE-KEY-7f3a9c1e5b"
AK, SK = "AKfake0123456789", "SKfake-secret-9876543210"  # the fake platform's pair
PROFILE = """
[providers.remote]
kind = "openai"
model = "sim-over-http"
base_url = "{base}/v1"
api_key_env = "KOUYU_TEST_KEY"
retries = 1
backoff = 0.01
"""


def everything_under(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_fake_keys_leak_nowhere(tmp_path) -> None:
    server = simulated()
    platform = Platform(polls_to_finish=1)
    ws = tmp_path / "ws"
    env = {**os.environ, "KOUYU_TEST_KEY": KEY, "QIANFAN_ACCESS_KEY": AK, "QIANFAN_SECRET_KEY": SK}
    outputs: list[str] = []

    def studio(*args: str, ok: bool = True) -> str:
        out = subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws), *args], cwd=REPO, env=env,
                             capture_output=True, text=True)
        assert (out.returncode == 0) == ok, out.stderr
        outputs.append(out.stdout + out.stderr)
        return out.stdout

    try:
        studio("init")
        (ws / "config.toml").write_text((ws / "config.toml").read_text() + PROFILE.format(base=server.base))
        studio("generate", "-n", "8", "--teacher", "remote", "--student", "remote")
        assert any(s.headers.get("authorization") == f"Bearer {KEY}" for s in server.seen), "the key was used"
        server.fail(Fault("status", 401, {"error": {"code": "invalid_api_key", "message": f"bad key {KEY}"}}))
        studio("providers", "check", "remote", ok=False)  # an auth error is fatal: one request, no retry
        split = studio("export", "--format", "openai", "--split", "0.8", "--json").split('"id": "')[1].split('"')[0]
        studio("export", "--format", "qianfan")
        snapshot = studio("export", "--format", "alpaca", "--json").split('"id": "')[1].split('"')[0]
        studio("train", "start", "--snapshot", snapshot, "--base-model", "ERNIE-Speed-8K", "--backend", "qianfan",
               "--method", "full", "--max-length", "4096", "--option", f"base_url={platform.base}",
               "--option", "access_key_env=QIANFAN_ACCESS_KEY", "--option", "secret_key_env=QIANFAN_SECRET_KEY",
               "--option", "dataset_version=ds-1")
        studio("eval", "make", "--n", "4", "--snapshot", split)
        studio("eval", "run", "--model", "remote")
        studio("calls")
        with open_workspace(ws) as w:
            app = make_app(w)

            async def screens() -> list[str]:
                shots = []
                async with app.run_test(size=(120, 40)) as pilot:
                    for key in ("1", "2", "3", "4", "5", "6"):
                        await pilot.press(key)
                        await settle(pilot)
                        shots.append(app.export_screenshot())
                return shots

            import asyncio

            shots = asyncio.run(screens())
    finally:
        server.stop()
        platform.stop()
    haystack = everything_under(ws) + "".join(outputs).encode() + "".join(shots).encode()
    for secret in (KEY, SK, AK):
        assert secret.encode() not in haystack, f"{secret[:8]}… leaked"


def test_loose_secrets_file_and_keys_in_config_are_refused(tmp_path) -> None:
    ws = tmp_path / "ws"
    subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws), "init"], cwd=REPO, check=True,
                   capture_output=True)
    secrets = ws / "secrets.toml"
    secrets.write_text(f'OPENAI_API_KEY = "{KEY}"\n')
    secrets.chmod(0o644)
    config = ws / "config.toml"
    config.write_text(config.read_text() + '\n[providers.gpt]\nkind = "openai"\nmodel = "gpt-4o-mini"\n')
    out = subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws), "providers", "check", "gpt"],
                         cwd=REPO, capture_output=True, text=True, env={k: v for k, v in os.environ.items()
                                                                         if k != "OPENAI_API_KEY"})
    assert out.returncode != 0 and "readable by others" in out.stderr and "chmod 600" in out.stderr
    assert KEY not in out.stdout + out.stderr
    config.write_text(config.read_text() + f'api_key = "{KEY}"\n')
    out = subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws), "providers", "list"], cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode != 0 and "keys never go in config.toml" in out.stderr and KEY not in out.stderr


QF_KEY = "bce-v3/ALTAK-fake0123/abc+def=="  # characters that URL-encoding changes
QF_PROFILE = """
[providers.qf]
kind = "qianfan"
model = "ernie-4.0-8k"
base_url = "{base}/v2"
retries = 0

[providers.local]
kind = "openai"
model = "m"
base_url = "{base}/v1"
retries = 0
"""


def test_a_key_echoed_in_any_encoding_is_redacted_everywhere(ready_cli, monkeypatch) -> None:
    import base64
    from urllib.parse import quote, quote_plus

    from tests.llm.fakeserver import FakeServer

    monkeypatch.setenv("QIANFAN_API_KEY", QF_KEY)
    forms = [QF_KEY, quote(QF_KEY, safe=""), quote_plus(QF_KEY), base64.b64encode(QF_KEY.encode()).decode(),
             QF_KEY.replace("/", "\\/")]
    server = FakeServer().start()
    try:
        (ready_cli.ws / "config.toml").write_text((ready_cli.ws / "config.toml").read_text()
                                                 + QF_PROFILE.format(base=server.base))
        outputs = []
        for form in forms:
            server.fail(Fault("status", 401, {"error": {"code": "invalid_iam_token", "message": f"bad token {form}"}}))
            code, out, err = ready_cli("providers", "check", "qf")
            assert code == 1
            outputs.append(out + err)
        code, out, err = ready_cli("calls", "--json")
        outputs.append(out + err)
    finally:
        server.stop()
    haystack = "".join(outputs).encode() + everything_under(ready_cli.ws)
    for form in forms:
        assert form.encode() not in haystack, f"{form} leaked"


def test_the_openai_key_goes_only_to_the_public_endpoint(ready_cli, monkeypatch) -> None:
    from tests.llm.fakeserver import FakeServer

    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server = FakeServer().start()
    try:
        (ready_cli.ws / "config.toml").write_text((ready_cli.ws / "config.toml").read_text()
                                                 + QF_PROFILE.format(base=server.base))
        code, _, err = ready_cli("providers", "check", "local")
        assert code == 0, err
        assert all("authorization" not in s.headers for s in server.seen), "OPENAI_API_KEY went to another host"
    finally:
        server.stop()


def test_a_loose_secrets_file_is_refused_even_when_the_environment_has_the_key(ready_cli, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    secrets = ready_cli.ws / "secrets.toml"
    secrets.write_text(f'OPENAI_API_KEY = "{KEY}"\n')
    secrets.chmod(0o644)
    config = ready_cli.ws / "config.toml"
    config.write_text(config.read_text() + '\n[providers.gpt]\nkind = "openai"\nmodel = "gpt-4o-mini"\n')
    code, out, err = ready_cli("providers", "check", "gpt")
    assert code == 1 and "readable by others" in err and "chmod 600" in err and KEY not in out + err
