"""Dashboard figures for 10,000 dialogues (40,000 samples):
``python tests/bench/dashboard_bench.py [--against REV]``.

The studio counts from the stored documents in one pass; the baseline in the same run validates
every dialogue into its pydantic model first (the obvious way to write it), then counts the same
fault mix; with ``--against REV`` the studio at git revision REV is measured first in the same run
(``tests/bench/trees.py``). Target: ≤ 500 ms for the studio's full set of figures, cold and after a
change.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import host  # tests/bench/host.py and trees.py, beside this script
import trees

parser = argparse.ArgumentParser()
parser.add_argument("--dialogues", type=int, default=10000)
trees.add_arguments(parser)
ARGS = parser.parse_args()
trees.use(ARGS.tree)

from studio.domain import Dialogue, StudentTurn  # noqa: E402
from studio.synth import dashboard  # noqa: E402
from studio.synth.dashboard import compute  # noqa: E402
from studio.workspace import open_workspace  # noqa: E402
from tests.bench.tui_bench import build  # noqa: E402


def baseline(store) -> Counter:  # type: ignore[no-untyped-def]
    mix: Counter[str] = Counter()
    for _, doc in store.dialogues.raw():
        d = Dialogue.model_validate(doc)
        mix.update(t.intended_fault.value for t in d.turns if isinstance(t, StudentTurn))
    return mix


def timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    if ARGS.against:
        trees.run_against(__file__, ARGS.against, sys.argv[1:], ARGS.tree)
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp) / "w", ARGS.dialogues).close()
        ws = open_workspace(Path(tmp) / "w")  # as the TUI starts: the store loaded from disk
        dashboard._READ.clear()
        start, cpu = time.perf_counter(), time.process_time()
        stats = compute(ws.store)  # the first open: every dialogue read
        first, first_cpu = time.perf_counter() - start, time.process_time() - cpu
        assert dict(stats.actual) == dict(baseline(ws.store))
        docs = ws.store.dialogues.all()[:3]

        def after_an_edit() -> None:  # a generated turn or a review lands on one dialogue, then a refresh
            d = docs.pop()
            ws.store.dialogues.put(d)
            compute(ws.store)

        ours = timed(after_an_edit)
        base = timed(lambda: baseline(ws.store), repeat=1)
        ws.close()
    met = ours <= 0.5
    print("| measure | baseline: validate models, count the mix only | studio: every dashboard figure | target |")
    print("|---|---|---|---|")
    print(f"| {stats.samples:,} samples, every dialogue read (the TUI does this at start-up, behind the first pane) | "
          f"{base * 1000:.0f} ms | {first * 1000:.0f} ms ({first_cpu * 1000:.0f} CPU-ms; {first / base:.2f}× the "
          f"baseline) | {'met' if first <= 0.5 else 'MISSED'} (≤ 500 ms) |")
    print(f"| {stats.samples:,} samples, a refresh after one dialogue changed | {base * 1000:.0f} ms | {ours * 1000:.0f} ms "
          f"({ours / base:.2f}× the baseline) | {'met' if met else 'MISSED'} (≤ 500 ms) |")
    return 0 if met and first <= 0.5 else 1


if __name__ == "__main__":
    host.report_at_exit()
    raise SystemExit(main())
