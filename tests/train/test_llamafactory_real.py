"""The real LLaMA-Factory (0.9.5, its own venv with CPU torch; see .ci/llamafactory-env.sh):

- `studio train start --backend llamafactory` runs 2 LoRA steps on the tiny model, on whole dialogues
  whose weight-0 turns must not be learned (learned-turn rows + mask_history), and the loss is read
  back from trainer_log.jsonl;
- the `--format llamafactory --style sharegpt` export loads and trains as it is (its dataset_info.json).

Slow: the venv (about 2 GB) is built once (a few minutes) and cached outside the repository; each run
takes about half a minute on two CPU cores. Run only when asked: STUDIO_TEST_LLAMAFACTORY=1 (CI sets it).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from studio.train.tiny import build_tiny_model, corpus_of
from tests.train.conftest import REPO, studio

pytest.importorskip("trl", reason="the train extra is not installed")
pytestmark = [pytest.mark.train, pytest.mark.slow,
              pytest.mark.skipif(os.environ.get("STUDIO_TEST_LLAMAFACTORY") != "1",
                                 reason="builds LLaMA-Factory's own 2 GB environment: set STUDIO_TEST_LLAMAFACTORY=1")]


@pytest.fixture(scope="module")
def llamafactory() -> Path:
    made = subprocess.run(["bash", str(REPO / ".ci" / "llamafactory-env.sh")], capture_output=True, text=True,
                          timeout=1500, check=False)
    assert made.returncode == 0, made.stderr[-3000:]
    cli = Path(made.stdout.strip().splitlines()[-1]) / "bin" / "llamafactory-cli"
    assert cli.exists(), made.stdout
    return cli


@pytest.mark.xdist_group("heavy")  # CPU-heavy: one worker runs these in turn, not against each other
def test_studio_drives_real_llamafactory_and_its_sharegpt_export_loads(llamafactory, tmp_path) -> None:
    from tests.workspaces import seeded_workspace

    root = tmp_path / "ws"
    seeded_workspace(root).close()
    assert studio(root, "generate", "--dialogues", "8").returncode == 0
    out = studio(root, "export", "--format", "openai", "--dialogues", "--json")
    assert out.returncode == 0, out.stderr
    snapshot = json.loads(out.stdout)["snapshot"]
    train_file = Path(next(f for f in snapshot["files"] if f.endswith("train.jsonl")))
    model = build_tiny_model(tmp_path / "tiny", corpus_of(train_file))
    rows = [json.loads(t) for t in train_file.read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if sum(m["role"] == "assistant" for m in r["messages"]) > 1]
    for r in rows:  # the opening answer of each dialogue is not to be learned (as a rejected turn would be)
        next(m for m in r["messages"] if m["role"] == "assistant")["weight"] = 0
    train_file.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")

    run = studio(root, "train", "start", "--backend", "llamafactory", "--snapshot", snapshot["id"],
                 "--base-model", str(model), "--method", "lora", "--lr", "1e-3", "--batch-size", "2",
                 "--max-length", "512", "--max-steps", "2", "--option", f"command={llamafactory}", "--json")
    assert run.returncode == 0, run.stderr
    job = json.loads(run.stdout)
    folder = root / "jobs" / job["id"]
    log = (folder / "log.txt").read_text(errors="replace")
    assert job["status"] == "succeeded", log[-4000:]
    assert [m["step"] for m in job["metrics"] if m["loss"] is not None] == [1, 2], log[-2000:]
    assert (folder / "output" / "adapter_model.safetensors").exists()
    assert yaml.safe_load((folder / "job.yaml").read_text())["mask_history"] is True
    learned = [json.loads(t)["messages"][-1]["content"] for t in (folder / "data" / "train.jsonl").open()]
    openings = {next(m for m in r["messages"] if m["role"] == "assistant")["content"] for r in rows}
    assert learned and not openings & set(learned), "no row ends on (learns) a weight-0 answer"

    lf = tmp_path / "lf"
    out = studio(root, "export", "--format", "llamafactory", "--style", "sharegpt", "--out", str(lf))
    assert out.returncode == 0, out.stderr
    cfg = {"model_name_or_path": str(model), "stage": "sft", "do_train": True, "finetuning_type": "lora",
           "lora_target": "all", "template": "qwen", "dataset_dir": str(lf), "dataset": "kouyu_train",
           "cutoff_len": 512, "output_dir": str(tmp_path / "lf-out"), "overwrite_output_dir": True,
           "logging_steps": 1, "save_strategy": "no", "report_to": "none", "per_device_train_batch_size": 2,
           "learning_rate": 1e-3, "max_steps": 1, "preprocessing_num_workers": 1, "use_cpu": True}
    (tmp_path / "sharegpt.yaml").write_text(yaml.safe_dump(cfg))
    done = subprocess.run([str(llamafactory), "train", str(tmp_path / "sharegpt.yaml")], capture_output=True, text=True,
                          timeout=600, check=False, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, (done.stdout + done.stderr)[-4000:]
    lines = (tmp_path / "lf-out" / "trainer_log.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["current_steps"] == 1


@pytest.mark.xdist_group("heavy")
def test_real_llamafactory_trains_the_top_layers_with_the_models_own_template(llamafactory, tmp_path) -> None:
    """``--method freeze`` is LLaMA-Factory's ``finetuning_type: freeze``, and ``template=auto`` leaves the
    template to the tokenizer's own (what the experiment's jobs use), on compact per-turn samples."""
    from tests.workspaces import seeded_workspace

    root = tmp_path / "ws"
    seeded_workspace(root).close()
    assert studio(root, "generate", "--dialogues", "6").returncode == 0
    out = studio(root, "export", "--format", "openai", "--prompt", "compact", "--json")
    assert out.returncode == 0, out.stderr
    snapshot = json.loads(out.stdout)["snapshot"]
    model = build_tiny_model(tmp_path / "tiny", corpus_of(Path(snapshot["files"][0])))
    run = studio(root, "train", "start", "--backend", "llamafactory", "--snapshot", snapshot["id"],
                 "--base-model", str(model), "--method", "freeze", "--trainable-layers", "1", "--lr", "1e-3",
                 "--batch-size", "2", "--max-length", "512", "--max-steps", "2", "--option", f"command={llamafactory}",
                 "--option", "template=auto", "--json")
    assert run.returncode == 0, run.stderr
    job = json.loads(run.stdout)
    folder = root / "jobs" / job["id"]
    log = (folder / "log.txt").read_text(errors="replace")
    assert job["status"] == "succeeded", log[-4000:]
    config = yaml.safe_load((folder / "job.yaml").read_text())
    assert config["finetuning_type"] == "freeze" and config["freeze_trainable_layers"] == 1
    assert "template" not in config
    assert [m["step"] for m in job["metrics"] if m["loss"] is not None] == [1, 2], log[-2000:]
    assert (folder / "output" / "model.safetensors").exists(), "a partial update saves the whole model"
