"""The ledger against what a loopback server saw, after repeated SIGKILLs of `studio generate`:
every request the server answered is in the ledger (written before it was sent), the only extra
rows are requests a kill left with an unknown outcome, and no answer was paid for twice (a saved
answer is replayed on resume, not bought again)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from studio.domain import RunStatus
from studio.workspace import open_workspace
from tests.llm.fakeserver import FakeServer, simulator

REPO = Path(__file__).resolve().parents[2]
REMOTE = """
[providers.remote]
kind = "openai"
model = "m"
base_url = "{base}/v1"
retries = 2
backoff = 0.01
"""


def test_the_ledger_matches_the_server_after_repeated_kills(ready_cli) -> None:
    server = FakeServer(responder=simulator(), latency=0.03).start()
    rng = random.Random(3)
    try:
        (ready_cli.ws / "config.toml").write_text((ready_cli.ws / "config.toml").read_text()
                                                 + REMOTE.format(base=server.base))
        args = [sys.executable, "-m", "studio", "--workspace", str(ready_cli.ws), "generate", "-n", "40",
                "--teacher", "remote", "--student", "remote", "-c", "8", "--seed", "7"]
        kills = 0
        for _ in range(5):
            proc = subprocess.Popen(args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            seen_before = len(server.seen)
            started = time.monotonic()
            while time.monotonic() - started < 60 and len(server.seen) < seen_before + rng.randint(5, 40):
                if proc.poll() is not None:
                    break
                time.sleep(0.01)
            if proc.poll() is not None:
                break
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            kills += 1
        final = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert final.returncode == 0, final.stderr[-600:]
        assert kills >= 3
        served = len([s for s in server.seen if s.path.endswith("/chat/completions")])
    finally:
        server.stop()
    with open_workspace(ready_cli.ws) as ws:
        calls = [c for c in ws.store.calls.all() if c.outcome != "cached"]
        [run] = ws.store.runs.all()
        assert run.status == RunStatus.SUCCEEDED and run.completed == 40
    sent = sum(c.attempts for c in calls)
    unknown = [c for c in calls if c.outcome == "pending"]
    assert served <= sent, "every request the server saw is in the ledger"
    assert sent - served <= sum(c.attempts for c in unknown), "extra rows are only kills' unknown outcomes"
    assert len(unknown) <= 8 * kills
    paid = Counter(c.request_hash for c in calls if c.outcome == "ok")
    assert max(paid.values()) == 1, "no answer was bought twice"
