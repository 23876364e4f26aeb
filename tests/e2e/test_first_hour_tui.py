"""The first hour's TUI path in a real terminal (tmux): review in Samples, the Dashboard, export from
the Dashboard, the Jobs and Eval panes. Screens are captured and kept beside the test's files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ui.test_tmux import tmux, wait_for

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def test_first_hour_tui_path(tmp_path) -> None:
    ws = tmp_path / "ws"
    env = {**os.environ, "STUDIO_WORKSPACE": str(ws), "TERM": "xterm-256color"}
    subprocess.run([sys.executable, "-m", "studio", "init"], env=env, cwd=REPO, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "studio", "generate", "-n", "10"], env=env, cwd=REPO, check=True,
                   capture_output=True)
    session = f"kouyu-first-{os.getpid()}"
    command = f"cd {REPO} && STUDIO_WORKSPACE={ws} TERM=xterm-256color {sys.executable} -m studio"
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "36", command)
    screens: dict[str, str] = {}
    try:
        screens["topics"] = wait_for(session, "Topics · 70 of 70")
        tmux("send-keys", "-t", session, "3")
        screens["samples"] = wait_for(session, "Samples · 40 of 40")
        tmux("send-keys", "-t", session, "Down", "a")
        screens["approved"] = wait_for(session, "✓ approved")
        tmux("send-keys", "-t", session, "4")
        screens["dashboard"] = wait_for(session, "Fault mix: target vs actual")
        tmux("send-keys", "-t", session, "x")
        screens["export form"] = wait_for(session, "Export an SFT dataset")
        tmux("send-keys", "-t", session, "C-s")
        screens["exported"] = wait_for(session, "snapshot s-")
        tmux("send-keys", "-t", session, "5")
        screens["jobs"] = wait_for(session, "Jobs · 0")
        tmux("send-keys", "-t", session, "6")
        screens["eval"] = wait_for(session, "No eval sets")
        tmux("send-keys", "-t", session, "F1")
        screens["help"] = wait_for(session, "Evaluation runs side by side")
        tmux("send-keys", "-t", session, "Escape", "C-q")
        deadline = time.monotonic() + 10
        while session in tmux("list-sessions") and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        tmux("kill-session", "-t", session)
        for name, screen in screens.items():
            (tmp_path / f"screen-{name.replace(' ', '-')}.txt").write_text(screen)
    assert any(ws.glob("exports/s-*/train.jsonl")), "the export from the Dashboard wrote its files"
    assert "f1 Help" in screens["dashboard"] and "x Export" in screens["dashboard"]
