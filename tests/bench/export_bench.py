"""Export and import of 40,000 samples (10,000 dialogues × 4 teacher turns):
``python tests/bench/export_bench.py [--dialogues 10000]``.

Baselines in the same run: json.dumps of the already-built records (the least an exporter
does) and json.loads of every line of the file (the least an importer does).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from studio.domain import Topic  # noqa: E402
from studio.export.export import ExportOptions, preflight, select, split_by_topic, write  # noqa: E402
from studio.export.formats import line, records  # noqa: E402
from studio.export.importer import Importer  # noqa: E402
from studio.store import Store  # noqa: E402
from studio.turn.prompts import Prompts  # noqa: E402
from tests.store.helpers import make_dialogue  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dialogues", type=int, default=10000)
    args = parser.parse_args()
    rng = random.Random(1)
    prompts = Prompts()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with Store(root / "src") as store:
            topics = [Topic(text=f"两位同学讨论第{i}个周末计划，聊起各自的安排。", title=f"Plan {i}") for i in range(200)]
            store.topics.put_many(topics)
            store.dialogues.put_many([make_dialogue(rng, topic_id=topics[i % 200].id, index=i, run_id="r-bench")
                                      for i in range(args.dialogues)])
            store.flush()
            t = time.perf_counter()
            opts = ExportOptions(format="qianfan", out=root / "out", split=0.9)
            samples = select(store, prompts, opts.filters)
            train, held = split_by_topic(samples, opts.split, 0)
            report = preflight(samples, train, held, store_mix(), opts)
            write(store, prompts, train, held, report, opts, root)
            export_s = time.perf_counter() - t
            built = list(records("qianfan", train, prompts, dialogues=False, style="openai"))
            t = time.perf_counter()
            "".join(line(r) for r in built)
            dumps_s = time.perf_counter() - t
        path = root / "out" / "train.jsonl"
        t = time.perf_counter()
        for raw in path.read_text(encoding="utf-8").splitlines():
            json.loads(raw)
        loads_s = time.perf_counter() - t
        with Store(root / "dst") as dst:
            t = time.perf_counter()
            imported = Importer(dst, path).run()
            import_s = time.perf_counter() - t
        size = path.stat().st_size / 1e6
    n = len(samples)
    print("| step | samples | time | samples/s | time vs its baseline |\n|---|---|---|---|---|")
    print(f"| json.dumps of built records (baseline) | {len(built):,} | {dumps_s:.2f} s | {len(built) / dumps_s:,.0f} | |")
    print(f"| export qianfan (select, split, pre-flight, write) | {n:,} | {export_s:.2f} s | {n / export_s:,.0f} | "
          f"{export_s / dumps_s:.0f}× |")
    print(f"| json.loads of every line (baseline) | {len(train):,} | {loads_s:.2f} s | {len(train) / loads_s:,.0f} | |")
    print(f"| import the exported file ({size:.0f} MB, checks included) | {imported.samples:,} | {import_s:.2f} s | "
          f"{imported.samples / import_s:,.0f} | {import_s / loads_s:.0f}× |")
    return 0


def store_mix():  # type: ignore[no-untyped-def]
    from studio.domain import DEFAULT_MIX

    return DEFAULT_MIX


if __name__ == "__main__":
    raise SystemExit(main())
