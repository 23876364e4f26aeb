"""Generation throughput: ``python tests/bench/generate_bench.py [--against REV]``.

1. Against the loopback server (its own process, 200 ms per call, answers from the offline
   simulator's rules): dialogues/min at concurrency 1 and 32; target ≥ 25× speed-up.
2. On the in-process offline provider at zero latency: the studio's own overhead (planning,
   checks, repairs, ledger, a durable store write per turn); target ≥ 30 dialogues/s.

Each run starts with a cold verdict cache, on disk and in memory, as a first run does (the same
answers judged by an earlier run are not judged again, which made a second run of this bench 4× faster).

With ``--against REV`` the same runs are made first on the studio at git revision REV (or in a folder
holding one; ``tests/bench/trees.py``); each table says the process's CPU seconds beside its wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.bench import host, trees  # noqa: E402

parser = argparse.ArgumentParser()
trees.add_arguments(parser)
ARGS, _ = parser.parse_known_args()  # whole_tool_bench imports this module with its own arguments
trees.use(ARGS.tree)

from studio.domain import FaultKind, RunConfig  # noqa: E402
from studio.semantic import offtopic  # noqa: E402
from studio.synth.service import execute, prepare  # noqa: E402
from tests.workspaces import seeded_workspace  # noqa: E402

REMOTE = """
[providers.remote]
kind = "openai"
model = "sim"
base_url = "{base}"
concurrency = 64
"""


CPU: dict[str, float] = {}  # CPU seconds of this process in each run, by its setting


def timed_run(folder: Path, dialogues: int, concurrency: int, provider: str, extra: str = "") -> tuple[float, int]:
    # a cold verdict cache, on disk and in memory: an earlier run's verdicts on the same answers must not count
    os.environ["STUDIO_VERDICTS"] = str(folder / "verdicts.sqlite3")
    offtopic.forget()
    ws = seeded_workspace(folder, extra)
    mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
    run, _ = prepare(ws, RunConfig(dialogues=dialogues, concurrency=concurrency, teacher_provider=provider,
                                   student_provider=provider, mix=mix, seed=1))
    start, cpu = time.perf_counter(), time.process_time()
    run = asyncio.run(execute(ws, run))
    elapsed = time.perf_counter() - start
    CPU[f"{provider} {concurrency}"] = time.process_time() - cpu
    calls = ws.store.calls.count()
    ws.close()
    assert run.completed == dialogues, run.error
    return elapsed, calls


def main() -> int:
    if ARGS.against:
        trees.run_against(__file__, ARGS.against, sys.argv[1:], ARGS.tree)
    ok = True
    proc = subprocess.Popen([sys.executable, "-m", "tests.llm.fakeserver", "--latency", "0.2", "--simulate"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline().split()[1])  # type: ignore[union-attr]
    extra = REMOTE.format(base=f"http://127.0.0.1:{port}/v1")
    rows = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t1, c1 = timed_run(Path(tmp) / "c1", 4, 1, "remote", extra)
            t32, c32 = timed_run(Path(tmp) / "c32", 96, 32, "remote", extra)
    finally:
        proc.kill()
    per_min_1, per_min_32 = 4 / t1 * 60, 96 / t32 * 60
    speedup = per_min_32 / per_min_1
    ok = ok and speedup >= 25
    rows.append(("loopback, 200 ms/call, concurrency 1", f"{per_min_1:.1f}/min ({t1:.1f} s, {CPU['remote 1']:.1f} CPU-s)",
                 f"{c1} calls", ""))
    rows.append(("loopback, 200 ms/call, concurrency 32", f"{per_min_32:.1f}/min ({t32:.1f} s, {CPU['remote 32']:.1f} CPU-s)",
                 f"{c32} calls", f"{speedup:.1f}× — {'met' if speedup >= 25 else 'MISSED'} (≥ 25×)"))
    with tempfile.TemporaryDirectory() as tmp:
        t, calls = timed_run(Path(tmp) / "off", 300, 32, "offline")
    rate = 300 / t
    ok = ok and rate >= 30
    rows.append(("offline simulator, zero latency", f"{rate:.1f}/s ({t:.1f} s, {CPU['offline 32']:.1f} CPU-s)", f"{calls} calls",
                 f"{'met' if rate >= 30 else 'MISSED'} (≥ 30/s)"))
    print("| setting | dialogues | calls | target |\n|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 0 if ok else 1


if __name__ == "__main__":
    host.report_at_exit()
    raise SystemExit(main())
