"""Near-duplicate topic guard on a labelled set: ``python tests/bench/topic_guard_bench.py``.

``topic_pairs.tsv`` beside this file holds labelled pairs (``split``: ``tuning`` for the set the rule and
threshold were chosen on, ``held-out`` for pairs written afterwards) built on the tutorial's ten topics and the
shipped bank: copies (white space changed), punctuation-width changes (``，``→``,``), small edits
(one or two characters: 周末→周日), Chinese paraphrases written by hand (same scenario, other words)
— all *duplicates* — and related-but-different scenarios (same people or place, another scene) and
unrelated pairs — *distinct*. Also every pair of the shipped bank's 70 topics (all distinct).

Each pair is judged as the guard judges a candidate against a bank of one (``TopicGuard.check``: the
paraphrase score at the threshold, or the edit score at the threshold and at least 0.8). Printed: precision and recall of "duplicate" for the guard's
similarity and for the edit score alone (the baseline: no meaning-level score), recall per kind,
false alarms per kind, and the cost of one check against a bank of 1,000 topics. Exits 1 when the
default threshold misses its targets (recall 1.0 on copies, punctuation and edits; precision ≥ 0.9).
"""

from __future__ import annotations

import csv
import itertools
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from studio.synth.topic_guard import DEFAULT_THRESHOLD, Match, TopicGuard, edit_similarity, refuses  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def load_pairs() -> list[dict[str, str]]:
    with open(HERE / "topic_pairs.tsv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def bank() -> list[str]:
    with open(REPO / "data" / "topics.tsv", encoding="utf-8", newline="") as fh:
        return [row["topic"] for row in csv.DictReader(fh, delimiter="\t")]


def guard_matches(a: str, b: str) -> list[Match]:
    """What the guard sees when ``b`` arrives with only ``a`` stored: the nearest by each measure."""
    return TopicGuard.over([("a", a)]).matches(b)


def refused(matches: list[Match], threshold: float) -> bool:
    return any(refuses(m.measure, m.score, threshold) for m in matches)


def prf(judged: list[tuple[bool, bool]]) -> tuple[float, float, int, int]:
    """Precision and recall of "duplicate" from (is a duplicate, was refused) pairs."""
    tp = sum(dup and hit for dup, hit in judged)
    fp = sum(not dup and hit for dup, hit in judged)
    fn = sum(dup and not hit for dup, hit in judged)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, fp, fn


def main() -> int:
    everything = load_pairs()
    pairs = [p for p in everything if p["split"] == "tuning"]
    held = [p for p in everything if p["split"] == "held-out"]
    kinds = Counter(p["kind"] for p in pairs)
    print(f"{len(pairs)} labelled pairs: " + ", ".join(f"{k} {n}" for k, n in kinds.items())
          + f"; plus {len(list(itertools.combinations(bank(), 2)))} pairs of distinct shipped topics, and "
          f"{len(held)} held-out pairs written after the rule and threshold were fixed.\n")
    dup = [p["label"] == "dup" for p in pairs]
    seen = [guard_matches(p["a"], p["b"]) for p in pairs]
    edit = [edit_similarity(p["a"], p["b"]) for p in pairs]
    print("| threshold | guard precision | guard recall | false alarms | missed | edit-only precision | edit-only recall |")
    print("|---|---|---|---|---|---|---|")
    for t in (0.5, 0.55, 0.6, 0.65, 0.7, 0.8):
        p, r, fp, fn = prf([(d, refused(m, t)) for d, m in zip(dup, seen, strict=True)])
        ep, er, _, _ = prf([(d, e >= t) for d, e in zip(dup, edit, strict=True)])
        mark = " (default)" if t == DEFAULT_THRESHOLD else ""
        print(f"| {t:.2f}{mark} | {p:.3f} | {r:.3f} | {fp} | {fn} | {ep:.3f} | {er:.3f} |")
    print("\nAt the default threshold, by kind (share judged duplicate):\n")
    print("| kind | label | pairs | guard | edit only |")
    print("|---|---|---|---|---|")
    for kind in kinds:
        idx = [i for i, p in enumerate(pairs) if p["kind"] == kind]
        g = sum(refused(seen[i], DEFAULT_THRESHOLD) for i in idx) / len(idx)
        e = sum(edit[i] >= DEFAULT_THRESHOLD for i in idx) / len(idx)
        print(f"| {kind} | {pairs[idx[0]]['label']} | {len(idx)} | {g:.2f} | {e:.2f} |")
    held_judged = [(q["label"] == "dup", refused(guard_matches(q["a"], q["b"]), DEFAULT_THRESHOLD)) for q in held]
    hp, hr, hfp, hfn = prf(held_judged)
    print(f"\nHeld out ({len(held)} pairs: {sum(d for d, _ in held_judged)} paraphrases, "
          f"{sum(not d for d, _ in held_judged)} related-but-different scenarios, on shipped topics the set above "
          f"does not use), at the default threshold: precision {hp:.3f}, recall {hr:.3f} "
          f"({hfp} false alarm{'s' if hfp != 1 else ''}, {hfn} missed).")
    topics = bank()
    start = time.perf_counter()
    bank_seen = [guard_matches(a, b) for a, b in itertools.combinations(topics, 2)]
    false_bank = sum(refused(m, DEFAULT_THRESHOLD) for m in bank_seen)
    highest = max(m.score for ms in bank_seen for m in ms)
    print(f"\nShipped bank, all {len(bank_seen)} pairs: {false_bank} false alarms, highest similarity {highest:.2f} "
          f"({time.perf_counter() - start:.1f} s).")
    big = [f"{t[:-1]}（{i}）" for i in range(15) for t in topics][:1000]
    start = time.perf_counter()
    index = TopicGuard.over([(f"t{i}", t) for i, t in enumerate(big)])
    build = time.perf_counter() - start
    probes = [p["b"] for p in pairs[:50]]
    start = time.perf_counter()
    for text in probes:
        index.nearest(text)
    per = (time.perf_counter() - start) / len(probes)
    print(f"Bank of {len(big)} topics: built in {build:.2f} s, {per * 1000:.1f} ms per candidate checked.")
    p, r, _, _ = prf([(d, refused(m, DEFAULT_THRESHOLD)) for d, m in zip(dup, seen, strict=True)])
    exact = [i for i, q in enumerate(pairs) if q["kind"] in ("copy", "punctuation", "edit")]
    caught = all(refused(seen[i], DEFAULT_THRESHOLD) for i in exact)
    ok = caught and p >= 0.9 and false_bank == 0
    print(f"\nTargets: every copy, punctuation change and small edit refused — {'met' if caught else 'MISSED'}; "
          f"precision ≥ 0.90 — {'met' if p >= 0.9 else 'MISSED'} ({p:.3f}); no false alarm in the shipped bank — "
          f"{'met' if false_bank == 0 else 'MISSED'}.")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
