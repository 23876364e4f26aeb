"""Personal-data detection measured on labelled lesson lines (tests/data/pii_lines.json).

Span level: a finding is right when a labelled span of the same kind overlaps it by at least half of
the longer of the two (``--exact``: the same start and end too). Line level: a line is flagged when
anything is found in it, right when it has a labelled span. The lines marked ``held`` were kept out
of tuning and are reported apart.

    python tests/bench/pii_bench.py [--split tune|held|all] [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from studio.domain import pii  # noqa: E402

DATA = REPO / "tests" / "data" / "pii_lines.json"


def matches(found: pii.Found, gold: dict, exact: bool) -> bool:
    if found.kind != gold["kind"]:
        return False
    if exact:
        return (found.start, found.end) == (gold["start"], gold["end"])
    overlap = min(found.end, gold["end"]) - max(found.start, gold["start"])
    return overlap > 0 and overlap * 2 >= max(found.end - found.start, gold["end"] - gold["start"])


def score(lines: list[dict], exact: bool = False, show: bool = False) -> dict:
    tp = fp = fn = 0
    by_kind: dict[str, Counter[str]] = {k: Counter() for k in pii.kinds()}
    line = Counter()
    for row in lines:
        found = pii.find(row["text"])
        gold = row["pii"]
        hit_gold = set()
        for f in found:
            j = next((i for i, g in enumerate(gold) if i not in hit_gold and matches(f, g, exact)), None)
            if j is None:
                fp += 1
                by_kind[f.kind]["fp"] += 1
                if show:
                    print(f"FP {f.kind}: {f.text!r} in {row['text']}")
            else:
                hit_gold.add(j)
                tp += 1
                by_kind[f.kind]["tp"] += 1
        for i, g in enumerate(gold):
            if i not in hit_gold:
                fn += 1
                by_kind[g["kind"]]["fn"] += 1
                if show:
                    print(f"FN {g['kind']}: {g['text']!r} in {row['text']} (found {[(f.kind, f.text) for f in found]})")
        line[("tp" if gold else "fp") if found else ("fn" if gold else "tn")] += 1
    return {"tp": tp, "fp": fp, "fn": fn, "precision": tp / max(1, tp + fp), "recall": tp / max(1, tp + fn),
            "line_precision": line["tp"] / max(1, line["tp"] + line["fp"]),
            "line_recall": line["tp"] / max(1, line["tp"] + line["fn"]), "lines": len(lines),
            "by_kind": {k: dict(v) for k, v in by_kind.items()}}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", choices=["tune", "held", "all"], default="all")
    parser.add_argument("--show", action="store_true", help="print each wrong or missed span")
    args = parser.parse_args()
    data = json.loads(DATA.read_text(encoding="utf-8"))["lines"]
    splits = ["tune", "held"] if args.split == "all" else [args.split]
    missed = False
    print("| lines | n | span P | span R | exact P | exact R | line P | line R | target (P ≥ 0.95, R ≥ 0.9) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for split in splits:
        lines = [r for r in data if r["split"] == split]
        s, e = score(lines, show=args.show), score(lines, exact=True)
        met = s["precision"] >= 0.95 and s["recall"] >= 0.9
        missed = missed or not met
        print(f"| {split} | {s['lines']} | {s['precision']:.3f} | {s['recall']:.3f} | {e['precision']:.3f} | "
              f"{e['recall']:.3f} | {s['line_precision']:.3f} | {s['line_recall']:.3f} | {'met' if met else 'MISSED'} |")
    lines = [r for r in data if r["split"] in splits]
    s = score(lines)
    print("\n| kind | found right | wrong | missed |\n| --- | --- | --- | --- |")
    for kind, c in s["by_kind"].items():
        print(f"| {kind} | {c.get('tp', 0)} | {c.get('fp', 0)} | {c.get('fn', 0)} |")
    texts = [r["text"] for r in data] * 20  # line by line, as an import reads a transcript
    began = time.perf_counter()
    for text in texts:
        pii.find(text)
    took = time.perf_counter() - began
    size = sum(map(len, texts))
    print(f"\nspeed: {size / took / 1e6:.2f} M characters/s ({len(texts):,} lines, {size:,} characters in {took:.2f} s)")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
