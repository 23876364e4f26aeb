"""The README's first hour, TUI path, key by key in a real 80×24 terminal (tmux): step 2 (review and fix
a few bad cases in the needs-review queue, the Dashboard, F1, ?, the palette), then export from the
Dashboard, the Jobs and Eval panes. Screens are captured and kept beside the test's files."""

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


def keys(session: str, *names: str) -> None:
    """Send keys one at a time, as a person types (an Escape sent together with the next key would
    reach the app as one escape sequence)."""
    for name in names:
        tmux("send-keys", "-t", session, name)
        time.sleep(0.5 if name == "Escape" else 0.15)  # a lone ESC is told from a sequence by a pause


def test_first_hour_tui_path(tmp_path) -> None:
    ws = tmp_path / "ws"
    env = {**os.environ, "STUDIO_WORKSPACE": str(ws), "TERM": "xterm-256color"}
    subprocess.run([sys.executable, "-m", "studio", "init"], env=env, cwd=REPO, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "studio", "generate", "--dialogues", "60"], env=env, cwd=REPO, check=True,
                   capture_output=True)
    from studio.store import Store
    from studio.synth import review

    with Store(ws) as store:
        queued = [r for r in review.all_rows(store) if r.needs_review]
    waiting = len(queued)
    assert waiting >= 2, "the first hour's review queue has work in it"
    # the queue's first sample that fails an error check (the generated text decides which one it is)
    failing = next(i for i, r in enumerate(queued) if r.failed)
    assert failing < waiting - 1, "a sample after it is left to reject"
    session = f"kouyu-first-{os.getpid()}"
    command = f"cd {REPO} && STUDIO_WORKSPACE={ws} TERM=xterm-256color {sys.executable} -m studio"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    screens: dict[str, str] = {}
    try:
        screens["topics"] = wait_for(session, "Topics · 70 of 70")
        keys(session, "3")
        screens["samples"] = wait_for(session, "Samples · 240 of 240")
        for column in ("Fault", "Checks", "Review"):
            assert column in screens["samples"], f"the {column} column is on screen at 80×24"
        keys(session, "q")
        screens["queue"] = wait_for(session, f"Samples · {waiting} of 240")
        for _step in range(failing):
            keys(session, "j")
        keys(session, "a")
        screens["asked"] = wait_for(session, "Approve anyway")  # it fails an error check: asked first (the
        # question itself wraps where the check's name ends, so its button is looked for)
        keys(session, "y")
        screens["approved"] = wait_for(session, f"Samples · {waiting - 1} of 240")
        keys(session, "x")
        screens["rejected"] = wait_for(session, f"Samples · {waiting - 2} of 240")
        keys(session, "q")  # the whole list again: edit an answer, then the next one needing review
        wait_for(session, "Samples · 240 of 240")
        keys(session, "e")
        screens["editor"] = wait_for(session, "Edit the teacher's answer")
        # a mark, not a space: the editor takes an answer that differs only in spaces at its ends as
        # unchanged, and End lands at the line's end (not at a wrap) when it comes before the fields' wrap
        keys(session, "End", "!", "C-s")
        screens["edited"] = wait_for(session, "saved; checks re-run")
        keys(session, "n")
        tmux("send-keys", "-t", session, "-l", "/zz1zz")  # typed at once after /: into the search, never a pane switch
        screens["search"] = wait_for(session, "Samples · 0 of 240")
        keys(session, "Escape", "4")
        wait_for(session, "Fault mix: target vs actual")
        screens["dashboard"] = wait_for(session, "x Export")  # the footer may be drawn a frame after the pane
        keys(session, "F1")
        screens["help"] = wait_for(session, "The dataset at a glance")
        keys(session, "Escape", "?")
        screens["keys"] = wait_for(session, "Dashboard: keys")
        keys(session, "Escape", "x")
        screens["export form"] = wait_for(session, "Export an SFT dataset")
        for label in ("format", "train share", "samples"):
            assert label in screens["export form"], f"the export form labels its {label} field"
        keys(session, "C-s")
        screens["exported"] = wait_for(session, "snapshot s-")
        keys(session, "5")
        screens["jobs"] = wait_for(session, "Jobs · 0")
        keys(session, "6")
        screens["eval"] = wait_for(session, "No eval sets")
        keys(session, "F1")
        screens["eval help"] = wait_for(session, "Evaluation runs side by side")
        keys(session, "Escape", "C-q")
        deadline = time.monotonic() + 10
        while session in tmux("list-sessions") and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        tmux("kill-session", "-t", session)
        for name, screen in screens.items():
            (tmp_path / f"screen-{name.replace(' ', '-')}.txt").write_text(screen)
    assert any(ws.glob("exports/s-*/train.jsonl")), "the export from the Dashboard wrote its files"
    assert "f1 Help" in screens["dashboard"] and "Fault mix: target vs actual" in screens["dashboard"]
    with Store(ws) as store:
        rows = review.all_rows(store)
        assert sum(r.review == "approved" for r in rows) == 1 and sum(r.review == "rejected" for r in rows) == 1
        edited = [r for r in rows if any(e.field == "raw" for e in review.load_sample(store, r.key)[2].edits)]
        assert len(edited) == 1
