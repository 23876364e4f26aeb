"""Generation runs: plan, execute dialogues concurrently (turns in order), resume, top up, budget.

A run ends ``succeeded`` only when every planned dialogue is complete; a budget or an early stop
leaves it ``partial`` or ``paused`` (resumable), a fatal error or too many failures ``failed``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio.domain import (
    STUDENT_FAULTS,
    Dialogue,
    DialogueStatus,
    Mix,
    Run,
    RunConfig,
    RunStatus,
    StudentTurn,
    TeacherTurn,
    Topic,
    utcnow,
)
from studio.domain.messages import N_, Message
from studio.llm.budget import Budget, BudgetReached
from studio.llm.client import CallContext, LLMClient
from studio.llm.errors import LLMError
from studio.llm.offline.banks import normalise_utterance
from studio.resources import read_data
from studio.store import Store, StoreError
from studio.synth.detect import warm_up
from studio.synth.durable import Syncs
from studio.synth.planner import plan
from studio.synth.turns import Tally, TurnFailed, TurnMaker
from studio.turn.prompts import Prompts

__all__ = ["BudgetReached", "Generator", "Progress", "create_run", "load_off_topic", "run_dialogues"]

log = logging.getLogger("studio.synth")


@dataclass
class Progress:
    run_id: str
    planned: int
    completed: int
    failed: int
    counts: dict[str, int]
    quotas: dict[str, int]
    calls: int
    tokens_in: int
    tokens_out: int
    cost: float
    repairs: int
    errors: dict[str, int]
    elapsed_s: float
    eta_s: float | None
    mismatches: int = 0
    cached: int = 0  # answers reused from the response cache
    unrepaired: int = 0  # teacher turns that still fail a check after every repair


def load_off_topic(workspace: Path | None) -> list[str]:
    lines = [ln.strip() for ln in read_data("off_topic.txt").splitlines() if ln.strip()]
    own = workspace / "off_topic.txt" if workspace else None
    if own and own.exists():
        lines += [ln.strip() for ln in own.read_text(encoding="utf-8").splitlines() if ln.strip()]
    return list(dict.fromkeys(lines))


def off_topic_bank(workspace: Path | None) -> frozenset[str]:
    """The off-topic bank's lines as :func:`studio.synth.detect.observe` looks them up."""
    return frozenset(normalise_utterance(x) for x in load_off_topic(workspace))


def create_run(store: Store, config: RunConfig) -> Run:
    """Plan a run and store it with all its dialogues (one atomic write)."""
    topic_ids = config.topic_ids or [t.id for t in store.topics if t.enabled]
    mix = Mix(weights=config.mix) if config.mix else None
    if mix is None:
        raise ValueError(Message("run.no-mix", N_("the run config has no mix")))
    planned = plan(config.dialogues, topic_ids, mix, config.teacher_turns, config.seed)
    config = config.model_copy(update={"topic_ids": topic_ids})
    quotas = mix.quotas(config.dialogues * (config.teacher_turns - 1))
    run = Run(config=config, planned=config.dialogues, quotas={k.value: v for k, v in quotas.items()},
              counts=dict.fromkeys((k.value for k in STUDENT_FAULTS), 0))
    dialogues = [Dialogue(topic_id=p.topic_id, run_id=run.id, index=p.index, planned_faults=list(p.faults))
                 for p in planned]
    with store.atomic():
        store.runs.put(run)
        store.dialogues.put_many(dialogues)
    return run


def run_dialogues(store: Store, run_id: str) -> list[Dialogue]:
    raw = [doc for _, doc in store.dialogues.raw() if doc.get("run_id") == run_id]
    return sorted((Dialogue.model_validate(doc) for doc in raw), key=lambda d: d.index or 0)


class Generator:
    """Executes one run. ``stop()`` pauses it between turns; it can be resumed later."""

    def __init__(self, store: Store, teacher: LLMClient, student: LLMClient, prompts: Prompts, run: Run, *,
                 off_topic_lines: list[str], on_progress: Callable[[Progress], None] | None = None,
                 max_top_ups: int | None = None) -> None:
        assert run.config is not None
        self.store = store
        self.run = run
        self.config = run.config
        self.tally = Tally.of_run((doc for _, doc in store.calls.raw()), run.id)
        self.teacher, self.student = teacher, student
        self.budget = Budget.from_ledger((doc for _, doc in store.calls.raw()), run.id,
                                         max_calls=self.config.max_calls, max_cost=self.config.max_cost)
        for client in {id(teacher): teacher, id(student): student}.values():
            if self.config.max_cost is not None and not client.price.known and client.provider.kind != "offline":
                raise ValueError(Message("run.no-price", N_(
                    "--max-cost needs a price for provider '{name}' (model {model} is not in the price table): set "
                    "price_in and price_out in its profile, or use --max-calls"),
                    name=client.name, model=repr(client.provider.model)))
            client.budget = self.budget
        self._hits_at_start = self._hits()
        self._budget_stop: str | None = None
        self.maker = TurnMaker(teacher, student, prompts, self.config, off_topic_lines,
                               frozenset(normalise_utterance(x) for x in off_topic_lines), self.tally, self._budget)
        self.on_progress = on_progress
        self.max_top_ups = max_top_ups if max_top_ups is not None else max(5, self.config.dialogues // 5)
        self._stop = threading.Event()  # set from the UI thread as well as the run's own loop
        self._failure: str | None = None  # why the run stops as failed
        self._pending: list[asyncio.Future[None]] = []
        self._max_index = 0
        self._started = time.monotonic()
        self._done_at_start = 0
        self._topics: dict[str, Topic] = {}
        self._rng = random.Random(f"topup:{self.config.seed}")
        self._syncs = Syncs(store)

    def stop(self) -> None:
        self._stop.set()

    def _budget(self) -> None:
        """A cheap check before a turn; the exact one is the reservation each request makes."""
        if (why := self.budget.exhausted()) is not None:
            raise BudgetReached(why)

    def _hits(self) -> int:
        return sum(c.hits for c in {id(self.teacher): self.teacher, id(self.student): self.student}.values())

    def _save(self, d: Dialogue) -> None:
        """Store ``d`` without undoing what others did meanwhile: turns already stored keep their
        stored state (a review or an edit made while this dialogue generated); new turns are added."""
        with self.store.lock:
            stored = self.store.dialogues.get(d.id)
            if stored is not None and 0 < len(stored.turns) <= len(d.turns):
                for old, new in zip(stored.turns, d.turns, strict=False):
                    if isinstance(old, StudentTurn) and old.topic_pending and isinstance(new, StudentTurn) \
                            and not new.topic_pending:  # the verdict that came while the teacher answered
                        old.observed_fault, old.topic_pending = new.observed_fault, False
                d.turns[: len(stored.turns)] = stored.turns
            self.store.dialogues.put(d)

    def _topic(self, topic_id: str) -> Topic:
        if topic_id not in self._topics:
            topic = self.store.topics.get(topic_id)
            if topic is None:
                raise TurnFailed(f"topic {topic_id} no longer exists")
            self._topics[topic_id] = topic
        return self._topics[topic_id]

    # -- one dialogue -------------------------------------------------------------------------
    async def _dialogue(self, d: Dialogue) -> None:
        topic = self._topic(d.topic_id)
        d.status = DialogueStatus.RUNNING
        teacher_turns = sum(isinstance(t, TeacherTurn) for t in d.turns)
        # the disk's wait for the turn stored last: it runs while the next turn's call is out, and is
        # over before that turn is stored (and before the dialogue ends)
        synced: asyncio.Future[None] | None = None
        try:
            while teacher_turns < self.config.teacher_turns:
                if self._stop.is_set():
                    return
                index = len(d.turns)
                variant = f"{self.config.seed}:{d.index}:{index}"
                last = d.turns[-1] if d.turns else None
                if last is None or isinstance(last, StudentTurn):
                    ctx = CallContext(self.run.id, d.id, index, "teacher")
                    d.turns.append(await self.maker.teacher_turn(d, topic, ctx, variant))
                    teacher_turns += 1
                else:
                    fault = d.planned_faults[sum(isinstance(t, StudentTurn) for t in d.turns)]
                    ctx = CallContext(self.run.id, d.id, index, "student")
                    d.turns.append(await self.maker.student_turn(d, topic, fault, ctx, variant))
                d.updated = utcnow()
                if teacher_turns == self.config.teacher_turns:
                    d.status = DialogueStatus.COMPLETE
                if synced is not None:
                    await synced
                    synced = None
                    self._report()
                # a completed dialogue and the run's count of it reach the disk together, merged with the stored
                # dialogue as it is now (another studio may have reviewed a turn of it meanwhile); each turn's line
                # is written now, and the disk's wait (shared with the turns written meanwhile) happens off the
                # event loop while the dialogue's next call is out: a turn is durable before the next is stored,
                # and progress counts only durable turns
                with self.store.atomic(sync=False):
                    self._save(d)
                    if d.status == DialogueStatus.COMPLETE:
                        self._count(d)
                        self.store.runs.put(self.run)
                synced = asyncio.ensure_future(self._syncs.durable())
        finally:
            if synced is not None:
                await synced
                self._report()

    async def _guarded(self, d: Dialogue, gate: asyncio.Semaphore) -> None:
        async with gate:
            if self._stop.is_set():
                return
            try:
                await self._dialogue(d)
            except LLMError as exc:
                self.tally.errors[exc.kind] = self.tally.errors.get(exc.kind, 0) + 1
                if exc.fatal:
                    self._failure = f"stopped at once: {exc}"
                    self._stop.set()
                    return
                await self._fail_and_top_up(d, str(exc), gate)
            except TurnFailed as exc:
                self.tally.errors["turn_failed"] = self.tally.errors.get("turn_failed", 0) + 1
                await self._fail_and_top_up(d, str(exc), gate)
            except BudgetReached as exc:
                self._budget_stop = str(exc)
                self._stop.set()
            except StoreError:
                raise  # the disk refused: the run stops and says so (nothing to do with this dialogue)
            except Exception as exc:  # noqa: BLE001 - an answer that breaks its reader must not end the run
                log.exception("dialogue %s of run %s failed unexpectedly", d.id, self.run.id)
                turn = CallContext(self.run.id, d.id, len(d.turns))
                for client in {id(self.teacher): self.teacher, id(self.student): self.student}.values():
                    client.forget(turn)  # never replay the answer that broke it
                self.tally.errors["crash"] = self.tally.errors.get("crash", 0) + 1
                await self._fail_and_top_up(d, f"{type(exc).__name__} while making turn {len(d.turns)} "
                                               "(its cached answer was dropped)", gate)

    async def _fail_and_top_up(self, d: Dialogue, why: str, gate: asyncio.Semaphore) -> None:
        d.status, d.error = DialogueStatus.FAILED, why
        if self.run.topped_up >= self.max_top_ups:
            self.run.failed += 1
            self._save(d)
            self.store.flush()
            self._failure = f"gave up topping up after {self.max_top_ups} failed dialogues (last: {why})"
            self._stop.set()
            return
        self._max_index += 1
        index = self._max_index
        self.run.failed += 1
        topic_id = self._rng.choice(self.config.topic_ids)
        replacement = Dialogue(topic_id=topic_id, run_id=self.run.id, index=index, planned_faults=list(d.planned_faults))
        self.run.topped_up += 1
        with self.store.atomic():  # the failed one and its replacement land together
            self._save(d)
            self.store.dialogues.put(replacement)
            self.store.runs.put(self.run)
        self._pending.append(asyncio.ensure_future(self._guarded(replacement, gate)))

    # -- the run --------------------------------------------------------------------------------
    def _count(self, d: Dialogue) -> None:
        self.run.completed += 1
        for t in d.turns:
            if isinstance(t, TeacherTurn) and not t.passed:
                self.run.unrepaired += 1
            if isinstance(t, StudentTurn):
                self.run.counts[t.intended_fault.value] = self.run.counts.get(t.intended_fault.value, 0) + 1
                self.run.mismatches += t.observed_fault not in (None, t.intended_fault)

    def _recount(self, dialogues: list[Dialogue]) -> None:
        self.run.counts = dict.fromkeys((k.value for k in STUDENT_FAULTS), 0)
        self.run.completed = self.run.mismatches = self.run.unrepaired = 0
        self.run.failed = sum(d.status == DialogueStatus.FAILED for d in dialogues)
        for d in dialogues:
            if d.status == DialogueStatus.COMPLETE:
                self._count(d)
        self._max_index = max((d.index or 0 for d in dialogues), default=0)

    def progress(self) -> Progress:
        done = self.run.completed
        elapsed = time.monotonic() - self._started
        fresh = done - self._done_at_start
        eta = (self.config.dialogues - done) * elapsed / fresh if fresh else None
        return Progress(self.run.id, self.config.dialogues, done, self.run.failed, dict(self.run.counts),
                        dict(self.run.quotas), self.tally.calls, self.tally.tokens_in, self.tally.tokens_out,
                        self.tally.cost, self.tally.repairs, dict(self.tally.errors), elapsed, eta, self.run.mismatches,
                        self.run.cached + self._hits() - self._hits_at_start, self.run.unrepaired)

    def _report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.progress())

    async def execute(self) -> Run:
        dialogues = run_dialogues(self.store, self.run.id)
        self._recount(dialogues)
        todo = [d for d in dialogues if d.status in (DialogueStatus.PLANNED, DialogueStatus.RUNNING)]
        if todo:
            warm_up()  # before the first call: no turn waits while the detectors load
        self._done_at_start = self.run.completed
        self.run.status, self.run.error = RunStatus.RUNNING, None
        self.run.started = self.run.started or utcnow()
        self.store.runs.put(self.run)
        self.store.flush()
        gate = asyncio.Semaphore(self.config.concurrency)
        self._pending = [asyncio.ensure_future(self._guarded(d, gate)) for d in todo]
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                await asyncio.gather(*batch)
        except asyncio.CancelledError:
            self._stop.set()
            for task in self._pending:
                task.cancel()
            self._finish(RunStatus.PAUSED, "stopped; resume with: studio generate --resume " + self.run.id)
            raise
        self._finish(*self._outcome())
        return self.run

    def _outcome(self) -> tuple[RunStatus, str | None]:
        """Succeeded only when the quota is met; otherwise why not, and what to do."""
        resume = f"resume with: studio generate --resume {self.run.id}"
        short = f"{self.run.completed} of {self.config.dialogues} dialogues complete"
        if self._failure is not None:
            return RunStatus.FAILED, f"{self._failure} ({short})"
        if self._budget_stop is not None:
            return RunStatus.PARTIAL, f"{self._budget_stop}; {short}; raise the cap and {resume}"
        if self._stop.is_set():
            return RunStatus.PAUSED, f"paused; {short}; {resume}"
        if self.run.completed < self.config.dialogues:
            left = [d for d in run_dialogues(self.store, self.run.id)
                    if d.status in (DialogueStatus.PLANNED, DialogueStatus.RUNNING)]
            if not left:
                return RunStatus.FAILED, (f"{short}, {self.run.failed} failed, and none is left to run; "
                                          "fix the cause (see studio calls and logs/studio.log) and start a new run")
            return RunStatus.PARTIAL, f"{short}; {resume}"
        made = self.run.completed * self.config.teacher_turns
        if made and self.run.unrepaired >= made:
            return RunStatus.FAILED, (f"every teacher turn ({made}) still fails its checks after "
                                      f"{self.config.repairs} repairs; check the teacher model and its prompt")
        return RunStatus.SUCCEEDED, None

    def _finish(self, status: RunStatus, error: str | None) -> None:
        self.run.cached += self._hits() - self._hits_at_start
        self._hits_at_start = self._hits()
        self.run.status, self.run.error = status, error
        if status == RunStatus.SUCCEEDED:
            self.run.finished = utcnow()
        self.store.runs.put(self.run)
        self.store.flush()
        self._report()
