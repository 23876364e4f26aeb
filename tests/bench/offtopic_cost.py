"""What the off-topic judgement costs an answer: ``python tests/bench/offtopic_cost.py [--against REV]``.

Two kinds of answer, each judged as an import judges (:func:`studio.semantic.offtopic.prepare` of them
all, then :func:`~studio.semantic.offtopic.topic_fit` of each), with no verdict on disk, the topics'
own sentences and the rows of the everyday subjects and asides already run (a judging process runs
them once, not once an answer), one BLAS thread and the language model off (``--lm``: on, as an
import judges by default): the offline student's answers to the offline teacher's questions on the
70 shipped topics (three turns each: answers like a real import's, unlike ``export_bench.py``'s,
whose 18 words are drawn from the words of its questions) and the answers of the labelled sets the
off-topic fit reads. Printed: the sentence-model passes and the CPU-ms per judged answer (with
``--lm``, how many answers the language model read). With ``--against REV`` the same answers (made
by this checkout) are judged by the studio at REV first, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import trees  # tests/bench/trees.py, beside this script

os.environ["STUDIO_VERDICTS"] = "off"
parser = argparse.ArgumentParser()
parser.add_argument("--items", type=Path, help="the answers to judge (made by the run that passes it)")
parser.add_argument("--lm", action="store_true", help="with the language model, as an import judges by default "
                                                      "(about 0.4 CPU-s an answer it reads)")
trees.add_arguments(parser)
ARGS = parser.parse_args()
os.environ["STUDIO_OFFTOPIC_LM"] = "on" if ARGS.lm else "off"
trees.use(ARGS.tree)

Item = tuple[str, str, str, list[tuple[str, str]]]


def offline_answers(turns: int = 3) -> list[Item]:
    """(answer, topic, title, history) of the offline student's answers on every shipped topic (the fit's own
    dialogues, :func:`tests.bench.offtopic_fit.offline_dialogues`)."""
    from tests.bench.offtopic_fit import offline_dialogues

    return list(offline_dialogues(turns))


def labelled_answers() -> list[Item]:
    from tests.bench.offtopic_fit import DATA, SETS
    from tests.bench.offtopic_set import items_of

    return [(u, t, ti, h) for name, _ in SETS for u, t, ti, h, _ in items_of(DATA / name)]


def measure(name: str, items: list[Item]) -> str:
    from studio.semantic import encoder, offtopic

    offtopic.forget()
    encoder.sentence_vectors([x for _, topic, title, _ in items for x in offtopic._parts(topic, title, "")[1:]])
    encoder.sentence_vectors(list(offtopic._rows()[1]))  # the subjects' and asides' rows: run once a process
    passes, cpu = encoder.passes(), time.process_time()
    offtopic.prepare(items)
    fits = [offtopic.topic_fit(u, topic=topic, title=title, history=history) for u, topic, title, history in items]
    cpu, passes = time.process_time() - cpu, encoder.passes() - passes
    judged = max(1, sum(f.score is not None for f in fits))
    read = f" {sum(f.pointwise is not None for f in fits):,} |" if ARGS.lm else ""
    return (f"| {name} | {len(items):,} | {judged:,} | {sum(f.off_topic for f in fits):,} | {passes / judged:.2f} | "
            f"{cpu / judged * 1000:.1f} |{read}")


def main() -> int:
    if ARGS.items is None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "items.json"
            path.write_text(json.dumps({"offline": offline_answers(), "labelled": labelled_answers()}), encoding="utf-8")
            if ARGS.against:
                trees.run_against(__file__, ARGS.against, [*sys.argv[1:], "--items", str(path)], ARGS.tree)
            return judge(path)
    return judge(ARGS.items)


def judge(path: Path) -> int:
    from studio.semantic import offtopic, relatedness

    offtopic.load_models()
    relatedness("warm words", ["the static word vectors loaded"])  # what a studio process has loaded anyway
    kinds = json.loads(path.read_text(encoding="utf-8"))
    print("| answers | answers | judged | flagged | sentence-model passes a judged answer | CPU-ms a judged answer |"
          + (" read by the language model |" if ARGS.lm else ""))
    print("|---|---|---|---|---|---|" + ("---|" if ARGS.lm else ""))
    for name, about in (("offline", "the offline student's answers on the shipped topics"),
                        ("labelled", "the labelled sets' answers")):
        print(measure(about, [(u, t, ti, [tuple(x) for x in h]) for u, t, ti, h in kinds[name]]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
