"""Export and import of 40,000 samples (10,000 dialogues × 4 teacher turns):
``python tests/bench/export_bench.py [--dialogues 10000] [--no-judge] [--against REV]``.

Baselines in the same run: json.dumps of the already-built records (the least an exporter
does) and json.loads of every line of the file (the least an importer does); with ``--against REV``
the same steps of the studio at git revision REV, run first (``tests/bench/trees.py``).
``--no-judge`` leaves out the off-topic judgement after the import (about a quarter of an hour).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing.forkserver
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import host  # tests/bench/host.py and trees.py, beside this script
import trees

parser = argparse.ArgumentParser()
parser.add_argument("--dialogues", type=int, default=10000)
parser.add_argument("--no-judge", action="store_true", help="leave out the off-topic judgement after the import")
trees.add_arguments(parser)
ARGS = parser.parse_args()
trees.use(ARGS.tree)

from studio.domain import Topic  # noqa: E402
from studio.export.export import ExportOptions, preflight, select, split_by_topic, write  # noqa: E402
from studio.export.formats import records  # noqa: E402
from studio.export.importer import Importer  # noqa: E402
from studio.store import Store  # noqa: E402
from studio.turn.prompts import Prompts  # noqa: E402
from tests.store.helpers import make_dialogue  # noqa: E402


def main() -> int:
    if ARGS.against:
        trees.run_against(__file__, ARGS.against, sys.argv[1:], ARGS.tree)
    rng = random.Random(1)
    prompts = Prompts()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with Store(root / "src") as store:
            topics = [Topic(text=f"两位同学讨论第{i}个周末计划，聊起各自的安排。", title=f"Plan {i}") for i in range(200)]
            store.topics.put_many(topics)
            store.dialogues.put_many([make_dialogue(rng, topic_id=topics[i % 200].id, index=i, run_id="r-bench")
                                      for i in range(ARGS.dialogues)])
            store.flush()
            t, c = time.perf_counter(), time.process_time()
            opts = ExportOptions(format="qianfan", out=root / "out", split=0.9)
            samples = select(store, prompts, opts.filters)
            train, held = split_by_topic(samples, opts.split, 0)
            report = preflight(samples, train, held, store_mix(), opts)
            write(store, prompts, train, held, report, opts, root)
            export_s, export_cpu = time.perf_counter() - t, time.process_time() - c
            built = list(records("qianfan", train, prompts, dialogues=False, style="openai"))
            t = time.perf_counter()
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in built)
            dumps_s = time.perf_counter() - t
        path = root / "out" / "train.jsonl"
        t = time.perf_counter()
        for raw in path.read_text(encoding="utf-8").splitlines():
            json.loads(raw)
        loads_s = time.perf_counter() - t
        os.environ["STUDIO_VERDICTS"] = str(root / "verdicts.sqlite3")  # a cold verdict cache
        with Store(root / "dst") as dst:
            with WorkerTime() as workers:  # this import's workers only: not those of the import in judge_again()
                t, c = time.perf_counter(), time.process_time()
                imported = Importer(dst, path).run()
                import_s, import_cpu = time.perf_counter() - t, time.process_time() - c
            judged = None if ARGS.no_judge else judge(dst)
        again = None if ARGS.no_judge else judge_again(root, path)
        size = path.stat().st_size / 1e6
    n = len(samples)
    print("| step | samples | time | samples/s | time vs its baseline |\n|---|---|---|---|---|")
    print(f"| json.dumps of built records (baseline) | {len(built):,} | {dumps_s:.2f} s | {len(built) / dumps_s:,.0f} | |")
    print(f"| export qianfan (select, split, pre-flight, write) | {n:,} | {export_s:.2f} s ({export_cpu:.1f} CPU-s) | "
          f"{n / export_s:,.0f} | {export_s / dumps_s:.0f}× — {'met' if export_s <= 3 else 'MISSED'} (≤ 3 s) |")
    print(f"| json.loads of every line (baseline) | {len(train):,} | {loads_s:.2f} s | {len(train) / loads_s:,.0f} | |")
    print(f"| import the exported file ({size:.0f} MB, every check but the off-topic judgement: browsable) | "
          f"{imported.samples:,} | {import_s:.2f} s ({import_cpu:.1f} CPU-s{workers.note}) | "
          f"{imported.samples / import_s:,.0f} | "
          f"{import_s / loads_s:.0f}× — {'met' if import_s <= 10 else 'MISSED'} (≤ 10 s) |")
    if judged is not None and again is not None:
        (judged, judge_s, judge_cpu), (new_verdicts, rejudged, again_s, again_cpu) = judged, again
        print(f"| then the off-topic judgement of its {judged.total:,} student turns ({judged.off_topic:,} off topic, "
              f"{judged.changed:,} answers checked again) | {imported.samples:,} | {judge_s:.2f} s ({judge_cpu:.1f} "
              f"CPU-s) | {imported.samples / judge_s:,.0f} | {'met' if judge_cpu <= 120 else 'MISSED'} (≤ 120 CPU-s) |")
        print(f"| the same file imported again into another workspace: judging | {imported.samples:,} | {again_s:.2f} s "
              f"({again_cpu:.1f} CPU-s) | | {new_verdicts} new verdicts, {rejudged.judged:,} turns read from the disk "
              f"cache — {'met' if new_verdicts == 0 else 'MISSED'} (judges nothing again) |")
    return 0


class WorkerTime:
    """The CPU time of the import's check workers (read from /proc as they end), where it has them."""

    def __init__(self) -> None:
        self.seconds, self.workers, self.server = 0.0, 0, 0.0
        self._restore: Callable[[], None] = lambda: None

    def __enter__(self) -> WorkerTime:
        try:
            from studio.export import import_checks, importer
        except ImportError:
            return self  # a studio that checks in its own process only
        made = import_checks.checker
        self._restore = lambda: setattr(importer, "checker", made)

        @contextmanager
        def timed(bank, size):  # type: ignore[no-untyped-def]
            with made(bank, size) as check:
                try:
                    yield check
                finally:
                    pool = check.pool
                    for pid in list(pool._processes if pool is not None else ()):  # noqa: SLF001
                        self.seconds += cpu_of(pid)
                        self.workers += 1
                    server = getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None)  # noqa: SLF001
                    if self.workers and server and not self.server:
                        self.server = cpu_of(server)  # what it loaded for them before forking each

        importer.checker = timed
        return self

    def __exit__(self, *exc: object) -> None:
        """Later imports (the one the re-judging reads) check with their own workers, counted apart: until
        2026-12-07 they were added to the first import's, which read 15.2 CPU-s for about 10."""
        self._restore()

    @property
    def note(self) -> str:
        if not self.workers:
            return " in one process"
        return f" + {self.seconds:.1f} in {self.workers} check workers + {self.server:.1f} in their server"


def cpu_of(pid: int) -> float:
    """The CPU seconds (user and system) process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def judge(dst):  # type: ignore[no-untyped-def]
    from studio.semantic import offtopic
    from studio.synth.pending import judge_pending

    offtopic.load_models()
    t, c = time.perf_counter(), time.process_time()
    judged = judge_pending(dst)
    return judged, time.perf_counter() - t, time.process_time() - c


def judge_again(root: Path, path: Path):  # type: ignore[no-untyped-def]
    from studio.semantic import offtopic, verdicts
    from studio.synth.pending import judge_pending

    offtopic.forget()  # as a new process would start: only the disk remembers
    stored = verdicts.count()
    with Store(root / "again") as again:
        Importer(again, path).run()
        t, c = time.perf_counter(), time.process_time()
        rejudged = judge_pending(again)
        again_s, again_cpu = time.perf_counter() - t, time.process_time() - c
    return verdicts.count() - stored, rejudged, again_s, again_cpu


def store_mix():  # type: ignore[no-untyped-def]
    from studio.domain import DEFAULT_MIX

    return DEFAULT_MIX


if __name__ == "__main__":
    host.report_at_exit()
    raise SystemExit(main())
