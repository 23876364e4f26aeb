"""Qianfan v2 and OpenAI fine-tuning against loopback fakes; the signature is verified by an
independent reference; spec validation, sweeps, the best run and the LLaMA-Factory back-end."""

from __future__ import annotations

import json
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from studio.domain import DatasetSnapshot, JobStatus
from studio.train import bce, service
from studio.train.spec import SpecError, make_spec
from tests.train.fakeplatform import AK, SK, Platform, reference_canonical, reference_check
from tests.workspaces import seeded_workspace


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.setenv("QIANFAN_ACCESS_KEY", AK)
    monkeypatch.setenv("QIANFAN_SECRET_KEY", SK)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-fake-openai-key")
    w = seeded_workspace(tmp_path / "ws")
    rows = [{"messages": [{"role": "system", "content": "你是老师"}, {"role": "user", "content": f"hi {i}"},
                          {"role": "assistant", "content": '{"Reply": "Hello"}'}]} for i in range(10)]
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    snap = DatasetSnapshot(format="openai", content_hash="abc123", files=[str(folder / "train.jsonl")],
                           counts={"samples": 10})
    w.store.snapshots.put(snap)
    w.snapshot_id = snap.id  # type: ignore[attr-defined]
    yield w
    w.close()


def test_signature_matches_an_independent_reference() -> None:
    headers = bce.signed_headers(AK, SK, "POST", "qianfan.baidubce.com", "/v2/finetuning",
                                 {"Action": "DescribeFineTuningTask"}, {"content-type": "application/json"},
                                 now=datetime(2024, 1, 1, tzinfo=UTC))
    assert headers["x-bce-date"] == "2024-01-01T00:00:00Z"
    assert headers["Authorization"].startswith(f"bce-auth-v1/{AK}/2024-01-01T00:00:00Z/1800/host;x-bce-date/")
    lower = {k.lower(): v for k, v in headers.items()}
    assert reference_check("POST", "/v2/finetuning", {"Action": "DescribeFineTuningTask"}, lower) is None
    assert reference_canonical("POST", "/v2/finetuning", {"Action": "X"}, lower, ["host", "x-bce-date"]) == (
        "POST\n/v2/finetuning\nAction=X\nhost:qianfan.baidubce.com\nx-bce-date:2024-01-01T00%3A00%3A00Z")
    wrong = {**lower, "authorization": lower["authorization"][:-1] + "0"}
    assert reference_check("POST", "/v2/finetuning", {"Action": "DescribeFineTuningTask"}, wrong) == "SignatureDoesNotMatch"


def test_qianfan_job_uploads_creates_polls_and_draws_the_curve(ws) -> None:
    platform = Platform(polls_to_finish=3)
    try:
        spec = make_spec(backend="qianfan", base_model="ERNIE-Speed-8K", method="full", snapshot_id=ws.snapshot_id,
                         hyper={"epochs": 6, "learning_rate": 3e-5, "max_length": 4096, "eval_split": 0.1},
                         options={"base_url": platform.base, "bos_endpoint": platform.base, "access_key_env": "QIANFAN_ACCESS_KEY", "secret_key_env": "QIANFAN_SECRET_KEY",
                                  "bos_uri": "bos:/my-bucket/kouyu/train.jsonl"})
        job = service.create_job(ws, spec)
        service.run_queue(ws, poll_s=0.01)
        job = ws.store.jobs.get(job.id)
        assert job.status == JobStatus.SUCCEEDED and job.progress == 1.0, job.error
        assert platform.bad_signatures == 0
        assert platform.refused_path_style == 0
        uploaded = platform.objects["my-bucket/kouyu/train.jsonl"].decode().splitlines()
        first = json.loads(uploaded[0])
        assert first[0]["prompt"].startswith("你是老师\nhi") and first[0]["response"] == [['{"Reply": "Hello"}']]
        task = next(b for kind, action, b in platform.seen if action == "CreateFineTuningTask")
        assert task["parameterScale"] == "FullFineTuning" and task["hyperParameterConfig"]["epoch"] == 6
        assert task["hyperParameterConfig"]["saveStep"] == 64, "the platform allows 64…4096"
        assert task["datasetConfig"] == {"sourceType": "Bos", "versions": [{"versionBosUri": "bos:/my-bucket/kouyu/train.jsonl"}],
                                         "splitRatio": 10}
        assert [m.loss for m in job.metrics] == [2.0, 1.0, 2.0 / 3]
        assert job.result["platform_task"] == "task-1"
    finally:
        platform.stop()


def test_qianfan_bad_key_and_ranges_are_named(ws, monkeypatch) -> None:
    tutorial = make_spec(backend="qianfan", base_model="ERNIE-Speed-8K", method="full", snapshot_id="s",
                         hyper={"learning_rate": 6e-5, "max_length": 4096})
    assert [w for w in tutorial.warnings() if "learning_rate 6e-05 is outside 1e-05–4e-05" in w
            and "bce-qianfan-sdk" in w], "a range is a warning naming its source, not a refusal"
    lora = make_spec(backend="qianfan", base_model="ERNIE-Speed-8K", method="lora", snapshot_id="s",
                     hyper={"learning_rate": 3e-4, "max_length": 4096}, lora={"rank": 16})
    assert any("lora rank 16" in w for w in lora.warnings())
    with pytest.raises(SpecError, match="eval_split: Qianfan holds out at most 20%"):
        make_spec(backend="qianfan", base_model="ERNIE-Speed-8K", snapshot_id="s", hyper={"eval_split": 0.3})
    with pytest.raises(SpecError, match="save_step: Qianfan accepts 64–4096"):
        make_spec(backend="qianfan", base_model="ERNIE-Speed-8K", snapshot_id="s", options={"save_step": "10"})
    platform = Platform()
    monkeypatch.setenv("QIANFAN_SECRET_KEY", "wrong")
    try:
        spec = make_spec(backend="qianfan", base_model="ERNIE-Speed-8K", method="lora", snapshot_id=ws.snapshot_id,
                         hyper={"learning_rate": 3e-4, "max_length": 4096},
                         options={"base_url": platform.base, "dataset_version": "ds-1", "access_key_env": "QIANFAN_ACCESS_KEY", "secret_key_env": "QIANFAN_SECRET_KEY"})
        job = service.start(ws, service.create_job(ws, spec))
        assert job.status == JobStatus.FAILED and "SignatureDoesNotMatch" in (job.error or "")
        assert "wrong" not in (job.error or "")
    finally:
        platform.stop()


def test_openai_job_and_cancel(ws) -> None:
    platform = Platform(polls_to_finish=50)
    try:
        spec = make_spec(backend="openai", base_model="gpt-4o-mini-2024-07-18", method="full", snapshot_id=ws.snapshot_id,
                         hyper={"epochs": 3, "eval_split": 0.2}, options={"base_url": platform.base + "/v1", "api_key_env": "OPENAI_API_KEY"})
        job = service.create_job(ws, spec)
        service.step_queue(ws)
        service.step_queue(ws)
        job = ws.store.jobs.get(job.id)
        assert job.status == JobStatus.RUNNING and job.metrics and job.metrics[0].eval_loss == 3.2
        req = next(iter(platform.jobs.values()))["req"]
        assert req["method"]["supervised"]["hyperparameters"]["n_epochs"] == 3 and "validation_file" in req
        assert all(s[2].get("auth") in (None, "Bearer sk-fake-openai-key") for s in platform.seen)
        service.cancel(ws, job.id)
        assert ws.store.jobs.get(job.id).status == JobStatus.CANCELLED
        assert any(path.endswith("/cancel") for _, path, _ in platform.seen)
    finally:
        platform.stop()


def test_sweep_queues_the_grid_and_marks_the_best(ws) -> None:
    platform = Platform(polls_to_finish=2)
    try:
        base = make_spec(backend="openai", base_model="gpt-4o-mini", method="full", snapshot_id=ws.snapshot_id,
                         options={"base_url": platform.base + "/v1", "api_key_env": "OPENAI_API_KEY"})
        jobs = service.sweep(ws, base, [3, 6], [3e-5, 6e-5], ["full"], make_spec)
        assert len(jobs) == 4 and len({j.sweep_id for j in jobs}) == 1
        assert {(j.hyper["epochs"], j.hyper["learning_rate"]) for j in jobs} == {(3, 3e-5), (3, 6e-5), (6, 3e-5), (6, 6e-5)}
        service.run_queue(ws, parallel=2, poll_s=0.01)
        done = [ws.store.jobs.get(j.id) for j in jobs]
        assert all(j.status == JobStatus.SUCCEEDED for j in done)
        assert sum(j.best for j in done) == 1
        best = next(j for j in done if j.best)
        assert best.best_eval_loss() == min(j.best_eval_loss() for j in done)
    finally:
        platform.stop()


# Behaves like llamafactory-cli 0.9.5 where the studio depends on it: reads the YAML with a YAML parser
# (OmegaConf in hparams/parser.py), and in LlamaBoard mode makes LLAMABOARD_WORKDIR first, as
# train/callbacks.py does with os.makedirs(os.getenv("LLAMABOARD_WORKDIR")) (None there -> TypeError).
FAKE_CLI = """#!{python}
import json, os, sys, pathlib, time
import yaml
cfg = yaml.safe_load(pathlib.Path(sys.argv[2]).read_text())
if os.environ.get("LLAMABOARD_ENABLED") == "1":
    os.makedirs(os.environ.get("LLAMABOARD_WORKDIR"), exist_ok=True)
info = json.loads((pathlib.Path(cfg["dataset_dir"]) / "dataset_info.json").read_text())
assert info[cfg["dataset"]]["formatting"] == "openai", info
assert cfg["save_strategy"] == "no" and cfg["do_train"] is True
out = pathlib.Path(cfg["output_dir"]); out.mkdir(parents=True, exist_ok=True)
for step in range(1, 6):
    with (out / "trainer_log.jsonl").open("a") as f:
        f.write(json.dumps({{"current_steps": step, "total_steps": 5, "loss": 3.0 - step * 0.4, "lr": 1e-4,
                            "epoch": step / 5, "percentage": step * 20, "elapsed_time": "0:00:0%d" % step,
                            "remaining_time": "0:00:01"}}) + "\\n")
    time.sleep(0.05)
(out / "adapter_config.json").write_text("{{}}")
"""


def test_llamafactory_backend_writes_its_config_and_tails_the_log(ws, tmp_path) -> None:
    cli = tmp_path / "fake-llamafactory-cli"
    cli.write_text(FAKE_CLI.format(python=sys.executable))
    cli.chmod(cli.stat().st_mode | stat.S_IEXEC)
    spec = make_spec(backend="llamafactory", base_model="Qwen/Qwen2-0.5B", method="lora", snapshot_id=ws.snapshot_id,
                     hyper={"eval_split": 0.2}, options={"command": str(cli), "nproc_per_node": "2"})
    job = service.create_job(ws, spec)
    service.run_queue(ws, poll_s=0.05)
    job = ws.store.jobs.get(job.id)
    assert job.status == JobStatus.SUCCEEDED, (job.error, Path(job.log_path).read_text())
    assert [m.step for m in job.metrics] == [1, 2, 3, 4, 5] and job.metrics[-1].elapsed_s == 5
    import yaml

    cfg = yaml.safe_load((ws.root / "jobs" / job.id / "job.yaml").read_text())
    assert cfg["finetuning_type"] == "lora" and cfg["eval_dataset"] == "studio_eval" and cfg["mask_history"] is False


def test_cli_sweep_list_show_and_errors(ws, tmp_path) -> None:
    import subprocess

    platform = Platform(polls_to_finish=2)
    root = ws.root
    ws.close()
    try:
        def studio(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([sys.executable, "-m", "studio", "--workspace", str(root), "train", *args],
                                  capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])

        from studio.workspace import open_workspace

        w = open_workspace(root)
        snapshot_id = next(iter(w.store.snapshots)).id
        w.close()
        bad = studio("start", "--snapshot", snapshot_id, "--base-model", "ERNIE-Speed-8K", "--backend", "qianfan",
                     "--method", "full", "--lr", "6e-5", "--max-length", "4096")
        assert bad.returncode == 1 and "warning: learning_rate 6e-05 is outside" in bad.stderr
        assert "Qianfan needs the data on the platform" in bad.stderr and "Traceback" not in bad.stderr
        bad = studio("sweep", "--snapshot", snapshot_id, "--base-model", "m", "--method", "full,big")
        assert bad.returncode == 1 and "--method: unknown method 'big' (choose from: full, lora, freeze)" in bad.stderr
        out = studio("sweep", "--snapshot", snapshot_id, "--base-model", "gpt-4o-mini", "--backend", "openai",
                     "--method", "full", "--epochs", "3,6", "--lr", "3e-5", "--option", f"base_url={platform.base}/v1", "--option", "api_key_env=OPENAI_API_KEY",
                     "--parallel", "2")
        assert out.returncode == 0, out.stderr
        assert out.stdout.count("succeeded") == 2 and "★" in out.stdout
        listed = [j for j in json.loads(studio("list", "--json").stdout) if j["sweep_id"]]
        assert len(listed) == 2 and sum(j["best"] for j in listed) == 1
        shown = studio("show", listed[0]["id"])
        assert shown.returncode == 0 and "lineage" in shown.stdout and "abc123" in shown.stdout
        missing = studio("cancel", "j-nosuch")
        assert missing.returncode == 1 and "no job j-nosuch" in missing.stderr
        ambiguous = studio("show", "j-")
        assert ambiguous.returncode == 1 and "3 jobs start with j-" in ambiguous.stderr
    finally:
        platform.stop()
