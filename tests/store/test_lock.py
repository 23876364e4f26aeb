from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from studio.store import Store, WorkspaceLocked

HOLDER = "import sys,time; from studio.store import Store; s=Store(sys.argv[1]); print('held', flush=True); time.sleep(60)"


def hold(folder) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"  # type: ignore[union-attr]
    return proc


def test_second_process_is_told_who_holds_the_workspace(tmp_path) -> None:
    proc = hold(tmp_path)
    try:
        with pytest.raises(WorkspaceLocked, match=rf"locked by PID {proc.pid} \(.+, since .+\)"):
            Store(tmp_path)
    finally:
        proc.kill()
        proc.wait()


def test_lock_of_a_killed_process_is_taken_over(tmp_path) -> None:
    proc = hold(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.05)
    with Store(tmp_path) as store:
        assert store.counts()["topics"] == 0
    assert not (tmp_path / "studio.lock.json").exists()


def test_same_process_cannot_open_twice(tmp_path) -> None:
    with Store(tmp_path), pytest.raises(WorkspaceLocked, match=f"PID {os.getpid()}"):
        Store(tmp_path)
