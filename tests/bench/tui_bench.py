"""TUI responsiveness with 10,000 dialogues (40,000 samples): ``python tests/bench/tui_bench.py``.

Measured headless (Textual's test driver) on this machine, against targets; the baseline in the
same run is a workspace of 10 dialogues, so the cost of the data shows. Keys are posted as the
terminal would post them and timed until the cursor moves. The Samples pane is opened two seconds
after start-up, as a person would: its rows are built in the background meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from textual.widgets import DataTable  # noqa: E402

from studio.domain import Topic  # noqa: E402
from studio.ui.app import make_app  # noqa: E402
from studio.workspace import open_workspace  # noqa: E402
from tests.bench import host  # noqa: E402
from tests.store.helpers import make_dialogue  # noqa: E402


async def until(predicate, timeout: float = 30.0) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    while not predicate():
        if time.perf_counter() - start > timeout:
            raise TimeoutError
        await asyncio.sleep(0.002)
    return time.perf_counter() - start


def rows(app, selector: str) -> int:  # type: ignore[no-untyped-def]
    try:
        return app.screen.query_one(selector, DataTable).row_count
    except Exception:  # noqa: BLE001 - not mounted yet
        return 0


async def measure(ws, writer: bool, samples: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    app = make_app(ws)
    t0 = time.perf_counter()
    results: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        results["first frame (topics listed)"] = time.perf_counter() - t0 + await until(lambda: rows(app, "#topics-table") > 0)
        await pilot.pause(2.0)  # a person glancing at the first pane; the Samples rows are built meanwhile
        start = time.perf_counter()
        app.simulate_key("3")
        await until(lambda: rows(app, "#samples-table") > 0)
        results["first page of Samples"] = time.perf_counter() - start
        expected = samples
        await until(lambda: str(app.screen.query_one("#samples-table").border_title).endswith(f"of {expected}"))
        await pilot.pause(0.5)
        before = app.screen.query_one("#samples-table").border_title
        start = time.perf_counter()
        app.simulate_key("f")
        await until(lambda: app.screen.query_one("#samples-table").border_title != before)
        results["filter change"] = time.perf_counter() - start
        stop = threading.Event()
        if writer:
            rng = random.Random(9)

            def write() -> None:  # a generation run's pace: a dialogue turn every few ms
                while not stop.is_set():
                    ws.store.dialogues.put(make_dialogue(rng, topic_id="t-bench", index=0, run_id="r-bench"))
                    ws.store.flush()
                    time.sleep(0.005)

            thread = threading.Thread(target=write, daemon=True)
            thread.start()
        lat = []
        table = app.screen.query_one("#samples-table", DataTable)
        for i in range(40):
            before_row = table.cursor_row
            start = time.perf_counter()
            app.simulate_key("down" if i % 2 == 0 else "up")
            await until(lambda row=before_row: table.cursor_row != row)
            lat.append(time.perf_counter() - start)
            await asyncio.sleep(0.03)
        stop.set()
        results["key latency (median)" + (" while writing" if writer else "")] = statistics.median(lat)
        results["key latency (p95)" + (" while writing" if writer else "")] = sorted(lat)[int(len(lat) * 0.95) - 1]
        if writer:  # Simulate opened: it loads the off-topic check's models; then a person types answers
            from studio.semantic import encoder, lm, offtopic
            from studio.synth.detect import observe

            app.simulate_key("2")
            await until(lambda: encoder._model._model is not None
                        and (lm._NEUTRAL_CACHE is not None or not offtopic.asks_lm()), timeout=120)
            await until(lambda: not any(w.is_running for w in app.workers), timeout=120)  # Simulate's set-up done
            results["peak memory, Simulate open (MB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            history = [("teacher", "What did you do last weekend with your family?")]
            times = []
            for typed in ("We went to the countryside and picked strawberries with my cousins.",
                          "My favourite game is Minecraft and I play it every night after homework.",
                          "I think my grandma cooked the best dumplings I have ever eaten in my life."):
                start = time.perf_counter()
                observe(typed, topic="两位同学讨论各自的周末活动。", title="Weekend with family", history=history)
                times.append(time.perf_counter() - start)
            results["a typed answer judged in Simulate (slowest of 3)"] = max(times)
    return results


def build(folder: Path, dialogues: int):  # type: ignore[no-untyped-def]
    ws = open_workspace(folder, create_missing=True)
    rng = random.Random(1)
    topics = [Topic(text=f"两位同学讨论第{i}个周末计划，聊起各自的安排。", title=f"Plan {i}") for i in range(200)]
    ws.store.topics.put_many(topics)
    ws.store.dialogues.put_many([make_dialogue(rng, topic_id=topics[i % 200].id, index=i, run_id="r-bench")
                                 for i in range(dialogues)])
    ws.store.flush()
    return ws


TARGETS = {"first frame (topics listed)": 1.0, "first page of Samples": 0.3, "filter change": 0.3,
           "key latency (median) while writing": 0.1, "a typed answer judged in Simulate (slowest of 3)": 1.0}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dialogues", type=int, default=10000)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["STUDIO_VERDICTS"] = str(Path(tmp) / "verdicts.sqlite3")  # typed answers never judged before
        small = build(Path(tmp) / "small", 10)
        base = asyncio.run(measure(small, writer=False, samples=40))
        small.close()
        big = build(Path(tmp) / "big", args.dialogues)
        full = asyncio.run(measure(big, writer=True, samples=args.dialogues * 4))
        big.close()
    print(f"| measure | 10 dialogues (baseline) | {args.dialogues:,} dialogues | vs baseline | target |\n"
          "|---|---|---|---|---|")
    memory = full.pop("peak memory, Simulate open (MB)")
    for name, value in full.items():
        plain = name.replace(" while writing", "")
        target = TARGETS.get(name)
        verdict = "" if target is None else ("met" if value <= target else "MISSED") + f" (≤ {target * 1000:.0f} ms)"
        ok = ok and (target is None or value <= target)
        ratio = value / base[plain] if base.get(plain) else 0
        shown = f"{base[plain] * 1000:.0f} ms | {value * 1000:.0f} ms | {ratio:.1f}×" if plain in base else \
            f"— | {value * 1000:.0f} ms | —"
        print(f"| {name} | {shown} | {verdict} |")
    print(f"| peak memory of the studio's process, {args.dialogues * 4:,} samples, Simulate open (its models loaded) | | "
          f"{memory:.0f} MB | | {'met' if memory <= 700 else 'MISSED'} (≤ 700 MB) |")
    return 0 if ok and memory <= 700 else 1


if __name__ == "__main__":
    host.report_at_exit()
    raise SystemExit(main())
