"""Hostile text in a real terminal: the studio runs in tmux (a server of its own, the clipboard escape
allowed) over a workspace holding a platform's error and a model's unreadable answer full of OSC 0
(title) and OSC 52 (clipboard) sequences. After the Jobs pane and the Samples detail have shown them,
the window title is what it was, tmux holds no clipboard buffer, and the raw pane (``capture-pane -e``)
holds no OSC sequence: the escapes are on screen as text. A probe first shows that the same sequence,
written raw, does retitle the pane and fill a buffer, so the checks can fail."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.domain import Dialogue, Job, JobStatus, StudentTurn, TeacherTurn
from tests.workspaces import seeded_workspace

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
TITLE, CLIPBOARD = "\x1b]0;pwned\x07", "\x1b]52;c;cm0gLXJmIH4v\x07"  # the clipboard's text is `rm -rf ~/`
HOSTILE = f"{TITLE}{CLIPBOARD}\x1b]2;pwned too\x1b\\"


class Tmux:
    """One tmux server on a socket of its own, so the test's settings touch no other session."""

    def __init__(self, name: str) -> None:
        self.socket = name

    def __call__(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True,
                              check=False).stdout

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self("capture-pane", "-p", "-t", "studio")
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"'{text}' never appeared; last screen:\n{screen}")

    def until(self, check, what: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            assert time.monotonic() < deadline, what
            time.sleep(0.1)


def hostile_workspace(path: Path) -> None:
    ws = seeded_workspace(path)
    topic = ws.store.topics.all()[0]
    ws.store.jobs.put(Job(id="j-hostile", backend="openai", status=JobStatus.FAILED, hyper={"epochs": 1, "learning_rate": 1e-4},
                          error=f"platform says: {HOSTILE}", remote={"job_id": f"ftjob{HOSTILE}"}))
    raw = json.dumps({"Reply": "ok"}) + HOSTILE  # an answer that could not be read is kept, and shown, as it came
    ws.store.dialogues.put(Dialogue(id="d-hostile", topic_id=topic.id, status="complete",
                                    turns=[StudentTurn(text="I like hiking"), TeacherTurn(raw=raw)]))
    ws.close()


def test_hostile_text_neither_retitles_the_terminal_nor_fills_its_clipboard(tmp_path) -> None:
    hostile_workspace(tmp_path / "ws")
    tmux = Tmux(f"kouyu-attack-{os.getpid()}")
    try:
        tmux("new-session", "-d", "-s", "probe", "-x", "100", "-y", "10", "cat")
        tmux("set-option", "-s", "set-clipboard", "on")
        title = tmux("display", "-p", "-t", "probe", "#{pane_title}")
        tmux("respawn-pane", "-k", "-t", "probe", "printf '\\033]0;probed\\007\\033]52;c;cHJvYmU=\\007'; sleep 30")
        tmux.until(lambda: tmux("display", "-p", "-t", "probe", "#{pane_title}").strip() == "probed",
                   "a raw OSC 0 retitles a pane")
        tmux.until(lambda: tmux("list-buffers").strip() != "", "a raw OSC 52 fills a buffer")
        tmux("delete-buffer")  # the probe's session stays: the server, and its clipboard setting, with it
        assert tmux("list-buffers").strip() == "" and title

        command = (f"cd {REPO} && unset COLUMNS LINES && STUDIO_WORKSPACE={tmp_path / 'ws'} STUDIO_OFFTOPIC_LM=off TERM=xterm-256color "
                   f"{sys.executable} -m studio")
        tmux("new-session", "-d", "-s", "studio", "-x", "160", "-y", "50", command)
        tmux("resize-window", "-t", "studio", "-x", "160", "-y", "50")
        before = tmux("display", "-p", "-t", "studio", "#{pane_title}")
        tmux.wait_for("Topics ·")
        tmux("send-keys", "-t", "studio", "5")
        jobs = tmux.wait_for("platform says")
        assert "\\x1b]0;pwned" in jobs or "0;pwned" in jobs, "the error's escapes are on screen as text"
        tmux("send-keys", "-t", "studio", "3")
        tmux.wait_for("Samples ·")
        tmux("send-keys", "-t", "studio", "-l", "/d-hostile")
        tmux("send-keys", "-t", "studio", "Enter")
        detail = tmux.wait_for("\\x1b]52;c;")
        raw = tmux("capture-pane", "-e", "-p", "-t", "studio")
        assert "\x1b]" not in raw and "\x07" not in raw and "\x9d" not in raw, "no OSC sequence in the pane"
        assert "could not be read" in detail
        assert tmux("display", "-p", "-t", "studio", "#{pane_title}") == before, "the window title is unchanged"
        assert tmux("show-options", "-s", "set-clipboard").split() == ["set-clipboard", "on"]
        assert tmux("list-buffers").strip() == "", "nothing reached the clipboard"
        tmux("send-keys", "-t", "studio", "C-q")
    finally:
        tmux("kill-server")
