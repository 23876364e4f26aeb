"""One live dialogue, turn by turn: the Simulate pane's engine (and a practice session with a person
in the student's seat).

A ``Simulation`` makes the next turn on request (teacher or student, streamed through
``on_text``), takes a typed student answer instead, forks at an earlier turn (the original branch
is kept until discarded), and keeps the finished dialogue in the store as a manual run.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from studio.domain import (
    STUDENT_FAULTS,
    Dialogue,
    DialogueStatus,
    FaultKind,
    Mix,
    Run,
    RunConfig,
    RunStatus,
    StudentTurn,
    TeacherTurn,
    Topic,
    utcnow,
)
from studio.llm.client import CallContext, LLMClient
from studio.llm.offline.banks import normalise_utterance
from studio.store import Store
from studio.synth.detect import observe
from studio.synth.review import recheck
from studio.synth.turns import TurnMaker
from studio.turn.context import history_of, topic_title
from studio.turn.prompts import Prompts

Turn = StudentTurn | TeacherTurn
SIMULATE_RUN = "simulate"  # the ledger's run id for calls made here until the dialogue is kept


def fault_plan(spec: str, mix: Mix, count: int, seed: int = 0) -> list[FaultKind]:
    """Faults for ``count`` student turns: ``mix`` draws them to the mix's quotas in random order;
    otherwise a comma list (``normal,chinese,spelling``) used in turn, the last one repeated."""
    spec = spec.strip().lower() or "mix"
    if spec == "mix":
        quotas = mix.quotas(count)
        faults = [kind for kind, n in quotas.items() for _ in range(n)]
        random.Random(seed).shuffle(faults)
        return faults
    known = {k.value: k for k in STUDENT_FAULTS}
    names = [p.strip() for p in spec.split(",") if p.strip()]
    bad = [n for n in names if n not in known]
    if bad:
        raise ValueError(f"unknown fault kind '{bad[0]}' in the plan (known: mix, {', '.join(known)})")
    return [known[names[min(i, len(names) - 1)]] for i in range(count)]


@dataclass
class Simulation:
    topic: Topic
    teacher: LLMClient
    student: LLMClient
    prompts: Prompts
    faults: list[FaultKind]
    teacher_turns: int = 4
    off_topic_lines: list[str] = field(default_factory=list)
    seed: int = 0
    dialogue: Dialogue = field(init=False)
    branches: list[list[Turn]] = field(default_factory=list)  # earlier versions kept by a fork
    steps: int = 0

    def __post_init__(self) -> None:
        self.dialogue = Dialogue(topic_id=self.topic.id, run_id=None, source="manual",
                                 planned_faults=list(self.faults))
        config = RunConfig(dialogues=1, teacher_turns=self.teacher_turns, seed=self.seed, use_cache=False,
                           teacher_provider=self.teacher.name, student_provider=self.student.name)
        bank = frozenset(normalise_utterance(x) for x in self.off_topic_lines)
        self.maker = TurnMaker(self.teacher, self.student, self.prompts, config, self.off_topic_lines or [""], bank)

    @property
    def turns(self) -> list[Turn]:
        return self.dialogue.turns

    @property
    def next_role(self) -> str:
        return "teacher" if not self.turns or isinstance(self.turns[-1], StudentTurn) else "student"

    @property
    def finished(self) -> bool:
        return sum(isinstance(t, TeacherTurn) for t in self.turns) >= self.teacher_turns and self.next_role == "student"

    def next_fault(self) -> FaultKind:
        n = sum(isinstance(t, StudentTurn) for t in self.turns)
        return self.faults[n] if n < len(self.faults) else FaultKind.NORMAL

    async def step(self, on_text: Callable[[str, str], None] | None = None) -> Turn:
        """Make the next turn with the models, streaming its text to ``on_text(role, text)``."""
        self.maker.on_text = on_text
        self.steps += 1
        index = len(self.turns)
        variant = f"simulate:{self.seed}:{self.topic.text}:{index}:{self.steps}"  # the same session replays the same
        ctx = CallContext(SIMULATE_RUN, self.dialogue.id, index, self.next_role)
        if self.next_role == "teacher":
            turn: Turn = await self.maker.teacher_turn(self.dialogue, self.topic, ctx, variant)
        else:
            turn = await self.maker.student_turn(self.dialogue, self.topic, self.next_fault(), ctx, variant)
        self.turns.append(turn)
        await self.maker.settle(self.dialogue, self.topic)  # shown with its verdict
        return turn

    def _context(self, index: int) -> dict:
        """What a typed answer at ``index`` is judged against: the topic and the turns before it."""
        return {"topic": self.topic.text, "title": topic_title(self.topic), "history": history_of(self.turns[:index])}

    def say(self, text: str) -> StudentTurn:
        """A person's answer in the student's seat: any language, any mistakes; its fault is detected."""
        text = text.strip()
        if not text:
            raise ValueError("type an answer first")
        if self.next_role != "student":
            raise ValueError("it is the teacher's turn: step once to get the teacher's answer")
        seen = self.judge(text)
        turn = StudentTurn(text=text, intended_fault=seen, observed_fault=seen)
        self.turns.append(turn)
        return turn

    def judge(self, text: str, index: int | None = None) -> FaultKind:
        """The fault a person's answer shows, said at turn ``index`` (default: now); nothing is taken.
        The slow part of :meth:`say` and of a student :meth:`fork` (the off-topic check may ask its
        language model): a screen runs it in a worker first, and they then find the verdict remembered."""
        at = len(self.turns) if index is None else index
        return observe(text.strip(), None, None, off_topic_bank=self.maker.off_topic_bank, **self._context(at))

    def fork(self, index: int, text: str) -> None:
        """Replace turn ``index`` with an edited one and drop the turns after it; the old branch is kept."""
        if not 0 <= index < len(self.turns):
            raise ValueError(f"no turn {index + 1} in this dialogue")
        self.branches.append(list(self.turns))
        old = self.turns[index]
        if isinstance(old, StudentTurn):
            seen = self.judge(text, index)
            new: Turn = StudentTurn(text=text.strip(), intended_fault=seen, observed_fault=seen)
        else:
            new = recheck(self.dialogue, index, text)
        del self.turns[index:]
        self.turns.append(new)

    def switch_branch(self) -> int:
        """Swap the current turns with the most recent kept branch; returns how many branches are kept."""
        if not self.branches:
            raise ValueError("there is no other branch: fork at a turn first")
        other = self.branches.pop()
        self.branches.insert(0, list(self.turns))
        self.dialogue.turns = other
        return len(self.branches)

    def discard_branches(self) -> int:
        n, self.branches = len(self.branches), []
        return n

    def keep(self, store: Store) -> Run:
        """Save the dialogue as a manual run: its teacher turns become samples needing review."""
        if not any(isinstance(t, TeacherTurn) for t in self.turns):
            raise ValueError("nothing to keep yet: the dialogue has no teacher turn")
        counts = dict.fromkeys((k.value for k in STUDENT_FAULTS), 0)
        for t in self.turns:
            if isinstance(t, StudentTurn):
                counts[t.intended_fault.value] += 1
        config = self.maker.config.model_copy(update={"topic_ids": [self.topic.id]})
        run = Run(kind="manual", config=config, status=RunStatus.SUCCEEDED, planned=1, completed=1, counts=counts,
                  started=self.dialogue.created, finished=utcnow(), source=f"simulate:{self.topic.id}")
        kept = self.dialogue.model_copy(deep=True, update={"run_id": run.id, "index": 0, "updated": utcnow(),
                                                           "status": DialogueStatus.COMPLETE})
        with store.atomic():
            store.runs.put(run)
            store.dialogues.put(kept)
        store.flush()
        return run
