"""SIGKILL `studio generate` at random moments and re-run it: nothing finished is lost, nothing
is duplicated, and the final mix is exact."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from studio.domain import DialogueStatus, RunStatus, StudentTurn
from studio.store import Store
from studio.synth.run import run_dialogues

REPO = Path(__file__).resolve().parents[2]
SLOW_OFFLINE = """
[providers.offline]
kind = "offline"
model = "offline-simulator"
latency = 0.02
"""


def studio(ws: Path, log: Path, *args: str) -> subprocess.Popen:
    with open(log, "wb") as err:
        return subprocess.Popen([sys.executable, "-m", "studio", "--workspace", str(ws), *args], cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=err)


def wait_for_run(proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    """Until the process has started or resumed its run (start-up time varies with the machine's load)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if b" run " in log.read_bytes():
            return
        time.sleep(0.05)


def snapshot(ws: Path) -> dict[str, list[str]]:
    with Store(ws) as store:
        runs = store.runs.all()
        if not runs:
            return {}
        return {d.id: [t.text if isinstance(t, StudentTurn) else t.raw for t in d.turns]
                for d in run_dialogues(store, runs[0].id)}


def test_kill_and_rerun_until_done(tmp_path) -> None:
    ws = tmp_path / "ws"
    assert subprocess.run([sys.executable, "-m", "studio", "init", str(ws)], cwd=REPO, capture_output=True).returncode == 0
    config = (ws / "config.toml").read_text().replace('[providers.offline]\nkind = "offline"\nmodel = "offline-simulator"\n', "")
    (ws / "config.toml").write_text(config + SLOW_OFFLINE)
    args = ("generate", "--dialogues", "80", "--seed", "9", "--concurrency", "6")
    rng = random.Random(42)
    before: dict[str, list[str]] = {}
    kills = 0
    for _ in range(10):
        log = tmp_path / "generate.err"
        proc = studio(ws, log, *args)
        wait_for_run(proc, log)
        time.sleep(rng.uniform(0.1, 0.6))  # kill at a random moment of the run itself
        if proc.poll() is not None:
            break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        now = snapshot(ws)
        for dialogue_id, turns in before.items():
            assert now[dialogue_id][: len(turns)] == turns, "a finished turn was lost or changed"
        before = now
    assert kills >= 3, "the kills must land during the run"
    final = subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws), *args], cwd=REPO,
                           capture_output=True, text=True, timeout=300)  # a plain re-run resumes, or starts anew
    assert final.returncode == 0, final.stderr[-500:]
    assert ("resuming run" in final.stderr) == (proc.returncode != 0)
    with Store(ws) as store:
        run = min(store.runs.all(), key=lambda r: r.created)
        dialogues = run_dialogues(store, run.id)
        complete = [d for d in dialogues if d.status == DialogueStatus.COMPLETE]
        assert run.status == RunStatus.SUCCEEDED and len(complete) == 80 == run.completed
        assert sorted(d.index for d in complete) == list(range(80)), "no duplicate or missing dialogue"
        assert run.counts == run.quotas
        for dialogue_id, turns in before.items():
            current = next(d for d in dialogues if d.id == dialogue_id)
            texts = [t.text if isinstance(t, StudentTurn) else t.raw for t in current.turns]
            assert texts[: len(turns)] == turns
