"""The local back-end for real on CPU: a tiny model built here, full fine-tuning, loss falling,
metrics streamed, the tuned model loadable; cancel saves and stops. Needs the train extra."""

from __future__ import annotations

import json
import time

import pytest

from studio.domain import JobStatus
from studio.train import service
from studio.train.spec import make_spec
from studio.train.tiny import build_tiny_model, corpus_of
from studio.workspace import open_workspace

pytest.importorskip("trl", reason="the train extra is not installed")
pytestmark = pytest.mark.train


@pytest.fixture
def tiny(exported, tmp_path):
    root, snapshot = exported
    train_file = next(f for f in snapshot["files"] if f.endswith("train.jsonl"))
    from pathlib import Path

    return root, snapshot, build_tiny_model(tmp_path / "tiny", corpus_of(Path(train_file)))


@pytest.mark.xdist_group("heavy")  # CPU-heavy: one worker runs these in turn, not against each other
def test_full_fine_tune_on_cpu_loss_falls_and_model_loads(tiny) -> None:
    root, snapshot, model = tiny
    ws = open_workspace(root)
    try:
        spec = make_spec(backend="local", base_model=str(model), method="full", snapshot_id=snapshot["id"],
                         hyper={"epochs": 1, "learning_rate": 1e-3, "batch_size": 4, "max_length": 512, "max_steps": 30,
                                "logging_steps": 1})
        job = service.create_job(ws, spec)
        seen: list[int] = []

        def tick(pending):  # type: ignore[no-untyped-def]
            j = ws.store.jobs.get(job.id)
            seen.append(len(j.metrics))

        service.run_queue(ws, poll_s=0.5, on_tick=tick)
        job = ws.store.jobs.get(job.id)
        log = (root / "jobs" / job.id / "log.txt").read_text(errors="replace")
        assert job.status == JobStatus.SUCCEEDED, (job.error, log[-3000:])
        losses = [m.loss for m in job.metrics if m.loss is not None]
        assert len(losses) >= 25 and job.metrics[-1].total_steps == 30
        assert sum(losses[-5:]) / 5 < sum(losses[:5]) / 5, losses
        assert any(m.eval_loss is not None for m in job.metrics), "the held-out topics give an eval loss"
        assert 0 < max(seen) and any(0 < n < 30 for n in seen), f"metrics streamed while running: {seen}"
        assert job.progress == 1.0 and job.lineage["snapshot_hash"] == snapshot["content_hash"]
        from transformers import AutoModelForCausalLM, AutoTokenizer

        out = job.result["output_dir"]
        tok = AutoTokenizer.from_pretrained(out)
        tuned = AutoModelForCausalLM.from_pretrained(out)
        ids = tok.apply_chat_template([{"role": "user", "content": "Hi"}], add_generation_prompt=True, return_tensors="pt",
                                      return_dict=True)
        assert tuned.generate(**ids, max_new_tokens=3).shape[-1] > ids["input_ids"].shape[-1]
    finally:
        ws.close()


def test_lora_job_cancel_is_graceful(tiny) -> None:
    root, snapshot, model = tiny
    ws = open_workspace(root)
    try:
        spec = make_spec(backend="local", base_model=str(model), method="lora", snapshot_id=snapshot["id"],
                         hyper={"epochs": 50, "learning_rate": 2e-3, "batch_size": 2, "max_length": 512})
        job = service.create_job(ws, spec)
        service.step_queue(ws)
        deadline = time.monotonic() + 600  # a wait, not a measure: a loaded machine starts torch slowly
        while time.monotonic() < deadline:
            job = service.refresh(ws, ws.store.jobs.get(job.id))
            if len(job.metrics) >= 2:
                break
            time.sleep(0.3)
        assert len(job.metrics) >= 2, job.error
        service.cancel(ws, job.id)
        service.run_queue(ws, poll_s=0.3)
        job = ws.store.jobs.get(job.id)
        assert job.status == JobStatus.CANCELLED, job.error
        assert (root / "jobs" / job.id / "output" / "adapter_config.json").exists(), "the adapter was saved"
        status = json.loads((root / "jobs" / job.id / "status.json").read_text())
        assert status["kind"] == "adapter"
    finally:
        ws.close()


def test_a_detached_job_is_picked_up_by_a_later_studio(tiny) -> None:
    from tests.train.conftest import studio

    root, snapshot, model = tiny
    out = studio(root, "train", "start", "--snapshot", snapshot["id"], "--base-model", str(model), "--method", "full",
                 "--lr", "1e-3", "--batch-size", "4", "--max-length", "512", "--max-steps", "8", "--detach", "--json")
    assert out.returncode == 0, out.stderr
    job_id = json.loads(out.stdout)["id"]  # the studio process has exited; the worker goes on
    deadline = time.monotonic() + 600  # a wait, not a measure
    listed: dict = {}
    while time.monotonic() < deadline:
        listed = {j["id"]: j for j in json.loads(studio(root, "train", "list", "--json").stdout)}
        if listed[job_id]["status"] in ("succeeded", "failed"):
            break
        time.sleep(1)
    assert listed[job_id]["status"] == "succeeded", listed[job_id]["error"]
    assert listed[job_id]["metrics"][-1]["step"] == 8
