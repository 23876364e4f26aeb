"""Per-turn weights reach every back-end (or are refused where the format cannot carry them), BOS
uploads address buckets as BOS wants, and an unreachable platform fails the job with a message."""

from __future__ import annotations

import json
import stat
import sys

import pytest
import yaml

from studio.domain import DatasetSnapshot, JobStatus
from studio.train import service
from studio.train.spec import make_spec
from tests.train.fakeplatform import AK, SK, Platform
from tests.train.test_remote_backends import FAKE_CLI
from tests.workspaces import seeded_workspace

DIALOGUE = {"messages": [
    {"role": "system", "content": "你是老师"}, {"role": "user", "content": "Start"},
    {"role": "assistant", "content": '{"Reply": "Hi"}', "weight": 1},
    {"role": "user", "content": "I like tea"},
    {"role": "assistant", "content": '{"Reply": "REJECTED"}', "weight": 0},
    {"role": "user", "content": "And you?"},
    {"role": "assistant", "content": '{"Reply": "Me too"}', "weight": 1}]}


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.setenv("QIANFAN_ACCESS_KEY", AK)
    monkeypatch.setenv("QIANFAN_SECRET_KEY", SK)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-openai-key")
    w = seeded_workspace(tmp_path / "ws")
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "train.jsonl").write_text("".join(json.dumps(DIALOGUE, ensure_ascii=False) + "\n" for _ in range(10)))
    snap = DatasetSnapshot(format="openai", content_hash="w1", files=[str(folder / "train.jsonl")], counts={"samples": 20})
    w.store.snapshots.put(snap)
    w.snapshot_id = snap.id  # type: ignore[attr-defined]
    yield w
    w.close()


def test_openai_upload_keeps_the_weights(ws) -> None:
    platform = Platform(polls_to_finish=1)
    try:
        spec = make_spec(backend="openai", base_model="gpt-4o-mini", method="full", snapshot_id=ws.snapshot_id,
                         options={"base_url": platform.base + "/v1", "api_key_env": "OPENAI_API_KEY"})
        job = service.create_job(ws, spec)
        service.run_queue(ws, poll_s=0.01)
        assert ws.store.jobs.get(job.id).status == JobStatus.SUCCEEDED
        body = next(iter(platform.files.values())).decode()
        line = json.loads(next(t for t in body.splitlines() if t.startswith("{")))
        assert [m.get("weight") for m in line["messages"] if m["role"] == "assistant"] == [1, 0, 1]
        assert all("weight" not in m for m in line["messages"] if m["role"] != "assistant")
    finally:
        platform.stop()


def test_llamafactory_learns_no_weight_zero_turn(ws, tmp_path) -> None:
    cli = tmp_path / "fake-llamafactory-cli"
    cli.write_text(FAKE_CLI.format(python=sys.executable))
    cli.chmod(cli.stat().st_mode | stat.S_IEXEC)
    spec = make_spec(backend="llamafactory", base_model="Qwen/Qwen2-0.5B", method="lora", snapshot_id=ws.snapshot_id,
                     options={"command": str(cli)})
    job = service.create_job(ws, spec)
    service.run_queue(ws, poll_s=0.05)
    job = ws.store.jobs.get(job.id)
    assert job.status == JobStatus.SUCCEEDED, job.error
    folder = ws.root / "jobs" / job.id
    cfg = yaml.safe_load((folder / "job.yaml").read_text())
    assert cfg["mask_history"] is True, "only the last turn of each row is learned"
    rows = [json.loads(t) for t in (folder / "data" / "train.jsonl").read_text().splitlines()]
    learned = [r["messages"][-1]["content"] for r in rows]
    assert learned.count('{"Reply": "Hi"}') == 10 and learned.count('{"Reply": "Me too"}') == 10
    assert '{"Reply": "REJECTED"}' not in learned, "a weight-0 answer is never the learned (last) turn"
    assert any(m["content"] == '{"Reply": "REJECTED"}' for r in rows for m in r["messages"]), "it stays as context"
    assert all("weight" not in m for r in rows for m in r["messages"])


def test_qianfan_refuses_weight_zero_turns_by_name(ws) -> None:
    spec = make_spec(backend="qianfan", base_model="ERNIE-Speed-8K", method="lora", snapshot_id=ws.snapshot_id,
                     hyper={"learning_rate": 3e-4, "max_length": 4096}, options={"dataset_version": "ds-1"})
    job = service.start(ws, service.create_job(ws, spec))
    assert job.status == JobStatus.FAILED and "no per-turn weight" in job.error and "weight-0" in job.error


@pytest.fixture
def plain(ws, tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    row = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": '{"Reply": "Hello"}'}]}
    (folder / "train.jsonl").write_text("".join(json.dumps(row) + "\n" for _ in range(10)))
    snap = DatasetSnapshot(format="openai", content_hash="p1", files=[str(folder / "train.jsonl")], counts={})
    ws.store.snapshots.put(snap)
    return snap.id


def test_bos_upload_is_virtual_hosted_and_reads_an_empty_200(ws, plain) -> None:
    platform = Platform(polls_to_finish=1)
    try:
        spec = make_spec(backend="qianfan", base_model="ERNIE-Speed-8K", method="lora", snapshot_id=plain,
                         hyper={"learning_rate": 3e-4, "max_length": 4096},
                         options={"base_url": platform.base, "bos_endpoint": platform.base, "bos_region": "gz", "access_key_env": "QIANFAN_ACCESS_KEY", "secret_key_env": "QIANFAN_SECRET_KEY",
                                  "bos_uri": "bos:/new-bucket/data/train.jsonl"})
        job = service.create_job(ws, spec)
        service.run_queue(ws, poll_s=0.01)
        job = ws.store.jobs.get(job.id)
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert "new-bucket/data/train.jsonl" in platform.objects and platform.bad_signatures == 0
    finally:
        platform.stop()


def test_path_style_is_refused_for_new_buckets_and_an_option_for_old_ones(ws, plain) -> None:
    platform = Platform(polls_to_finish=1)
    platform.old_buckets.add("old-bucket")
    try:
        def job_for(bucket: str):  # type: ignore[no-untyped-def]
            spec = make_spec(backend="qianfan", base_model="ERNIE-Speed-8K", method="lora", snapshot_id=plain,
                             hyper={"learning_rate": 3e-4, "max_length": 4096},
                             options={"base_url": platform.base, "bos_endpoint": platform.base, "access_key_env": "QIANFAN_ACCESS_KEY", "secret_key_env": "QIANFAN_SECRET_KEY",
                                      "bos_uri": f"bos:/{bucket}/k/train.jsonl", "bos_path_style": "true"})
            return service.start(ws, service.create_job(ws, spec))

        refused = job_for("new-bucket")
        assert refused.status == JobStatus.FAILED and "BOS upload: HTTP 403 AccessDenied" in refused.error
        assert platform.refused_path_style == 1
        assert job_for("old-bucket").status == JobStatus.STARTING and "old-bucket/k/train.jsonl" in platform.objects
    finally:
        platform.stop()


def test_an_unreachable_openai_endpoint_fails_the_job_with_a_message(ws, plain) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = make_spec(backend="openai", base_model="gpt-4o-mini", method="full", snapshot_id=plain,
                     options={"base_url": f"http://127.0.0.1:{port}/v1", "api_key_env": "OPENAI_API_KEY"})
    job = service.start(ws, service.create_job(ws, spec))
    assert job.status == JobStatus.FAILED and f"could not reach 127.0.0.1:{port}" in job.error
    assert not [j for j in ws.store.jobs if j.status == JobStatus.QUEUED]


def test_a_missing_local_base_model_is_refused_before_queueing(ws, plain, tmp_path) -> None:
    from studio.train.spec import SpecError

    for base, words in (("/no/such/dir", "is not a folder"), (str(tmp_path), "has no config.json")):
        spec = make_spec(backend="local", base_model=base, method="lora", snapshot_id=plain)
        with pytest.raises(SpecError, match=words):
            service.create_job(ws, spec)
    assert not list(ws.store.jobs), "nothing was queued"


def test_eval_rows_caps_the_held_out_rows_with_a_seeded_sample(tmp_path) -> None:
    from studio.train.data import snapshot_rows

    row = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "{}"}]}
    for name, n in (("train.jsonl", 5), ("eval.jsonl", 30)):
        (tmp_path / name).write_text("".join(json.dumps({**row, "messages": [*row["messages"][:1],
                                                         {"role": "assistant", "content": f"{name}{i}"}]}) + "\n"
                                             for i in range(n)))
    snap = DatasetSnapshot(format="openai", files=[str(tmp_path / "train.jsonl"), str(tmp_path / "eval.jsonl")])
    train, held = snapshot_rows(snap, 0.0, seed=3, eval_rows=4)
    assert len(train) == 5 and len(held) == 4 and held == snapshot_rows(snap, 0.0, seed=3, eval_rows=4)[1]
    assert len(snapshot_rows(snap, 0.0, seed=3)[1]) == 30
