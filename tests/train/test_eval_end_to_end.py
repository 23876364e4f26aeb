"""End to end on CPU: export → a tiny local fine-tune job → eval runs of that model and of the
offline teacher → the comparison report, with the tuned model's lineage. Needs the train extra."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.train.tiny import build_tiny_model, corpus_of
from tests.train.conftest import studio

pytest.importorskip("trl", reason="the train extra is not installed")
pytestmark = pytest.mark.train


@pytest.mark.xdist_group("heavy")  # CPU-heavy: one worker runs these in turn, not against each other
def test_export_train_evaluate_report(exported, tmp_path) -> None:
    root, snapshot = exported
    train_file = Path(next(f for f in snapshot["files"] if f.endswith("train.jsonl")))
    model = build_tiny_model(tmp_path / "tiny", corpus_of(train_file))
    out = studio(root, "train", "start", "--snapshot", snapshot["id"], "--base-model", str(model), "--method", "full",
                 "--epochs", "1", "--lr", "1e-3", "--batch-size", "4", "--max-length", "512", "--max-steps", "20",
                 "--json")
    assert out.returncode == 0, out.stderr
    job = json.loads(out.stdout)
    assert job["status"] == "succeeded" and job["result"]["output_dir"]
    made = studio(root, "eval", "make", "--n", "6", "--snapshot", snapshot["id"], "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["items"] == 6
    tuned = studio(root, "eval", "run", "--model", f"job:{job['id']}", "--concurrency", "1", "--json")
    assert tuned.returncode == 0, tuned.stderr
    tuned_summary = json.loads(tuned.stdout)
    assert tuned_summary["items"] == 6 and tuned_summary["latency_p50_s"] > 0
    assert tuned_summary["lineage"]["snapshot_hash"] == snapshot["content_hash"]
    base = studio(root, "eval", "run", "--model", "offline", "--json")
    assert base.returncode == 0, base.stderr
    assert json.loads(base.stdout)["scores"]["compliance"] > tuned_summary["scores"]["compliance"] or \
        tuned_summary["json_valid"] < 1, "a 20-step tiny model does not match the simulator"
    rep = studio(root, "eval", "report")
    assert rep.returncode == 0, rep.stderr
    assert f"job:{job['id']}" in rep.stdout and "| offline |" in rep.stdout
    assert f"tuned by job {job['id']}" in rep.stdout and "per fault" in rep.stdout
