"""Contract-check throughput on one core: ``python tests/bench/checks_bench.py [--n 5000]``.

Samples are teacher turns from the offline simulator answering normal, short, Chinese,
off-topic, misspelled and ungrammatical student turns, plus broken answers (prose around the
JSON, too-long replies, teacher-voice suggestions). Baseline in the same run: ``json.loads`` of
the same answers, the least any checker must do.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from studio.domain import TurnKind  # noqa: E402
from studio.domain.contract import Student, check_turn  # noqa: E402
from studio.domain.inject import inject_grammar, inject_spelling  # noqa: E402
from studio.domain.layout import format_history  # noqa: E402
from studio.llm.base import ChatRequest, Message  # noqa: E402
from studio.llm.offline import OfflineProvider  # noqa: E402
from studio.llm.offline.banks import load_banks  # noqa: E402
from studio.turn.prompts import Prompts  # noqa: E402


def samples(n: int) -> list[tuple[str, Student]]:
    rng = random.Random(1)
    sim, prompts, banks = OfflineProvider(seed=1), Prompts(), load_banks()
    cats = list(banks.categories.values())
    out = []
    while len(out) < n:
        cat = rng.choice(cats)
        base = rng.choice(cat.answers)
        kind = rng.choice(["normal", "short", "chinese", "off", "spelling", "grammar", "broken"])
        text = {"normal": base, "short": rng.choice(cat.short), "chinese": rng.choice(cat.chinese),
                "off": rng.choice(sorted(banks.off_topic)), "spelling": inject_spelling(base, rng)[0],
                "grammar": inject_grammar(base, rng)[0], "broken": base}[kind]
        chat = format_history([("teacher", rng.choice(cat.questions)), ("student", text)])
        prompt = prompts.render("teacher_reply", topic=cat.keywords[0], title=cat.name, chat=chat)
        raw = sim.respond(ChatRequest([Message("user", prompt)], variant=str(len(out))))
        if kind == "broken":
            obj = json.loads(raw)
            obj["Reply"] = " ".join([obj["Reply"]] * 3)
            obj["Suggestion"][0] = "What do you think about it?"
            raw = "Sure, here it is:\n" + json.dumps(obj, ensure_ascii=False) + "\nstudent: ok"
        out.append((raw, Student(text)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    args = parser.parse_args()
    data = samples(args.n)
    check_turn(data[0][0], TurnKind.REPLY, data[0][1])  # load the dictionary once, outside the timing
    t = time.perf_counter()
    for raw, _ in data:
        try:
            json.loads(raw)
        except ValueError:
            pass
    baseline = len(data) / (time.perf_counter() - t)
    t = time.perf_counter()
    failed = sum(not check_turn(raw, TurnKind.REPLY, student).passed for raw, student in data)
    rate = len(data) / (time.perf_counter() - t)
    met = rate >= 2000
    print("| what | samples/s | vs baseline | target |\n|---|---|---|---|")
    print(f"| json.loads only (baseline) | {baseline:,.0f} | 1× | |")
    print(f"| all 16 contract checks | {rate:,.0f} | {rate / baseline:.3f}× | {'met' if met else 'MISSED'} (≥ 2,000) |")
    print(f"\n{len(data)} samples, {failed} with at least one failed check")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
