"""The off-topic model's fit and its honest measure: ``python -m tests.bench.offtopic_fit [--write]``.

Reads the three labelled sets in ``tests/data`` (on topic, loosely related, off topic; "loose" is
not off topic), computes :func:`studio.semantic.offtopic.features` for every answer the check
judges, and

1. leaves each topic out of the fit in turn, choosing the threshold where the held-out precision
   and recall are both highest (the pooled held-out predictions);
2. fits the shipped model on every answer;
3. prints precision and recall per set, in-sample and held out.

``--write`` puts the fitted model and threshold into ``studio/semantic/offtopic.py``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studio.semantic import offtopic  # noqa: E402

DATA = ROOT / "tests" / "data"
SETS = (("off_topic_cases.json", "15 topics the features were chosen on"),
        ("off_topic_new_topics.json", "4 topics written after the first features"),
        ("off_topic_holdout.json", "12 topics with dialogue history, written apart from the method"))


@dataclass
class Case:
    set_name: str
    topic_key: str
    utterance: str
    off: bool
    feats: list[float] | None  # None: the check does not judge it (too short), so it is never flagged


def cases() -> list[Case]:
    out = []
    for name, _ in SETS:
        for gi, g in enumerate(json.loads((DATA / name).read_text(encoding="utf-8"))):
            history = [tuple(h) for h in g.get("history", [])] + [("teacher", g["teacher"])]
            for label in ("on", "loose", "off"):
                for u in g[label]:
                    fit = offtopic.topic_fit(u, topic=g["topic"], title=g["title"], history=history)
                    feats = None if fit.score is None else offtopic.features(
                        u, topic=g["topic"], title=g["title"], question=g["teacher"])
                    out.append(Case(name, f"{name}:{gi}", u, label == "off", feats))
    return out


def pr(pred: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    tp = int((pred & truth).sum())
    return tp / max(1, int(pred.sum())), tp / max(1, int(truth.sum()))


def held_out(rows: list[Case]) -> np.ndarray:
    """Each answer's probability from a model fitted without its topic."""
    out = np.zeros(len(rows))
    keys = [c.topic_key for c in rows]
    for key in dict.fromkeys(keys):
        train = [c for c in rows if c.topic_key != key and c.feats is not None]
        model = offtopic.fit([c.feats for c in train], [c.off for c in train])
        for i, c in enumerate(rows):
            if c.topic_key == key and c.feats is not None:
                out[i] = offtopic.probability(c.feats, model)
    return out


def best_threshold(p: np.ndarray, truth: np.ndarray) -> float:
    grid = [round(float(t), 2) for t in np.arange(0.2, 0.81, 0.02)]
    return max(grid, key=lambda t: (min(pr(p >= t, truth)), sum(pr(p >= t, truth))))


def report(rows: list[Case], held: np.ndarray, threshold: float, model: tuple) -> list[str]:
    truth = np.array([c.off for c in rows])
    shipped = np.array([c.feats is not None and offtopic.probability(c.feats, model) >= threshold for c in rows])
    lines = ["| labelled set | answers (off topic) | shipped model P / R | each topic held out P / R |",
             "|---|---|---|---|"]
    for name, about in SETS:
        m = np.array([c.set_name == name for c in rows])
        lines.append(f"| {name} ({about}) | {int(m.sum())} ({int(truth[m].sum())}) | "
                     "{:.3f} / {:.3f} | ".format(*pr(shipped[m], truth[m])) +
                     "{:.3f} / {:.3f} |".format(*pr(held[m] >= threshold, truth[m])))
    lines.append(f"| all three | {len(rows)} ({int(truth.sum())}) | " + "{:.3f} / {:.3f} | ".format(*pr(shipped, truth))
                 + "{:.3f} / {:.3f} |".format(*pr(held >= threshold, truth)))
    return lines


def write_model(model: tuple, threshold: float) -> None:
    path = ROOT / "studio" / "semantic" / "offtopic.py"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"^MODEL: tuple = .*?$", f"MODEL: tuple = {model!r}", text, count=1, flags=re.M)
    text = re.sub(r"^OFF_TOPIC_AT = .*$", f"OFF_TOPIC_AT = {threshold}", text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="write the fitted model into studio/semantic/offtopic.py")
    args = parser.parse_args()
    if not offtopic.MODEL:  # features need no model; topic_fit does, so judge with a neutral one while fitting
        offtopic.MODEL = ((0.0,) * 4, (1.0,) * 4, (0.0,) * 4, 0.0)
    rows = cases()
    truth = np.array([c.off for c in rows])
    held = held_out(rows)
    threshold = best_threshold(held, truth)
    judged = [c for c in rows if c.feats is not None]
    model = offtopic.fit([c.feats for c in judged], [c.off for c in judged])
    print("\n".join(report(rows, held, threshold, model)))
    print(f"\nMODEL = {model!r}\nOFF_TOPIC_AT = {threshold}")
    if args.write:
        write_model(model, threshold)
        print("written to studio/semantic/offtopic.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
