"""Several processes on one workspace: a generation run goes on while another process approves its
samples (every sample arrives, every approval stays); two reviewers asking for the next sample at once
never get the same one; a workspace left by a killed process opens again and its run resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from studio.domain import ReviewStatus
from studio.store import Store
from studio.synth import review

REPO = Path(__file__).resolve().parents[2]
SLOW = "\n[providers.slow]\nkind = \"offline\"\nlatency = 0.05\n"


def studio(ws: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws), *args], cwd=REPO,
                          capture_output=True, text=True)


def start(ws: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "studio", "--workspace", str(ws), *args], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def slow_workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    assert studio(ws, "init").returncode == 0
    (ws / "config.toml").write_text((ws / "config.toml").read_text() + SLOW)
    return ws


def test_a_run_goes_on_while_another_process_approves_its_samples(tmp_path) -> None:
    ws = slow_workspace(tmp_path)
    run = start(ws, "generate", "--dialogues", "20", "--teacher", "slow", "--student", "slow")
    approved: set[str] = set()
    try:
        with Store(ws) as watcher:  # a third session, seeing the run's turns as they are written
            deadline = time.monotonic() + 120
            while run.poll() is None and time.monotonic() < deadline:
                keys = [r.key for r in review.all_rows(watcher) if r.key not in approved][:3]
                if keys:  # samples of dialogues still being generated among them
                    done = studio(ws, "review", "approve", *keys, "--force", "--reviewer", "rev")
                    assert done.returncode == 0, done.stderr
                    approved.update(keys)
                else:
                    time.sleep(0.05)
        assert run.wait(timeout=120) == 0, run.stderr.read() if run.stderr else ""
    finally:
        if run.poll() is None:
            run.kill()
    assert len(approved) >= 3
    with Store(ws) as store:
        dialogues = store.dialogues.all()
        assert len(dialogues) == 20 and all(d.status.value == "complete" for d in dialogues)
        assert all(sum(t.__class__.__name__ == "TeacherTurn" for t in d.turns) >= 1 for d in dialogues)
        for key in approved:
            assert review.load_sample(store, key)[2].review == ReviewStatus.APPROVED, key


def test_two_reviewers_asking_at_once_never_get_the_same_sample(tmp_path) -> None:
    ws = slow_workspace(tmp_path)
    assert studio(ws, "generate", "--dialogues", "4").returncode == 0
    given: list[str] = []
    for pair in range(3):
        procs = [subprocess.Popen([sys.executable, "-m", "studio", "--workspace", str(ws), "review", "next", "--json",
                                   "--reviewer", f"r{pair}{side}"], cwd=REPO, stdout=subprocess.PIPE, text=True)
                 for side in "ab"]
        for proc in procs:
            out, _ = proc.communicate(timeout=60)
            assert proc.returncode == 0
            given.append(json.loads(out)["sample"]["key"])
    assert len(given) == len(set(given)) == 6


def test_a_killed_process_leaves_nothing_that_stops_the_next(tmp_path) -> None:
    ws = slow_workspace(tmp_path)
    first = start(ws, "generate", "-n", "200", "--teacher", "slow", "--student", "slow")
    try:
        with Store(ws) as watcher:
            deadline = time.monotonic() + 60
            while watcher.dialogues.count() == 0 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert watcher.dialogues.count() > 0
            listed = studio(ws, "info")  # while it runs
            assert listed.returncode == 0 and f"PID {first.pid}" in listed.stdout, listed.stdout
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        runs = studio(ws, "runs", "--json")
        assert runs.returncode == 0, runs.stderr
        assert "interrupted" in runs.stdout  # opened alone: the dead process's run is told apart
        resumed = studio(ws, "generate", "-n", "200", "--teacher", "offline", "--student", "offline")
        assert resumed.returncode == 0, resumed.stderr
    finally:
        if first.poll() is None:
            first.kill()
