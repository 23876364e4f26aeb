"""Two processes on one workspace: the second is refused cleanly (exit code 2, who holds it, what
to do); a lock left by a killed process is taken over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def studio(ws: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws), *args], cwd=REPO,
                          capture_output=True, text=True)


def test_second_process_refused_then_stale_lock_recovered(tmp_path) -> None:
    ws = tmp_path / "ws"
    assert studio(ws, "init").returncode == 0
    slow = "\n[providers.slow]\nkind = \"offline\"\nlatency = 0.2\n"
    (ws / "config.toml").write_text((ws / "config.toml").read_text() + slow)
    first = subprocess.Popen([sys.executable, "-m", "studio", "--workspace", str(ws), "generate", "-n", "200",
                              "--teacher", "slow", "--student", "slow"], cwd=REPO, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not (ws / "studio.lock.json").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = studio(ws, "topics", "list")
        assert second.returncode == 2
        assert f"locked by PID {first.pid}" in second.stderr, second.stderr
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        again = studio(ws, "runs")
        assert again.returncode == 0, again.stderr
        resumed = studio(ws, "generate", "-n", "200", "--teacher", "offline", "--student", "offline")
        assert resumed.returncode == 0, resumed.stderr
    finally:
        if first.poll() is None:
            first.kill()
