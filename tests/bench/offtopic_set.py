"""Precision and recall of the shipped off-topic check on one labelled file:
``python -m tests.bench.offtopic_set PATH [PATH …] [--lm on|off|both] [--errors]``.

A labelled file is a JSON list of dialogues, as ``tests/data/off_topic_*.json``: each with ``topic``
(Chinese or English), ``title``, optional ``history`` ([role, text] pairs, oldest first), ``teacher``
(the question answered) and three lists of student answers, ``on`` (on topic), ``loose`` (loosely
related: not off topic) and ``off`` (off topic). Every answer is judged by
:func:`studio.semantic.offtopic.topic_fit` exactly as the check runs (nothing is refitted, no
verdict is read from disk); an answer the check does not judge (under five words, Chinese) counts as
not flagged. Positives are the ``off`` answers.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def items_of(path: Path) -> list[tuple[str, str, str, list[tuple[str, str]], bool]]:
    """(utterance, topic, title, history with the question last, off topic) of every labelled answer."""
    out = []
    for n, g in enumerate(json.loads(path.read_text(encoding="utf-8")), 1):
        missing = [k for k in ("topic", "title", "teacher", "on", "loose", "off") if k not in g]
        if missing:
            raise SystemExit(f"{path}: dialogue {n} has no {', '.join(missing)}")
        history = [(str(r), str(t)) for r, t in g.get("history", [])] + [("teacher", g["teacher"])]
        out += [(u, g["topic"], g["title"], history, label == "off") for label in ("on", "loose", "off") for u in g[label]]
    return out


def measure(path: Path, lm: bool, errors: bool) -> str:
    from studio.semantic import offtopic

    os.environ["STUDIO_OFFTOPIC_LM"] = "on" if lm else "off"
    offtopic.forget()
    items = items_of(path)
    offtopic.prepare([(u, t, ti, h) for u, t, ti, h, _ in items])  # the texts through the models together
    fits = [offtopic.topic_fit(u, topic=t, title=ti, history=h) for u, t, ti, h, _ in items]
    tp = sum(f.off_topic and off for f, (*_, off) in zip(fits, items, strict=True))
    flagged = sum(f.off_topic for f in fits)
    positives = sum(off for *_, off in items)
    p, r = tp / max(1, flagged), tp / max(1, positives)
    lines = [f"{path.name} ({'with' if lm else 'without'} the language model): precision {p:.3f}, recall {r:.3f} "
             f"({len(items)} answers, {positives} off topic, {flagged} flagged, {tp} of them right; "
             f"{sum(f.score is None for f in fits)} not judged; language model asked {sum(f.pointwise is not None for f in fits)})"]
    if errors:
        for f, (u, _, title, history, off) in zip(fits, items, strict=True):
            if f.off_topic != off:
                lines.append(f"  {'missed' if off else 'false alarm'} p={f.probability} [{title}] "
                             f"{history[-1][1]!r} -> {u!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path, help="labelled files (tests/data/off_topic_*.json's format)")
    parser.add_argument("--lm", choices=("on", "off", "both"), default="default",
                        help="with or without the check's language-model step (default: as the check ships)")
    parser.add_argument("--errors", action="store_true", help="list the missed answers and the false alarms")
    args = parser.parse_args(argv)
    os.environ["STUDIO_VERDICTS"] = "off"  # every verdict made now, none read from an earlier run
    from studio.semantic import offtopic

    settings = {"on": [True], "off": [False], "both": [True, False]}.get(args.lm, [offtopic.LM_BY_DEFAULT])
    for path in args.paths:
        for lm in settings:
            print(measure(path, lm, args.errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
