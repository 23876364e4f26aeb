"""The studio in a real terminal: tmux runs it, keys are sent, the screen is captured."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def wait_for(session: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"'{text}' never appeared; last screen:\n{screen}")


def test_the_studio_runs_in_a_real_terminal(tmp_path) -> None:
    ws = tmp_path / "ws"
    env = {**os.environ, "STUDIO_WORKSPACE": str(ws), "TERM": "xterm-256color"}
    subprocess.run([sys.executable, "-m", "studio", "init"], env=env, cwd=REPO, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "studio", "generate", "-n", "3", "--json"], env=env, cwd=REPO, check=True,
                   capture_output=True)
    session = f"kouyu-{os.getpid()}"
    command = f"cd {REPO} && STUDIO_WORKSPACE={ws} TERM=xterm-256color {sys.executable} -m studio"
    tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", command)
    try:
        wait_for(session, "Topics · 70 of 70")
        wait_for(session, "Weekend hiking")
        tmux("send-keys", "-t", session, "3")
        screen = wait_for(session, "Samples · 12 of 12")
        tmux("send-keys", "-t", session, "Down")
        screen = wait_for(session, "Reply")  # the detail shows the answer by its fields
        tmux("send-keys", "-t", session, "a")
        screen = wait_for(session, "✓ approved")
        (tmp_path / "screen.txt").write_text(screen)
        tmux("send-keys", "-t", session, "C-q")
        deadline = time.monotonic() + 10
        while session in tmux("list-sessions") and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        tmux("kill-session", "-t", session)
    from studio.store import Store

    with Store(ws) as store:
        approved = [t for d in store.dialogues for t in d.turns if getattr(t, "review", None) == "approved"]
    assert len(approved) == 1
