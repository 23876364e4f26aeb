"""Any number of processes open one workspace; only what needs it alone (``exclusive=True``, as
``studio store recover`` asks) is refused while another is in, and told who."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from studio.store import Store, WorkspaceLock, WorkspaceLocked

HOLDER = "import sys,time; from studio.store import Store; s=Store(sys.argv[1]); print('held', flush=True); time.sleep(60)"


def hold(folder) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"  # type: ignore[union-attr]
    return proc


def test_second_process_opens_the_workspace_and_sees_the_first(tmp_path) -> None:
    proc = hold(tmp_path)
    try:
        with Store(tmp_path) as store:
            pids = {s["pid"] for s in store.sessions()}
            assert {proc.pid, os.getpid()} <= pids
    finally:
        proc.kill()
        proc.wait()


def test_exclusive_use_is_told_who_holds_the_workspace(tmp_path) -> None:
    proc = hold(tmp_path)
    try:
        with pytest.raises(WorkspaceLocked, match=rf"locked by PID {proc.pid} \(.+, since .+\)"):
            WorkspaceLock(tmp_path, exclusive=True).acquire()
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
        assert proc.pid not in {s["pid"] for s in store.sessions()}  # its note is left, but it is gone
    only = WorkspaceLock(tmp_path, exclusive=True)
    only.acquire()  # nobody is in any more
    only.release()


def test_same_process_may_open_twice(tmp_path) -> None:
    with Store(tmp_path) as first, Store(tmp_path) as second:
        assert len(second.sessions()) == 2
        assert first.counts() == second.counts()
