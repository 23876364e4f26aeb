"""Store benchmark: the journaled studio store against plain TinyDB, in the same run.

    python tests/bench/store_bench.py [--sizes 2000,10000]

Dialogues have 4 teacher turns each (about 5 KB of JSON). Plain TinyDB rewrites its whole file
on every write, so it is timed over fewer operations; every figure is a per-operation time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tinydb import TinyDB  # noqa: E402
from tinydb.table import Document  # noqa: E402

from studio.domain import ReviewStatus  # noqa: E402
from studio.store import Store  # noqa: E402
from tests.store.helpers import make_dialogue  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 10 else f"{seconds:.1f} s"


def bench_size(n: int, plain_ops: int) -> dict[str, tuple[float, float]]:
    rng = random.Random(n)
    docs = [make_dialogue(rng).model_dump(mode="json") for _ in range(n)]
    extra = [make_dialogue(rng).model_dump(mode="json") for _ in range(300)]
    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ours_dir, plain_path = Path(tmp) / "ours", Path(tmp) / "plain.json"
        ours_dir.mkdir()
        with Store(ours_dir) as store:
            from studio.domain import Dialogue

            store.dialogues.put_many([Dialogue.model_validate(d) for d in docs])
            store.storage.compact()
        plain = TinyDB(plain_path)
        plain.table("dialogues").insert_multiple(Document(d, doc_id=i + 1) for i, d in enumerate(docs))
        plain.close()

        # open: load the store and read one document
        t = time.perf_counter()
        store = Store(ours_dir)
        store.dialogues.get(docs[0]["id"])
        ours_open = time.perf_counter() - t
        t = time.perf_counter()
        plain = TinyDB(plain_path)
        plain.table("dialogues").get(doc_id=1)
        plain_open = time.perf_counter() - t
        results["open"] = (ours_open, plain_open)

        # one edited turn persisted (durable on return), median
        ours_edit = []
        for i in range(60):
            t = time.perf_counter()
            d = store.dialogues.get(docs[rng.randrange(n)]["id"])
            d.turns[2].review = ReviewStatus.APPROVED
            d.turns[2].parsed.reply = f"Edited reply {i}."
            store.dialogues.put(d)
            store.flush()
            ours_edit.append(time.perf_counter() - t)
        plain_edit = []
        table = plain.table("dialogues")
        for _ in range(plain_ops):
            doc_id = rng.randrange(n) + 1
            t = time.perf_counter()
            doc = table.get(doc_id=doc_id)
            doc["turns"][2]["review"] = "approved"
            table.update({"turns": doc["turns"]}, doc_ids=[doc_id])
            plain_edit.append(time.perf_counter() - t)
        results["edit one turn (median)"] = (statistics.median(ours_edit), statistics.median(plain_edit))

        # appending completed dialogues during generation, each made durable, amortised
        from studio.domain import Dialogue

        models = [Dialogue.model_validate(d) for d in extra]
        t = time.perf_counter()
        for d in models:
            store.dialogues.put(d)
            store.flush()
        ours_append = (time.perf_counter() - t) / len(models)
        t = time.perf_counter()
        for i, d in enumerate(extra[:plain_ops]):
            table.insert(Document(d, doc_id=n + 1 + i))
        plain_append = (time.perf_counter() - t) / plain_ops
        results["append dialogue (amortised)"] = (ours_append, plain_append)
        store.close()
        plain.close()
    return results


TARGETS = {
    ("open", 10000): ("≤ 1 s", lambda ours, plain: ours <= 1.0),
    ("edit one turn (median)", 10000): ("≤ 50 ms", lambda ours, plain: ours <= 0.050),
    ("append dialogue (amortised)", 2000): ("≤ 5 ms", lambda ours, plain: ours <= 0.005),
    ("append dialogue (amortised)", 10000): ("≤ 5 ms", lambda ours, plain: ours <= 0.005),
    ("edit one turn (median)", 2000): ("≥ 100× plain", lambda ours, plain: plain / ours >= 100),
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--plain-ops", type=int, default=5)
    args = parser.parse_args()
    rows = []
    ok = True
    for n in (int(s) for s in args.sizes.split(",")):
        for name, (ours, plain) in bench_size(n, args.plain_ops).items():
            target = TARGETS.get((name, n))
            met = ""
            if target:
                met = ("met" if target[1](ours, plain) else "MISSED") + f" ({target[0]})"
                ok = ok and met.startswith("met")
            rows.append((f"{n:,}", name, ms(ours), ms(plain), f"{plain / ours:,.0f}×", met))
    headers = ("dialogues", "operation", "studio store", "plain TinyDB", "speed-up", "target")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
