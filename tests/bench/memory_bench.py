"""Peak memory of ``studio generate`` and the language model's cost: ``python tests/bench/memory_bench.py
[--dialogues 80] [--concurrency 32] [--repeat 1] [--against REV]``.

1. ``studio generate --dialogues 80 --concurrency 32`` with a teacher and a student model behind one
   200 ms loopback server (its own process, answers from the offline simulator's rules), the off-topic
   judge on (no verdict read from an earlier run: ``STUDIO_VERDICTS=off``), once with its language
   model and once without (``STUDIO_OFFTOPIC_LM=off``): peak RSS
   (wait4, as ``/usr/bin/time -v`` reads it), CPU seconds, and how often the language model was asked
   (its scoring calls counted in the child, so a run that never reached it shows).
2. The language model alone in a fresh process: loaded, then eight answers after a long dialogue
   scored together, then one alone: CPU seconds per answer and the process's peak RSS, split into
   anonymous memory and file pages (a memory-mapped file's pages count in RSS once touched).

With ``--against REV`` the same runs are made first on the studio at git revision REV (or in a folder
holding one; ``tests/bench/trees.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench import trees  # noqa: E402
from tests.bench.whole_tool_bench import REMOTE, measured  # noqa: E402

TREE = ROOT

#: Run in the child: counts the language model's scoring calls and their CPU, prints them at exit.
COUNTED = """
import atexit, json, sys, time
import studio.semantic.lm as lm
seen = {"lm_calls": 0, "lm_answers": 0, "lm_cpu": 0.0}
scored = lm._Llama.log_likelihoods
def counted(self, items):
    start = time.thread_time()
    try:
        return scored(self, items)
    finally:
        seen["lm_calls"] += 1
        seen["lm_answers"] += len(items) // 2
        seen["lm_cpu"] += time.thread_time() - start
lm._Llama.log_likelihoods = counted
atexit.register(lambda: print("LM " + json.dumps(seen), file=sys.stderr))
from studio.cli import main
sys.argv = ["studio", *sys.argv[1:]]
raise SystemExit(main())
"""

#: Run in the child: the language model alone.
ALONE = """
import json, resource, time
from studio.semantic import lm
def status():
    return {k: int(v.split()[0]) // 1024 for k, v in (line.split(":", 1) for line in open("/proc/self/status"))
            if k in ("VmHWM", "RssAnon", "RssFile")}
start = time.process_time()
lm.load()
loaded = time.process_time() - start
context = lm.dialogue_context("The Mid-Autumn Festival", [
    ("teacher", "What does your family usually do for the Mid-Autumn Festival? " * 3),
    ("student", "We eat mooncakes and watch the moon. " * 4),
    ("teacher", "Lovely! Who makes the mooncakes in your family, and which kind do you like best?")])
answers = ["My grandma tells us the story of Chang'e and the rabbit.", "My little brother is learning to play the violin.",
           "I like the ones with egg yolk, my mum buys them every year.", "Yes.",
           "The football match was great yesterday, we won three to one!",
           "We look at the moon and eat fruit in the garden with my cousins.", "我们一起吃月饼 and watch the moon.",
           "Minecraft is my favourite game."]
start = time.process_time()
lm.pointwise_many([(a, context) for a in answers])
eight = time.process_time() - start
lm.forget()
start = time.process_time()
lm.pointwise_many([(answers[0], context)])
one = time.process_time() - start
print(json.dumps({"load": loaded, "eight": eight, "one": one, **status()}))
"""


def generate(folder: Path, base: str, dialogues: int, concurrency: int, lm_on: bool) -> dict:
    env = {**os.environ, "STUDIO_BLAS_THREADS": "1", "PYTHONPATH": str(TREE),
           "STUDIO_VERDICTS": "off"}  # every answer judged in this run, none read from an earlier one
    if not lm_on:
        env["STUDIO_OFFTOPIC_LM"] = "off"
    studio = [sys.executable, "-m", "studio", "--workspace", str(folder)]
    subprocess.run([*studio, "init"], check=True, capture_output=True, cwd=TREE, env=env)
    with open(folder / "config.toml", "a", encoding="utf-8") as f:
        f.write(REMOTE.format(base=base))
    wall, cpu, rss, out, err = measured([sys.executable, "-c", COUNTED, "--workspace", str(folder), "generate",
                                         "--dialogues", str(dialogues), "--concurrency", str(concurrency),
                                         "--teacher", "remote", "--student", "remote", "--no-cache", "--json"],
                                        env=env, cwd=TREE)
    lines = [ln for ln in err.splitlines() if ln.startswith("LM ")]
    asked = json.loads(lines[-1][3:]) if lines else {"lm_calls": 0, "lm_answers": 0, "lm_cpu": 0.0}
    assert json.loads(out)["completed"] == dialogues
    return {"wall": wall, "cpu": cpu, "rss": rss, **asked}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dialogues", type=int, default=80)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=1)
    trees.add_arguments(parser)
    args = parser.parse_args()
    global TREE
    TREE = args.tree.resolve()
    if args.against:
        trees.run_against(__file__, args.against, sys.argv[1:], args.tree)
    load = os.getloadavg()[0]
    proc = subprocess.Popen([sys.executable, "-m", "tests.llm.fakeserver", "--latency", "0.2", "--simulate"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline().split()[1])  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}/v1"
    runs: dict[bool, list[dict]] = {True: [], False: []}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(args.repeat):  # interleaved
                for on in (True, False):
                    runs[on].append(generate(Path(tmp) / f"ws-{on}-{i}", base, args.dialogues, args.concurrency, on))
    finally:
        proc.kill()
    env = {**os.environ, "STUDIO_BLAS_THREADS": "1", "PYTHONPATH": str(TREE)}
    alone = json.loads(subprocess.run([sys.executable, "-c", ALONE], capture_output=True, text=True, check=True,
                                      cwd=TREE, env=env).stdout.strip().splitlines()[-1])
    print(f"`studio generate --dialogues {args.dialogues} --concurrency {args.concurrency}`, 200 ms a call, "
          f"medians of {args.repeat}; load average {load:.2f} before, {os.getloadavg()[0]:.2f} after.\n")
    print("| run | peak RSS | CPU s | wall | the language model: calls, answers, CPU s (a call) |\n|---|---|---|---|---|")
    for on, label in ((True, "the off-topic check with its language model"), (False, "STUDIO_OFFTOPIC_LM=off")):
        med = {k: statistics.median(r[k] for r in runs[on]) for k in ("rss", "cpu", "wall", "lm_calls", "lm_answers",
                                                                        "lm_cpu")}
        per_call = f" ({med['lm_cpu'] / med['lm_calls']:.2f})" if med["lm_calls"] else ""
        print(f"| {label} | {med['rss']:.0f} MB ({min(r['rss'] for r in runs[on]):.0f}–"
              f"{max(r['rss'] for r in runs[on]):.0f}) | {med['cpu']:.1f} | {med['wall']:.1f} s | "
              f"{med['lm_calls']:.0f}, {med['lm_answers']:.0f}, {med['lm_cpu']:.2f}{per_call} |")
    print(f"\nThe language model alone (a fresh process): loaded in {alone['load']:.2f} CPU-s (with the neutral "
          f"context's pass); 8 answers after a long dialogue scored together {alone['eight']:.2f} CPU-s "
          f"({alone['eight'] / 8:.2f} an answer), one alone {alone['one']:.2f} CPU-s; peak RSS {alone['VmHWM']} MB "
          f"(now {alone['RssAnon']} MB anonymous, {alone['RssFile']} MB of file pages).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
