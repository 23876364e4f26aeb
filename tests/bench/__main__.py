"""Every benchmark in one report: ``python -m tests.bench`` (add ``--skip train`` and the like).

Each benchmark runs as its own process, compares against a baseline measured in the same run and
prints markdown; this stitches them into one report with the machine described and a list of any
target missed, with the reason and the fix. The README's Performance section is this report.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

BENCHES = [
    ("store", "store_bench.py", "Store: opening 10,000 dialogues, persisting one edit, appending a durable dialogue, "
                                "single-document writes — against plain TinyDB."),
    ("llm", "llm_bench.py", "Model calls over loopback HTTP (a server in its own process): efficiency at 200 ms latency "
                            "and the ledger's throughput — against the ideal and httpx's own pool."),
    ("checks", "checks_bench.py", "Contract checks on one core — against json.loads alone."),
    ("generate", "generate_bench.py", "Generation: speed-up from concurrency 1 to 32 at 200 ms per call, and offline "
                                      "dialogues per second."),
    ("whole tool", "whole_tool_bench.py", "studio generate --dialogues 80 --concurrency 32 with a teacher and a student "
                                          "model on one 200 ms loopback server, the off-topic judge on: wall, CPU "
                                          "seconds and peak RSS — against the run's structural ideal and distilabel's "
                                          "Pipeline.run() on the same server; and on a busy machine, BLAS pinned or not."),
    ("offline teacher", "offline_teacher_bench.py", "The offline teacher on 200 dialogues through the real pipeline "
                                                    "(with the tutorial's off-topic file): distinct Suggestions and "
                                                    "Analyses, 'tell me more' contradictions, off-topic turns, speed."),
    ("export", "export_bench.py", "Export and import of 40,000 samples — against json.dumps/json.loads of the same."),
    ("tui", "tui_bench.py", "The studio with 40,000 samples, headless: first frame, first page, filter change, key "
                            "latency while a writer runs — against a 10-dialogue workspace."),
    ("dashboard", "dashboard_bench.py", "Every Dashboard figure for 40,000 samples — against validating every dialogue."),
    ("train", "train_bench.py", "The local fine-tune back-end — against a bare TRL script on the same tiny model "
                                "(needs the train extra)."),
    ("topics", "topic_guard_bench.py", "The near-duplicate topic guard on 130 labelled topic pairs (copies, punctuation "
                                       "width, small edits, Chinese paraphrases, related-but-different scenarios) and "
                                       "every pair of the shipped bank — against the edit score alone."),
    ("personal data", "pii_bench.py", "Personal-data detection on 231 labelled lesson lines (half with names, phone "
                                      "and ID numbers, QQ/WeChat ids, schools, addresses; half with look-alikes), "
                                      "the held-out third apart."),
]

FIXES = {
    "tui": "the Samples pane's fixed mount cost shares 2 cores with the background row build; a machine with more "
           "cores, or fewer rows per page, brings it under",
    "train": "the overhead is the worker's start-up (imports) plus polling; longer runs amortise it",
}


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    mem = ""
    if Path("/proc/meminfo").exists():
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB memory"
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}){mem}, "
            f"Python {platform.python_version()}, no GPU")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip", action="append", default=[], help="a benchmark to leave out (store, llm, …)")
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args()
    print(f"Machine: {machine()}. Run with `python -m tests.bench` on {time.strftime('%Y-%m-%d')}.\n")
    missed: list[str] = []
    for name, script, about in BENCHES:
        if name in args.skip or (args.only and name not in args.only):
            continue
        start = time.perf_counter()
        out = subprocess.run([sys.executable, str(HERE / script)], cwd=REPO, capture_output=True, text=True)
        took = time.perf_counter() - start
        print(f"### {name} (`python tests/bench/{script}`, {took:.0f} s)\n\n{about}\n")
        lines: list[str] = []
        for line in out.stdout.splitlines():
            if line.startswith(("Writing", "Loading")):
                continue
            if line.startswith("|") and lines and lines[-1] and not lines[-1].startswith("|"):
                lines.append("")  # a table needs a blank line before it in markdown
            lines.append(line)
        print("\n".join(lines).strip() + "\n")
        if out.returncode != 0:
            tail = (out.stderr.strip().splitlines() or ["(no output)"])[-1]
            missed.append(f"- **{name}**: " + ("a target was missed (MISSED above)" if "MISSED" in out.stdout
                                               else f"did not finish: {tail}") +
                          (f"; what would fix it: {FIXES[name]}" if name in FIXES else ""))
        sys.stdout.flush()
    print("### Targets missed\n")
    print("\n".join(missed) if missed else "None: every target was met in this run.")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
