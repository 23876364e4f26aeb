"""Export and import of 40,000 samples (10,000 dialogues × 4 teacher turns):
``python tests/bench/export_bench.py [--dialogues 10000]``.

Baselines in the same run: json.dumps of the already-built records (the least an exporter
does) and json.loads of every line of the file (the least an importer does).
"""

from __future__ import annotations

import argparse
import json
import os
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
from studio.semantic import offtopic, verdicts  # noqa: E402
from studio.store import Store  # noqa: E402
from studio.synth.pending import judge_pending  # noqa: E402
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
        os.environ["STUDIO_VERDICTS"] = str(root / "verdicts.sqlite3")  # a cold verdict cache
        with Store(root / "dst") as dst:
            t, c = time.perf_counter(), time.process_time()
            imported = Importer(dst, path).run()
            import_s, import_cpu = time.perf_counter() - t, time.process_time() - c
            offtopic.load_models()
            t, c = time.perf_counter(), time.process_time()
            judged = judge_pending(dst)
            judge_s, judge_cpu = time.perf_counter() - t, time.process_time() - c
        offtopic.forget()  # as a new process would start: only the disk remembers
        stored = verdicts.count()
        with Store(root / "again") as again:
            Importer(again, path).run()
            t, c = time.perf_counter(), time.process_time()
            rejudged = judge_pending(again)
            again_s, again_cpu = time.perf_counter() - t, time.process_time() - c
        new_verdicts = verdicts.count() - stored
        size = path.stat().st_size / 1e6
    n = len(samples)
    print("| step | samples | time | samples/s | time vs its baseline |\n|---|---|---|---|---|")
    print(f"| json.dumps of built records (baseline) | {len(built):,} | {dumps_s:.2f} s | {len(built) / dumps_s:,.0f} | |")
    print(f"| export qianfan (select, split, pre-flight, write) | {n:,} | {export_s:.2f} s | {n / export_s:,.0f} | "
          f"{export_s / dumps_s:.0f}× |")
    print(f"| json.loads of every line (baseline) | {len(train):,} | {loads_s:.2f} s | {len(train) / loads_s:,.0f} | |")
    print(f"| import the exported file ({size:.0f} MB, every check but the off-topic judgement: browsable) | "
          f"{imported.samples:,} | {import_s:.2f} s ({import_cpu:.1f} CPU-s) | {imported.samples / import_s:,.0f} | "
          f"{import_s / loads_s:.0f}× — {'met' if import_s <= 10 else 'MISSED'} (≤ 10 s) |")
    print(f"| then the off-topic judgement of its {judged.total:,} student turns ({judged.off_topic:,} off topic, "
          f"{judged.changed:,} answers checked again) | {imported.samples:,} | {judge_s:.2f} s ({judge_cpu:.1f} CPU-s) | "
          f"{imported.samples / judge_s:,.0f} | {'met' if judge_cpu <= 120 else 'MISSED'} (≤ 120 CPU-s) |")
    print(f"| the same file imported again into another workspace: judging | {imported.samples:,} | {again_s:.2f} s "
          f"({again_cpu:.1f} CPU-s) | | {new_verdicts} new verdicts, {rejudged.judged:,} turns read from the disk "
          f"cache — {'met' if new_verdicts == 0 else 'MISSED'} (judges nothing again) |")
    return 0


def store_mix():  # type: ignore[no-untyped-def]
    from studio.domain import DEFAULT_MIX

    return DEFAULT_MIX


if __name__ == "__main__":
    raise SystemExit(main())
