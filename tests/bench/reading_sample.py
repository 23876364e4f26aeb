"""A reading protocol for the offline simulator's data: ``python -m tests.bench.reading_sample --seed 7``.

Generates dialogues with the built-in offline provider (teacher and student) in a freshly seeded
workspace (the 70 shipped topics, the default fault mix, no workspace off-topic file), then draws
teacher turns with quotas over what each one answers — the opening, or the student turn's planned
fault kind — from those the default export keeps (``--held-back`` adds the few a failing check leaves
for review), and prints each with its dialogue so far, for a reader to judge with the tutorial's
rubric. The default quotas are opening 4, normal 12, short 8 and 4 of each of off_topic, chinese,
spelling and grammar (40 turns); ``--quotas`` changes them (``--quotas mixed=4`` adds four answers
to mixed Chinese-English ones). The draw is seeded: the same seed prints the same 40 turns.

``--counts`` prints, instead, the figures a script can count on every teacher turn of the run
(:mod:`tests.bench.reading_counts`).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studio.domain import Dialogue, FaultKind, RunConfig, StudentTurn, TeacherTurn, Topic, TurnKind  # noqa: E402
from studio.synth.service import execute, prepare  # noqa: E402
from studio.turn.context import topic_name_zh  # noqa: E402
from tests.workspaces import seeded_workspace  # noqa: E402

QUOTAS = {"opening": 4, "normal": 12, "short": 8, "off_topic": 4, "chinese": 4, "spelling": 4, "grammar": 4}


@dataclass
class Run:
    dialogues: list[Dialogue]
    topics: dict[str, Topic]
    seconds: float


def generate(folder: Path, dialogues: int, seed: int) -> Run:
    """``dialogues`` offline dialogues through the real pipeline (planner, mix, checks, repairs, store)."""
    import time

    ws = seeded_workspace(folder)
    try:
        mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
        config = RunConfig(dialogues=dialogues, concurrency=32, teacher_provider="offline",
                           student_provider="offline", mix=mix, seed=seed)
        prepared, _ = prepare(ws, config)
        start = time.perf_counter()
        asyncio.run(execute(ws, prepared))
        seconds = time.perf_counter() - start
        found = [Dialogue.model_validate(raw) for _, raw in ws.store.dialogues.raw()]
        topics = {t.id: t for t in ws.store.topics}
    finally:
        ws.close()
    found.sort(key=lambda d: d.id)
    return Run(found, topics, seconds)


def answered(d: Dialogue, i: int) -> str:
    """What the teacher turn at ``i`` answers: "opening", or the planned fault of the student turn before it."""
    before = d.turns[i - 1] if i else None
    return before.intended_fault.value if isinstance(before, StudentTurn) else "opening"


def teacher_turns(run: Run, held_back: bool = False) -> list[tuple[Dialogue, int]]:
    """The teacher turns the default export keeps (parsed, no failing check); ``held_back``: every parsed one,
    the turns left for review with a failing check included."""
    return [(d, i) for d in run.dialogues for i, t in enumerate(d.turns)
            if isinstance(t, TeacherTurn) and t.parsed is not None and (held_back or t.passed)]


def draw(run: Run, quotas: dict[str, int], seed: int, held_back: bool = False) -> list[tuple[Dialogue, int]]:
    """Teacher turns drawn at random (seeded) to fill each quota, at most one per dialogue while that is possible."""
    rng = random.Random(seed)
    pool = teacher_turns(run, held_back)
    rng.shuffle(pool)
    picked: list[tuple[Dialogue, int]] = []
    used: set[str] = set()
    for kind, n in quotas.items():
        fits = [(d, i) for d, i in pool if answered(d, i) == kind]
        fresh = [p for p in fits if p[0].id not in used]
        chosen = (fresh + [p for p in fits if p not in fresh])[:n]
        if len(chosen) < n:
            print(f"(only {len(chosen)} teacher turns answer '{kind}' in this run; asked for {n})", file=sys.stderr)
        picked += chosen
        used |= {d.id for d, _ in chosen}
    return picked


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, width=110, initial_indent=indent, subsequent_indent=indent + "  ")


def show(run: Run, d: Dialogue, i: int, number: int) -> str:
    topic = run.topics.get(d.topic_id)
    turn = d.turns[i]
    assert isinstance(turn, TeacherTurn) and turn.parsed is not None
    kind = answered(d, i)
    lines = [f"=== {number}. answers: {kind} — dialogue {d.id}, teacher turn {i // 2 + 1}",
             f"topic: {topic.text if topic else '?'}",
             f"       ({topic.title if topic else ''} / [主题名称] {topic_name_zh(topic) if topic else ''})"]
    for t in d.turns[:i]:
        if isinstance(t, TeacherTurn):
            lines.append(_wrap(f"teacher: {t.parsed.reply if t.parsed else t.raw}", "  "))
        else:
            lines.append(_wrap(f"student [{t.intended_fault.value}]: {t.text}", "  "))
    lines.append("  --- the teacher turn to judge ---")
    lines.append(_wrap(f"Reply: {turn.parsed.reply}", "  "))
    lines += [_wrap(f"Suggestion {k}: {s}", "  ") for k, s in enumerate(turn.parsed.suggestions, 1)]
    if turn.kind == TurnKind.REPLY:
        lines.append(_wrap(f"Analysis: {turn.parsed.analysis}", "  "))
    return "\n".join(lines)


def parse_quotas(text: str | None) -> dict[str, int]:
    quotas = dict(QUOTAS)
    known = {"opening", *(k.value for k in FaultKind if k is not FaultKind.OPENING)}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, _, value = part.partition("=")
        if name.strip() not in known or not value.strip().isdigit():
            raise SystemExit(f"--quotas: '{part}' is not kind=N (kinds: {', '.join(sorted(known))})")
        quotas[name.strip()] = int(value)
    return {k: v for k, v in quotas.items() if v > 0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7, help="generation and draw seed (default 7)")
    parser.add_argument("--dialogues", type=int, default=200, help="dialogues to generate (default 200)")
    parser.add_argument("--quotas", help="kind=N,… over the defaults (opening, normal, short, off_topic, …)")
    parser.add_argument("--counts", action="store_true", help="print the counted figures instead of a sample")
    parser.add_argument("--held-back", action="store_true",
                        help="draw from every teacher turn, also those a failing check holds back from the export")
    args = parser.parse_args(argv)
    quotas = parse_quotas(args.quotas)
    with tempfile.TemporaryDirectory() as tmp:
        run = generate(Path(tmp) / "ws", args.dialogues, args.seed)
    if args.counts:
        from tests.bench.reading_counts import report

        print(report(run))
        return 0
    picked = draw(run, quotas, args.seed, args.held_back)
    which = "teacher turns" if args.held_back else "exported teacher turns"
    print(f"# {len(picked)} {which} of {len(run.dialogues)} offline dialogues (seed {args.seed}); quotas: "
          + ", ".join(f"{k} {v}" for k, v in quotas.items()) + "\n")
    for n, (d, i) in enumerate(picked, 1):
        print(show(run, d, i, n) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
