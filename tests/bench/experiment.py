"""The tutorial's experiment, for real, at the smallest honest scale: base SmolLM2-135M-Instruct
against the same model fine-tuned on a dataset the studio makes, evaluated on held-out topics with
the studio's own `eval`.

    python -m tests.bench.experiment [--dialogues 40] [--steps 4] [--items 6] ...

Every step is a `studio` command in a fresh workspace (``--out``): generate dialogues with the
offline simulator, export per-turn samples split by topic, make the base model
(`studio train smol-model`), sweep methods × learning rates (`studio train sweep`, the eval loss of
each run on the held-out split), then `studio eval make` on the held-out topics and `studio eval run`
for the base model and the sweep's best run. It prints one Markdown table (JSON-valid rate, check
pass rate, compliance, pass rate per fault) with the wall time and the machine, and writes it with
the raw numbers to ``--out``/results.{md,json}.

``--short-prompts`` (the default) replaces the teacher templates in the workspace with a short
version of the same contract (the full ones are about 1,100 SmolLM2 tokens before the dialogue even
starts, which a two-core CPU cannot train on in minutes). Use ``--full-prompts`` on a GPU.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SHORT_REPLY = """你是英语口语老师，和中国高中生用英语聊[主题介绍]里的话题。只输出一个JSON对象，不要其他文字：
{"Reply": "…", "Suggestion": ["…", "…", "…"], "Analysis": "…"}
Reply：回应学生上一句，不超过30个英文单词；学生跑题时返回"您跑题了，我们现在讨论的是关于{topic_name}的内容"，说中文时返回"请尝试使用英语回答"。
Suggestion：学生接下来可以说的3句英文。Analysis：用中文分析学生上一句，纠正词汇和语法错误。
[主题介绍]
{topic}

[对话历史]
{chat}"""
SHORT_OPENING = """你是英语口语老师，和中国高中生用英语聊[主题介绍]里的话题。只输出一个JSON对象，不要其他文字：
{"Reply": "…", "Suggestion": ["…", "…", "…"]}
Reply：这个话题的英文开场白，不超过30个单词。Suggestion：学生可以回答的3句英文。
[主题介绍]
{topic}

[开场白]"""


def studio(ws: Path, *args: str, timeout: float = 3600) -> str:
    started = time.time()
    out = subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws), *args], cwd=REPO, capture_output=True,
                         text=True, timeout=timeout, check=False)
    print(f"  $ studio {' '.join(args)}  ({time.time() - started:.0f} s)", file=sys.stderr, flush=True)
    if out.returncode != 0:
        raise SystemExit(f"studio {' '.join(args)} failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return out.stdout


def machine() -> str:
    try:
        import torch

        if torch.cuda.is_available():
            return f"{torch.cuda.get_device_name(0)} GPU, {os.cpu_count()} CPU cores"
    except ImportError:
        pass
    return f"{platform.machine()} CPU, {os.cpu_count()} cores, no GPU (torch on CPU)"


def row(name: str, run: dict, faults: list[str]) -> list[str]:
    caps = run.get("caps", {})
    compliance = run["scores"].get("compliance")
    per_fault = [f"{run['by_fault'][f]['pass']:.0%}" if f in run.get("by_fault", {}) else "—" for f in faults]
    return [name, f"{run['json_valid']:.0%}", f"{run['pass_rate']:.0%}",
            f"{compliance:.2f} / {caps.get('compliance', 3)}" if compliance is not None else "—", *per_fault]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=Path("experiment-out"), help="a folder for the workspace and results")
    p.add_argument("--dialogues", type=int, default=40)
    p.add_argument("--split", type=float, default=0.8, help="train share of topics; the rest are held out")
    p.add_argument("--methods", default="lora,full")
    p.add_argument("--lrs", default="2e-4,1e-3", help="learning rates for the sweep (comma list)")
    p.add_argument("--steps", type=int, default=4, help="training steps per run")
    p.add_argument("--batch-size", type=int, default=2)
    p.add_argument("--max-length", type=int, default=768)
    p.add_argument("--eval-rows", type=int, default=4, help="held-out rows for each run's eval loss")
    p.add_argument("--items", type=int, default=6, help="held-out eval items")
    prompts = p.add_mutually_exclusive_group()
    prompts.add_argument("--short-prompts", dest="short", action="store_true", default=True)
    prompts.add_argument("--full-prompts", dest="short", action="store_false")
    args = p.parse_args()

    t0 = time.time()
    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    ws = out / "ws"
    print(f"experiment in {out}", file=sys.stderr)
    studio(ws, "init")
    if args.short:
        (ws / "prompts").mkdir(exist_ok=True)
        (ws / "prompts" / "teacher_reply.txt").write_text(SHORT_REPLY, encoding="utf-8")
        (ws / "prompts" / "teacher_opening.txt").write_text(SHORT_OPENING, encoding="utf-8")
    studio(ws, "generate", "--dialogues", str(args.dialogues))
    snapshot = json.loads(studio(ws, "export", "--format", "openai", "--split", str(args.split), "--json"))["snapshot"]
    base = out / "smollm2"
    studio(ws, "train", "smol-model", str(base))
    with (ws / "config.toml").open("a", encoding="utf-8") as f:
        f.write(f'\n[providers.smollm2-base]\nkind = "transformers"\nmodel = "{base}"\n')
    t_train = time.time()
    sweep = json.loads(studio(ws, "train", "sweep", "--snapshot", snapshot["id"], "--base-model", str(base),
                              "--method", args.methods, "--lr", args.lrs, "--epochs", "1",
                              "--max-steps", str(args.steps), "--batch-size", str(args.batch_size),
                              "--max-length", str(args.max_length), "--eval-rows", str(args.eval_rows), "--json"))
    train_s = time.time() - t_train
    best = next((j for j in sweep if j["best"]), None)
    if best is None:
        raise SystemExit("no run of the sweep finished: see the jobs' logs in " + str(ws / "jobs"))
    eval_set = json.loads(studio(ws, "eval", "make", "--n", str(args.items), "--snapshot", snapshot["id"], "--json"))
    t_eval = time.time()
    runs = {"SmolLM2-135M-Instruct (base)": json.loads(studio(ws, "eval", "run", "--model", "smollm2-base",
                                                               "--concurrency", "1", "--json")),
            f"tuned: best run ({best['method']}, lr {best['hyper']['learning_rate']:g})":
                json.loads(studio(ws, "eval", "run", "--model", f"job:{best['id']}", "--concurrency", "1", "--json")),
            "offline simulator (baseline)": json.loads(studio(ws, "eval", "run", "--model", "offline", "--json"))}
    eval_s = time.time() - t_eval
    wall = time.time() - t0

    faults = sorted({f for r in runs.values() for f in r.get("by_fault", {})})
    header = ["model", "JSON valid", "checks passed", "compliance", *[f"pass: {f}" for f in faults]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row(name, r, faults)) + " |" for name, r in runs.items()]
    sweep_lines = ["| run | method | lr | steps | final train loss | best eval loss |", "|---|---|---|---|---|---|"]
    for j in sweep:
        losses = [m["loss"] for m in j["metrics"] if m.get("loss") is not None]
        evals = [m["eval_loss"] for m in j["metrics"] if m.get("eval_loss") is not None]
        sweep_lines.append(f"| {j['id']}{' ★' if j['best'] else ''} | {j['method']} | {j['hyper']['learning_rate']:g} | "
                           f"{args.steps} | {losses[-1]:.3f} | {min(evals):.3f} |" if losses and evals else
                           f"| {j['id']} | {j['method']} | {j['hyper']['learning_rate']:g} | {args.steps} | "
                           f"{j['status']} | — |")
    counts = snapshot.get("counts", {})
    summary = (f"Machine: {machine()}. Wall time {wall / 60:.1f} min (training {train_s / 60:.1f} min for "
               f"{len(sweep)} runs, evaluation {eval_s / 60:.1f} min). Data: {args.dialogues} offline dialogues, "
               f"{counts.get('train', '?')} train / {counts.get('eval', '?')} held-out samples (topic split "
               f"{args.split:g}); {eval_set['items']} eval items from held-out topics; "
               f"{'short teacher prompts' if args.short else 'the full teacher prompts'}; each run "
               f"{args.steps} steps of {args.batch_size} at max length {args.max_length}.")
    text = "\n".join([summary, "", *lines, "", *sweep_lines, ""])
    print(text)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.md").write_text(text, encoding="utf-8")
    (out / "results.json").write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()},
                                                  "machine": machine(), "wall_s": wall, "train_s": train_s,
                                                  "eval_s": eval_s, "runs": runs, "sweep": sweep}, indent=2,
                                                 default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
