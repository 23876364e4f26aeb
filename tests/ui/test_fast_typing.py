"""Keys typed at full speed into a form land in the field focused when each was typed (a real terminal)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from studio.store import Store
from tests.ui.test_tmux import REPO, pytestmark, tmux, wait_for

__all__ = ["pytestmark"]


def test_three_fields_typed_in_one_burst_make_one_topic_with_each_field_right(tmp_path) -> None:
    ws = tmp_path / "ws"
    env = {**os.environ, "STUDIO_WORKSPACE": str(ws), "TERM": "xterm-256color"}
    subprocess.run([sys.executable, "-m", "studio", "init"], env=env, cwd=REPO, check=True, capture_output=True)
    with Store(ws) as store:
        before = {t.id for t in store.topics}
    session = f"kouyu-fast-{os.getpid()}"
    command = f"cd {REPO} && STUDIO_WORKSPACE={ws} TERM=xterm-256color {sys.executable} -m studio --lang en"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        wait_for(session, "Topics · ")
        tmux("send-keys", "-t", session, "a")
        wait_for(session, "Add a topic")
        # One burst: the text, Enter, the title, Tab, the tags, ctrl+s.
        tmux("send-keys", "-t", session, "Haggling for a kite at the river fair", "Enter",
             "Kite fair", "Tab", "market, kites", "C-s")
        wait_for(session, "topic added")
        tmux("send-keys", "-t", session, "C-q")
        deadline = time.monotonic() + 10
        while session in tmux("list-sessions") and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        tmux("kill-session", "-t", session)
    with Store(ws) as store:
        added = [t for t in store.topics if t.id not in before]
    assert [(t.text, t.title, t.tags) for t in added] == [
        ("Haggling for a kite at the river fair", "Kite fair", ["market", "kites"])]


def test_a_search_typed_with_its_enter_and_the_next_key_in_one_burst_hands_that_key_to_the_pane(tmp_path) -> None:
    ws = tmp_path / "ws"
    env = {**os.environ, "STUDIO_WORKSPACE": str(ws), "TERM": "xterm-256color"}
    subprocess.run([sys.executable, "-m", "studio", "init"], env=env, cwd=REPO, check=True, capture_output=True)
    session = f"kouyu-search-{os.getpid()}"
    command = f"cd {REPO} && STUDIO_WORKSPACE={ws} TERM=xterm-256color {sys.executable} -m studio --lang en"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        wait_for(session, "Topics · ")
        tmux("send-keys", "-t", session, "/", "hiking", "Enter", "a")  # the `a` is the pane's: add a topic
        screen = wait_for(session, "Add a topic")
        assert "hikinga" not in screen
    finally:
        tmux("kill-session", "-t", session)
