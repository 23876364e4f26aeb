"""A worker that dies (SIGKILL, or its whole process group gone as after a restart) leaves its job
`interrupted`, not `running` forever, and the job can be retried; a worker that fails is `failed`."""

from __future__ import annotations

import json
import os
import signal
import stat
import time

import pytest

from studio.domain import DatasetSnapshot, JobStatus
from studio.train import service
from studio.train.spec import make_spec
from tests.workspaces import seeded_workspace

FAKE_PYTHON = """#!/bin/sh
echo $$ > "{pidfile}"
exec sleep 60
"""


@pytest.fixture
def ws(tmp_path):
    w = seeded_workspace(tmp_path / "ws")
    row = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "{}"}]}
    (tmp_path / "train.jsonl").write_text(json.dumps(row) + "\n")
    snap = DatasetSnapshot(format="openai", content_hash="x", files=[str(tmp_path / "train.jsonl")])
    w.store.snapshots.put(snap)
    w.snapshot_id = snap.id  # type: ignore[attr-defined]
    yield w
    w.close()


def started(ws, tmp_path):  # type: ignore[no-untyped-def]
    pidfile = tmp_path / f"pid-{time.monotonic_ns()}"
    fake = tmp_path / "fake-python"
    fake.write_text(FAKE_PYTHON.format(pidfile=pidfile))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    spec = make_spec(backend="local", base_model="Qwen/Qwen2-0.5B", snapshot_id=ws.snapshot_id,
                     options={"python": str(fake)})
    job = service.start(ws, service.create_job(ws, spec))
    assert job.status == JobStatus.STARTING, job.error
    deadline = time.time() + 20
    while not pidfile.exists() or not pidfile.read_text().strip():
        assert time.time() < deadline
        time.sleep(0.05)
    return job, int(pidfile.read_text())


def wait_done(ws, job):  # type: ignore[no-untyped-def]
    deadline = time.time() + 20
    while not (job := service.refresh(ws, ws.store.jobs.get(job.id))).done:
        assert time.time() < deadline, job
        time.sleep(0.1)
    return job


def test_a_killed_worker_is_interrupted_and_can_be_retried(ws, tmp_path) -> None:
    job, pid = started(ws, tmp_path)
    os.kill(pid, signal.SIGKILL)
    job = wait_done(ws, job)
    assert job.status == JobStatus.INTERRUPTED and "killed by signal 9" in job.error and "retry" in job.error
    again = service.retry(ws, job.id)
    assert again.status == JobStatus.QUEUED and again.id != job.id


def test_a_vanished_process_group_is_interrupted(ws, tmp_path) -> None:
    job, _ = started(ws, tmp_path)
    os.killpg(int(job.remote["pid"]), signal.SIGKILL)  # the wrapper too: nobody writes an exit code
    job = wait_done(ws, job)
    assert job.status == JobStatus.INTERRUPTED and "process is gone" in job.error


def test_ctrl_c_just_after_the_launch_waits_for_its_record(ws, tmp_path, monkeypatch) -> None:
    """A ctrl-C that lands between starting a job's processes and recording them is acted on after the
    record, so the interrupted command finds the job's pid and can stop it (none runs unrecorded)."""
    from studio.train.process import LocalBackend, group_alive

    launch = LocalBackend.start

    def start_then_ctrl_c(self, job, folder):  # type: ignore[no-untyped-def]
        remote = launch(self, job, folder)
        os.kill(os.getpid(), signal.SIGINT)  # delivered now: the handler runs before the next line
        return remote

    monkeypatch.setattr(LocalBackend, "start", start_then_ctrl_c)
    fake = tmp_path / "fake-python"
    fake.write_text(FAKE_PYTHON.format(pidfile=tmp_path / "pid"))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    spec = make_spec(backend="local", base_model="Qwen/Qwen2-0.5B", snapshot_id=ws.snapshot_id,
                     options={"python": str(fake)})
    job = service.create_job(ws, spec)
    with pytest.raises(KeyboardInterrupt):
        service.start(ws, job)
    stored = ws.store.jobs.get(job.id)
    assert stored.status == JobStatus.STARTING and stored.remote.get("pid"), stored
    cancelled = service.cancel(ws, job.id, grace_s=1.0)
    assert cancelled.status == JobStatus.CANCELLED
    assert not group_alive(int(stored.remote["pid"]))


def test_a_signal_outside_a_deferred_block_is_not_held() -> None:
    from studio.train import interrupts

    with pytest.raises(KeyboardInterrupt):
        with interrupts.deferred():
            pass
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1)  # the handler raises at once; the sleep is never finished
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
