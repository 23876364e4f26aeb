"""The whole tool against its structural ideal and distilabel, on one loopback server:
``python tests/bench/whole_tool_bench.py [--dialogues 80] [--concurrency 32] [--repeat 3] [--against REV]``.

With ``--against REV`` the same benchmark runs first on the studio at git revision REV (or in a folder
holding one; ``tests/bench/trees.py``), so two versions are compared in one run.

The workload: ``studio generate --dialogues 80 --concurrency 32`` with a teacher and a student model
behind one OpenAI-compatible loopback server (its own process, 200 ms a call, answers from the
offline simulator's rules), the off-topic judge on (a model's answers are judged), each run with a cold
verdict cache of its own (a repeat would otherwise find the verdicts of the one before). Measured in a
child process: wall time, CPU seconds (user + system) and peak RSS.

Baselines in the same run, interleaved, medians of ``--repeat``:

- **structural ideal**: the calls the run made (its ledger), each dialogue's calls one after
  another, ``concurrency`` dialogues at a time, each call exactly the server's latency and nothing
  else — no tool can beat it;
- **distilabel** ``Pipeline.run()`` (1.5.3, in the bench's own venv, ``--distilabel-python``; made
  by ``tests/bench/distilabel_env.sh``) doing the same dialogues on the same server: the teacher's
  opening, then student and teacher turns one after another (``TextGeneration`` steps with
  ``OpenAILLM``), with as many calls per dialogue as the studio made (``tests/bench/distilabel_dialogues.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench import generate_bench, host, trees  # noqa: E402

LATENCY = 0.2
REMOTE = generate_bench.REMOTE + "retries = 0\n"  # a failed call is a failed run here, not a hidden retry
DISTILABEL_PYTHON = Path(os.environ.get("STUDIO_CACHE", Path.home() / ".cache" / "kouyu-studio")) / \
    "bench-distilabel" / "bin" / "python"


def measured(cmd: list[str], **kw) -> tuple[float, float, float, str, str]:  # type: ignore[no-untyped-def]
    """(wall s, CPU s, peak RSS MB, stdout, stderr) of a command run to its end, timed by /usr/bin/time's rules:
    the CPU and RSS of it and its children, read from wait4."""
    with tempfile.TemporaryFile("w+") as out_f, tempfile.TemporaryFile("w+") as err_f:  # no pipe to fill up
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, text=True, **kw)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read(), err_f.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out, err


def child(cmd: list[str], **kw) -> tuple[float, float, float, str]:  # type: ignore[no-untyped-def]
    """(wall s, CPU s, peak RSS MB, stdout) of a command run to its end (:func:`measured` less its stderr)."""
    return measured(cmd, **kw)[:4]


#: The studio checkout measured (``--tree``): its ``studio`` is what ``python -m studio`` runs.
TREE = ROOT


def studio_run(folder: Path, base: str, dialogues: int, concurrency: int, blas: int = 1) -> dict:
    studio = [sys.executable, "-m", "studio", "--workspace", str(folder)]
    # a cold verdict cache of its own: a repeat must not find the verdicts an earlier one made on the same answers
    env = {**os.environ, "STUDIO_BLAS_THREADS": str(blas), "PYTHONPATH": str(TREE),
           "STUDIO_VERDICTS": str(folder / "verdicts.sqlite3")}
    subprocess.run([*studio, "init"], check=True, capture_output=True, cwd=TREE, env=env)
    with open(folder / "config.toml", "a", encoding="utf-8") as f:
        f.write(REMOTE.format(base=base))
    wall, cpu, rss, out = child([*studio, "generate", "--dialogues", str(dialogues), "--concurrency", str(concurrency),
                                 "--teacher", "remote", "--student", "remote", "--no-cache", "--json"], env=env, cwd=TREE)
    run = json.loads(out)
    from studio.store import Store

    with Store(folder) as store:
        per_dialogue: dict[str, int] = {}
        for _, raw in store.calls.raw():
            if raw.get("run_id") == run["id"]:
                per_dialogue[raw.get("dialogue_id")] = per_dialogue.get(raw.get("dialogue_id"), 0) + 1
        judged = sum(1 for d in store.dialogues.all() for t in d.turns if t.role == "student")
        stored = store.runs.get(run["id"])
        run_s = (stored.finished - stored.started).total_seconds()
    return {"run_s": run_s, "wall": wall, "cpu": cpu, "rss": rss, "calls": sum(per_dialogue.values()),
            "chains": list(per_dialogue.values()), "completed": run["completed"], "students": judged}


def ideal(chains: list[int], concurrency: int) -> float:
    """Each dialogue's calls back to back, ``concurrency`` dialogues at once, nothing but the server's latency."""
    slots = [0.0] * concurrency
    for n in chains:
        start = heapq.heappop(slots)
        heapq.heappush(slots, start + n * LATENCY)
    return max(slots)


def distilabel_run(python: Path, base: str, chains: list[int], concurrency: int) -> dict:
    script = ROOT / "tests" / "bench" / "distilabel_dialogues.py"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DISTILABEL_CACHE_DIR": tmp, "HOME": tmp}
        wall, cpu, rss, out = child([str(python), str(script), "--base", base, "--concurrency", str(concurrency),
                                     "--chains", json.dumps(chains)], env=env)
    result = json.loads(out.strip().splitlines()[-1])
    return {"wall": wall, "cpu": cpu, "rss": rss, "calls": result["calls"], "run_s": result["run_s"]}


def busy(dialogues: int, concurrency: int, base: str, repeat: int) -> None:
    """The same run on a busy machine (two processes spinning on the two cores), one BLAS thread (the
    studio's setting) against numpy's default of one per core, interleaved: CPU seconds and wall."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 2)]
    rows: dict[int, list[dict]] = {1: [], os.cpu_count() or 2: []}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(repeat):
                for blas in rows:
                    rows[blas].append(studio_run(Path(tmp) / f"busy{blas}-{i}", base, dialogues, concurrency, blas))
    finally:
        for b in burners:
            b.kill()
    print(f"\nOn a busy machine ({len(burners)} processes spinning), medians of {repeat}, interleaved:\n")
    print("| numpy BLAS threads per process | wall | CPU s | the run |\n|---|---|---|---|")
    for blas, runs in rows.items():
        note = "1 (the studio's setting)" if blas == 1 else f"{blas} (numpy's default here)"
        print(f"| {note} | {statistics.median(r['wall'] for r in runs):.1f} s | "
              f"{statistics.median(r['cpu'] for r in runs):.1f} | {statistics.median(r['run_s'] for r in runs):.1f} s |")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dialogues", type=int, default=80)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--distilabel-python", type=Path, default=DISTILABEL_PYTHON)
    parser.add_argument("--no-busy", action="store_true", help="leave out the runs on a busy machine")
    trees.add_arguments(parser)
    args = parser.parse_args()
    global TREE
    TREE = args.tree.resolve()
    if args.against:
        trees.run_against(__file__, args.against, sys.argv[1:], args.tree)
    load = os.getloadavg()[0]
    proc = subprocess.Popen([sys.executable, "-m", "tests.llm.fakeserver", "--latency", str(LATENCY), "--simulate"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline().split()[1])  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}/v1"
    studio_rows, distil_rows = [], []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for i in range(args.repeat):  # interleaved: a busy moment costs both alike
                studio_rows.append(studio_run(Path(tmp) / f"ws{i}", base, args.dialogues, args.concurrency))
                if args.distilabel_python.is_file():
                    distil_rows.append(distilabel_run(args.distilabel_python, base, studio_rows[-1]["chains"],
                                                      args.concurrency))
        if not args.no_busy:
            busy_out = io.StringIO()
            with contextlib.redirect_stdout(busy_out):
                busy(args.dialogues, args.concurrency, base, args.repeat)
    finally:
        proc.kill()
    med = {k: statistics.median(r[k] for r in studio_rows) for k in ("wall", "cpu", "rss", "calls", "run_s")}
    best_ideal = statistics.median(ideal(r["chains"], args.concurrency) for r in studio_rows)
    share, run_share = best_ideal / med["wall"], best_ideal / med["run_s"]
    print(f"{args.dialogues} dialogues at concurrency {args.concurrency}, {LATENCY * 1000:.0f} ms a call, "
          f"{med['calls']:.0f} calls, student answers judged by the off-topic check; medians of {args.repeat}, "
          f"interleaved; load average {load:.2f} before the run, {os.getloadavg()[0]:.2f} after; the command's CPU "
          f"{min(r['cpu'] for r in studio_rows):.1f}–{max(r['cpu'] for r in studio_rows):.1f} s, the run "
          f"{min(r['run_s'] for r in studio_rows):.1f}–{max(r['run_s'] for r in studio_rows):.1f} s across the repeats.\n")
    print("| run | wall | CPU s | peak RSS | vs structural ideal | target |\n|---|---|---|---|---|---|")
    print(f"| structural ideal (the run's own calls, latency only) | {best_ideal:.1f} s | | | 100 % | |")
    print(f"| studio generate, the whole command (start-up and model loads included) | {med['wall']:.1f} s | "
          f"{med['cpu']:.1f} | {med['rss']:.0f} MB | {share:.0%} | {'met' if med['rss'] <= 400 else 'MISSED'} (≤ 400 MB) |")
    print(f"| studio generate, the run (first call to last verdict) | {med['run_s']:.1f} s | | | {run_share:.0%} | "
          f"{'met' if run_share >= 0.85 else 'MISSED'} (≥ 85 %) |")
    if distil_rows:
        d = {k: statistics.median(r[k] for r in distil_rows) for k in ("wall", "cpu", "rss", "calls", "run_s")}
        ratio = d["wall"] / med["wall"]
        print(f"| distilabel 1.5.3 Pipeline.run() (same calls per dialogue; run() alone {d['run_s']:.1f} s) | "
              f"{d['wall']:.1f} s | {d['cpu']:.1f} | {d['rss']:.0f} MB | {best_ideal / d['wall']:.0%} | |")
        print(f"\nstudio is {ratio:.2f}× distilabel's wall time ({'met' if ratio >= 1.5 else 'MISSED'}: ≥ 1.5×).")
    else:
        print(f"\n(distilabel not measured: {args.distilabel_python} is missing; make it with tests/bench/distilabel_env.sh)")
    if not args.no_busy:
        print(busy_out.getvalue(), end="")
    return 0


if __name__ == "__main__":
    host.report_at_exit()
    raise SystemExit(main())
