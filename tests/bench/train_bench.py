"""The local fine-tune back-end against a bare TRL script: ``python tests/bench/train_bench.py``.

Both train the same tiny model (built here: local tokenizer, 2-layer Qwen2) on the same rows for
the same number of full fine-tuning steps, each as its own process. The baseline is the recipe's
plain script (SFTTrainer + a JSONL callback); the studio's run is a job through the queue (data
from a snapshot, the worker process, status and metric files, polling). Target: overhead ≤ 10 %
of wall time. Also: time from starting the job to its first metric point. Needs the train extra.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from studio.domain import DatasetSnapshot  # noqa: E402
from studio.train import service  # noqa: E402
from studio.train.spec import make_spec  # noqa: E402
from studio.train.tiny import build_tiny_model  # noqa: E402
from studio.workspace import open_workspace  # noqa: E402

BARE = textwrap.dedent("""
    import json, os, sys, time
    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch
    from datasets import load_dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import SFTConfig, SFTTrainer
    model_dir, data, out, steps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    class Log(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kw):
            with open(out + "/metrics.jsonl", "a") as f:
                f.write(json.dumps({"step": state.global_step, **(logs or {})}) + "\\n")
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    ds = load_dataset("json", data_files=data, split="train")
    args = SFTConfig(output_dir=out, max_steps=steps, per_device_train_batch_size=8, learning_rate=1e-3,
                     logging_steps=1, save_strategy="no", report_to="none", bf16=False,
                     gradient_checkpointing=False, use_cpu=True, max_length=512, assistant_only_loss=True, seed=0)
    trainer = SFTTrainer(model=model, args=args, train_dataset=ds, processing_class=tok, callbacks=[Log()])
    trainer.train()
    trainer.save_model(out)
""")


def rows(n: int) -> list[dict]:
    out = []
    for i in range(n):
        topic = ["周末计划", "最喜欢的运动", "学校旅行", "家庭晚餐"][i % 4]
        out.append({"messages": [
            {"role": "system", "content": f"你是一名高中英语老师，和学生练习口语。主题：{topic}"},
            {"role": "user", "content": f"I want to go hiking with my friend {i % 7} times this month."},
            {"role": "assistant", "content": json.dumps({"Reply": "That sounds great! Where will you go?",
                                                         "Suggestion": ["I will go to the hills.", "We plan to go to the park.",
                                                                        "Maybe the lake near my home."],
                                                         "Analysis": "句子结构正确，表达清楚。"}, ensure_ascii=False)}]})
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = root / "train.jsonl"
        data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows(200)), encoding="utf-8")
        corpus = [m["content"] for r in rows(300) for m in r["messages"]]
        model = build_tiny_model(root / "tiny", corpus)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", BARE, str(model), str(data), str(root / "bare"), str(args.steps)],
                       check=True, capture_output=True)
        bare = time.perf_counter() - start
        ws = open_workspace(root / "ws", create_missing=True)
        snap = DatasetSnapshot(format="openai", content_hash="bench", files=[str(data)])
        ws.store.snapshots.put(snap)
        job = service.create_job(ws, make_spec(backend="local", base_model=str(model), method="full", snapshot_id=snap.id,
                                               hyper={"epochs": 100, "learning_rate": 1e-3, "batch_size": 8,
                                                      "max_length": 512, "max_steps": args.steps, "logging_steps": 1,
                                                      "scheduler": "constant"}))
        first: list[float] = []
        start = time.perf_counter()

        def tick(_: object) -> None:
            if not first and (root / "ws" / "jobs" / job.id / "metrics.jsonl").exists():
                first.append(time.perf_counter() - start)

        service.run_queue(ws, poll_s=0.05, on_tick=tick)
        ours = time.perf_counter() - start
        job = ws.store.jobs.get(job.id)
        ws.close()
        assert job is not None and job.status.value == "succeeded", job and job.error
    overhead = (ours - bare) / bare
    print(f"| measure ({args.steps} full steps, tiny 2-layer model, CPU) | bare TRL script | studio local job | target |")
    print("|---|---|---|---|")
    print(f"| wall time, process start to saved model | {bare:.1f} s | {ours:.1f} s ({overhead:+.1%}) | "
          f"{'met' if overhead <= 0.10 else 'MISSED'} (≤ +10 %) |")
    print(f"| job start to first metric point | | {first[0]:.1f} s | |")
    return 0 if overhead <= 0.10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
