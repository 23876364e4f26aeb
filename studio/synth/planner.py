"""The mix planner: a fault for every student turn of a run, matching the target shares exactly
(largest remainder over all slots) and spread across turn positions and topics."""

from __future__ import annotations

import random
from dataclasses import dataclass

from studio.domain import STUDENT_FAULTS, FaultKind, Mix
from studio.domain.messages import N_, Message


@dataclass(frozen=True)
class PlannedDialogue:
    index: int
    topic_id: str
    faults: tuple[FaultKind, ...]


def _interleave(counts: dict[FaultKind, int]) -> list[FaultKind]:
    """Smooth weighted round-robin: each kind appears evenly spaced through the sequence."""
    total = sum(counts.values())
    current = dict.fromkeys(counts, 0)
    out: list[FaultKind] = []
    for _ in range(total):
        for kind in counts:
            current[kind] += counts[kind]
        best = max((k for k in counts if counts[k]), key=lambda k: (current[k], -STUDENT_FAULTS.index(k)))
        current[best] -= total
        out.append(best)
    return out


def plan(n: int, topic_ids: list[str], mix: Mix, teacher_turns: int, seed: int) -> list[PlannedDialogue]:
    """Plan ``n`` dialogues of ``teacher_turns`` teacher turns (so ``teacher_turns - 1`` student turns)."""
    if n < 1:
        raise ValueError(Message("run.no-dialogues", N_("a run needs at least one dialogue")))
    if not topic_ids:
        raise ValueError(Message("run.no-topics", N_("no enabled topics to generate from (add or enable topics first)")))
    rng = random.Random(seed)
    per = teacher_turns - 1
    quotas = mix.quotas(n * per)
    # Slots in position-major order: all first student turns, then all second ones, ... so the
    # evenly spaced sequence gives every position the same mix.
    sequence = _interleave(quotas)
    grid: list[list[FaultKind]] = [[] for _ in range(n)]
    for position in range(per):
        chunk = sequence[position * n : (position + 1) * n]
        rng.shuffle(chunk)  # which dialogue gets which fault at this position
        for d in range(n):
            grid[d].append(chunk[d])
    topics = list(topic_ids)
    rng.shuffle(topics)
    return [PlannedDialogue(i, topics[i % len(topics)], tuple(grid[i])) for i in range(n)]


def counts(planned: list[PlannedDialogue]) -> dict[FaultKind, int]:
    out = dict.fromkeys(STUDENT_FAULTS, 0)
    for p in planned:
        for f in p.faults:
            out[f] += 1
    return out
