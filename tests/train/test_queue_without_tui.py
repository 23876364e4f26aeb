"""The job queue runs from the CLI, with no studio open: a job queued behind a running one is started and
finished by `studio train queue`; `retry` follows its job as `start` does; no job is ever started twice,
however many runners turn the queue. Against the loopback OpenAI fine-tuning fake (the fastest real back-end)."""

from __future__ import annotations

import json
import threading

import pytest

from studio.cli import train as train_cli
from studio.domain import DatasetSnapshot, JobStatus
from studio.train import service
from studio.train.spec import make_spec
from studio.workspace import open_workspace
from tests.conftest import Cli
from tests.train.fakeplatform import Platform
from tests.workspaces import seeded_workspace


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake")
    monkeypatch.setattr(train_cli, "POLL_S", 0.02)
    w = seeded_workspace(tmp_path / "ws")
    row = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": '{"Reply": "Hello"}'}]}
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(row) + "\n" for _ in range(10)))
    snap = DatasetSnapshot(format="openai", content_hash="q1", files=[str(tmp_path / "train.jsonl")])
    w.store.snapshots.put(snap)
    w.close()
    return tmp_path / "ws", snap.id


@pytest.fixture
def platform():
    p = Platform(polls_to_finish=6)  # `train list` polls too: the first job must still run when the second is queued
    yield p
    p.stop()


def _jobs(cli: Cli) -> dict[str, dict]:
    return {j["id"]: j for j in cli.json("train", "list")}


def test_a_job_queued_from_the_cli_starts_and_finishes_without_the_studio(root, platform, capsys) -> None:
    ws_path, snapshot = root
    cli = Cli(capsys, ws_path)
    start = ("train", "start", "--snapshot", snapshot, "--base-model", "gpt-4o-mini", "--backend", "openai",
             "--method", "full", "--option", f"base_url={platform.base}/v1",
             "--option", "api_key_env=OPENAI_API_KEY", "--detach")
    code, _, err = cli(*start)
    assert code == 0, err
    first = next(iter(_jobs(cli)))
    code, _, err = cli(*start)
    assert code == 0, err
    second = next(i for i in _jobs(cli) if i != first)
    assert "waiting in the queue" in err and second in err and "studio train queue" in err
    listed = _jobs(cli)
    assert listed[first]["status"] in ("starting", "running") and listed[second]["status"] == "queued"
    assert len(platform.jobs) == 1, "the second job waits: one remote job at a time by default"

    code, _, err = cli("train", "queue")
    assert code == 0, err
    listed = _jobs(cli)
    assert {listed[first]["status"], listed[second]["status"]} == {"succeeded"}
    assert len(platform.jobs) == 2, "each job was started once"

    code, out, err = cli("train", "retry", second)  # follows the new job to its end, as start does
    assert code == 0, err
    again = next(i for i in _jobs(cli) if i not in (first, second))
    assert again in out and _jobs(cli)[again]["status"] == "succeeded" and len(platform.jobs) == 3


def test_no_job_is_started_twice(root, platform) -> None:
    ws_path, snapshot = root
    ws = open_workspace(ws_path)
    try:
        spec = make_spec(backend="openai", base_model="gpt-4o-mini", method="full", snapshot_id=snapshot,
                         options={"base_url": platform.base + "/v1", "api_key_env": "OPENAI_API_KEY"})
        job = service.create_job(ws, spec)
        assert service.start(ws, job).status == JobStatus.STARTING
        stale = job.model_copy()  # a second runner still holding the job as it was queued
        assert stale.status == JobStatus.QUEUED
        assert service.start(ws, stale).remote == ws.store.jobs.get(job.id).remote
        assert len(platform.jobs) == 1

        queued = [service.create_job(ws, spec) for _ in range(3)]
        runners = [threading.Thread(target=service.step_queue, args=(ws, 10)) for _ in range(4)]
        for r in runners:
            r.start()
        for r in runners:
            r.join()
        assert all(ws.store.jobs.get(j.id).status != JobStatus.QUEUED for j in queued)
        assert len(platform.jobs) == 4, "four runners turned the queue; each queued job started once"

        cancelled = service.create_job(ws, spec)
        service.cancel(ws, cancelled.id)
        assert service.start(ws, cancelled).status == JobStatus.CANCELLED and len(platform.jobs) == 4
    finally:
        ws.close()
