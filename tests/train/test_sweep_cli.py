"""`studio train sweep` on a terminal: every job has its own line, redrawn in place; the best run is
named at the end and in `train list` (with an eval-loss column); an epochs axis that --max-steps
would make meaningless is refused."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

from studio.domain import DatasetSnapshot
from studio.train import service
from studio.train.spec import SpecError, make_spec
from tests.train.fakeplatform import Platform
from tests.workspaces import seeded_workspace

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def root(tmp_path):
    w = seeded_workspace(tmp_path / "ws")
    folder = tmp_path / "export"
    folder.mkdir()
    row = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": '{"Reply": "Hello"}'}]}
    (folder / "train.jsonl").write_text("".join(json.dumps(row) + "\n" for _ in range(10)))
    snap = DatasetSnapshot(format="openai", content_hash="p1", files=[str(folder / "train.jsonl")], counts={})
    w.store.snapshots.put(snap)
    w.close()
    return tmp_path / "ws", snap.id


def test_epochs_axis_under_max_steps_is_refused(root) -> None:
    from studio.workspace import open_workspace

    ws = open_workspace(root[0])
    try:
        base = make_spec(backend="openai", base_model="gpt-4o-mini", method="full", snapshot_id=root[1],
                         hyper={"max_steps": 30})
        with pytest.raises(SpecError, match="--max-steps 30 every job stops after 30 steps, so epochs 1, 2"):
            service.sweep(ws, base, [1, 2], [1e-3], ["full"], make_spec)
        assert not list(ws.store.jobs)
        assert len(service.sweep(ws, base, [1], [1e-3, 2e-3], ["full"], make_spec)) == 2, "other axes still vary"
    finally:
        ws.close()


def test_sweep_on_a_terminal_shows_every_job_and_names_the_best(root) -> None:
    platform = Platform(polls_to_finish=3)
    env = {**os.environ, "OPENAI_API_KEY": "sk-fake", "COLUMNS": "160", "TERM": "xterm"}
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "studio", "--workspace", str(root[0]), "train", "sweep", "--snapshot", root[1],
             "--base-model", "gpt-4o-mini", "--backend", "openai", "--method", "full", "--epochs", "3",
             "--lr", "1e-5,2e-5,3e-5", "--option", f"base_url={platform.base}/v1", "--option", "api_key_env=OPENAI_API_KEY", "--parallel", "3"],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=follower, stdin=subprocess.DEVNULL, text=True)
        os.close(follower)
        seen = b""
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        out, _ = proc.communicate(timeout=60)
    finally:
        os.close(leader)
        platform.stop()
    screen = seen.decode(errors="replace")
    assert proc.returncode == 0, screen[-2000:]
    for lr in ("lr 1e-05", "lr 2e-05", "lr 3e-05"):
        assert lr in screen, f"every job has its own progress line: {lr} missing"
    assert "\x1b[" in screen, "the lines are redrawn in place (cursor movement), not appended"
    assert "best run of sweep" in screen
    best_line = next(t for t in screen.splitlines() if "best run of sweep" in t)
    assert "final train loss" in best_line or "eval loss" in best_line
    assert "eval loss" in out.splitlines()[0] and out.count("★ best") == 1
    listed = subprocess.run([sys.executable, "-m", "studio", "--workspace", str(root[0]), "train", "list"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert "eval loss" in listed.splitlines()[0] and "best of sweep" in listed
