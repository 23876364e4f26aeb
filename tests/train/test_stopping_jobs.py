"""A local job stops when asked, even when its trainer ignores the polite signal: `train cancel` and
ctrl-C on a following `train start` end its whole process group within seconds (SIGTERM, then
SIGKILL), mark it cancelled and say what is kept."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from studio.train.process import group_alive
from studio.workspace import open_workspace

REPO = Path(__file__).resolve().parents[2]

#: Stands in for the worker's Python: ignores SIGTERM and SIGINT, and never ends by itself.
STUBBORN = """#!/bin/sh
trap '' TERM INT
echo $$ > "$(dirname "$3")/stubborn.pid"
while :; do sleep 0.1; done
"""


def wait_for(condition, what: str, deadline_s: float = 60.0):  # type: ignore[no-untyped-def]
    until = time.monotonic() + deadline_s
    while time.monotonic() < until:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"no {what} within {deadline_s:g} s")


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def setup(ready_cli, tmp_path: Path) -> tuple[str, Path]:
    assert ready_cli("generate", "-n", "2")[0] == 0
    code, out, err = ready_cli("export", "--format", "openai", "--json")
    assert code == 0, err
    python = tmp_path / "stubborn-python"
    python.write_text(STUBBORN)
    python.chmod(0o755)
    return json.loads(out)["snapshot"]["id"], python


def started_pid(ws: Path) -> int:
    found = list((ws / "jobs").glob("*/stubborn.pid"))
    return int(found[0].read_text()) if found and found[0].read_text().strip() else 0


def start_args(snapshot: str, python: Path) -> list[str]:
    return ["train", "start", "--snapshot", snapshot, "--base-model", "some/hub-model", "--backend", "local",
            "--method", "full", "--option", f"python={python}"]


def test_train_cancel_stops_a_job_that_ignores_sigterm(ready_cli, tmp_path) -> None:
    snapshot, python = setup(ready_cli, tmp_path)
    code, _, err = ready_cli(*start_args(snapshot, python), "--detach")
    assert code == 0, err
    pid = wait_for(lambda: started_pid(ready_cli.ws), "trainer started")
    with open_workspace(ready_cli.ws) as ws:
        [job] = ws.store.jobs.all()
    pgid = int(job.remote["pid"])
    code, out, err = ready_cli("train", "cancel", job.id)
    assert code == 0, err
    assert not group_alive(pgid), "cancel returned with the job's processes still running"
    wait_for(lambda: gone(pid), "trainer gone", 5)
    assert "cancelled" in out
    with open_workspace(ready_cli.ws) as ws:
        assert ws.store.jobs.get(job.id).status.value == "cancelled"


def test_ctrl_c_on_train_start_stops_the_training_and_says_what_is_kept(ready_cli, tmp_path) -> None:
    snapshot, python = setup(ready_cli, tmp_path)
    child = subprocess.Popen([sys.executable, "-m", "studio", "--workspace", str(ready_cli.ws),
                              *start_args(snapshot, python)], cwd=REPO, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        pid = wait_for(lambda: started_pid(ready_cli.ws), "trainer started")
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, err
    wait_for(lambda: gone(pid), "trainer gone", 10)
    assert "stopped (cancelled)" in err and "kept in" in err and "studio train retry" in err
    with open_workspace(ready_cli.ws) as ws:
        [job] = ws.store.jobs.all()
        assert job.status.value == "cancelled"
