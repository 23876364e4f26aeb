"""``studio experiment``: the tutorial's experiment end to end, resumable.

data (generate, or a snapshot) → topic-split export → eval set on the held-out topics → base model
→ eval of the base (the full tutorial prompt, its best chance) → for each run of the recipe's grid:
fine-tune, then eval with the prompt it was trained on → the tutorial-shaped table, written as
Markdown and JSON beside the snapshot with the machine, the wall time and every setting.

Every step's result is recorded in ``experiments/<id>.json`` as soon as it exists, so a killed
experiment started again picks up where it stopped: a finished run is never trained again, a job
still training is waited for, an interrupted one is retried, an eval run resumes at its first
unanswered item.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.domain import FaultKind, Mix, RunConfig, RunStatus, utcnow
from studio.domain.messages import N_
from studio.domain.messages import Message as Told
from studio.domain.runs import JobStatus
from studio.evaluate import runner
from studio.evaluate.experiment_state import Settings, State, recipe_of, save, unfinished
from studio.evaluate.experiment_table import results, write_files
from studio.evaluate.recipes import (
    ANSWER_TOKENS,
    MAX_NEW_TOKENS,
    REFERENCE_GFLOPS,
    SAMPLES_PER_DIALOGUE,
    TOKENS_PER_SAMPLE,
    Costs,
    GridRun,
    machine_gflops,
    machine_text,
)
from studio.evaluate.sets import make_set
from studio.export.export import (
    ExportOptions,
    check_options,
    preflight,
    select,
    split_by_topic,
    write,
)
from studio.export.samples import Filters
from studio.synth.service import execute as generate
from studio.synth.service import prepare as prepare_run
from studio.train import service as jobs
from studio.train.distributed import launch_options
from studio.train.spec import make_spec
from studio.turn.prompts import Prompts
from studio.workspace import Workspace


class ExperimentError(RuntimeError):
    """A step that did not finish (a job failed, an eval stopped short); the message says how to go on."""


# ---- the plan and its estimate -------------------------------------------------------------------------


@dataclass
class Step:
    key: str
    label: Told  # what the step does (``str()``: the English line, as --json gives it)
    estimate_s: float


def plan(ws: Workspace, settings: Settings, gflops: float | None = None) -> list[Step]:
    """Every step with its estimated seconds on this machine (scaled by a quick matrix-product probe)."""
    recipe = recipe_of(settings)
    costs = Costs(scale=recipe.compute * REFERENCE_GFLOPS / (gflops or machine_gflops()))
    if settings.snapshot:
        snap = ws.store.snapshots.get(settings.snapshot)
        if snap is None:
            raise LookupError(Told("experiment.snapshot", N_("--snapshot: no snapshot {id} (see: studio export)"),
                                  id=settings.snapshot))
        style = str(snap.filters.get("prompt", "full"))
        train_rows, eval_rows = snap.counts.get("train", 0), snap.counts.get("eval", 0)
    else:
        style = recipe.prompt
        samples = (settings.dialogues or recipe.dialogues) * SAMPLES_PER_DIALOGUE
        train_rows = round(samples * recipe.split)
        eval_rows = round(samples) - train_rows
    items = min(settings.items or recipe.eval_items, max(eval_rows, 1))
    steps: list[Step] = []
    if not settings.snapshot:
        n = settings.dialogues or recipe.dialogues
        steps.append(Step("data", Told("step.data", N_("generate {n} dialogues (offline teacher and student) and export "
                                                       "({style} prompts, {share} of topics to train)"),
                                       n=n, style=style, share=f"{recipe.split:.0%}"), 8 + n / 15))
    steps.append(Step("eval_set", Told("step.eval-set", N_("eval set: {n} held-out turns"), n=items), 5))
    if not settings.base_model:
        steps.append(Step("base", Told("step.base-tiny", N_("base model: a tiny model built from the data"))
                          if recipe.base == "tiny" else
                          Told("step.base-smol", N_("base model: SmolLM2-135M-Instruct from its package")), 30))
    steps.append(Step("eval:base", Told("step.eval-base", N_("eval the base model ({n} turns, full tutorial prompt)"),
                                        n=items),
                      costs.generate(items, TOKENS_PER_SAMPLE["full"] - ANSWER_TOKENS, MAX_NEW_TOKENS)))
    tokens = train_rows * TOKENS_PER_SAMPLE[style]
    for run in recipe.grid:
        steps.append(Step(f"train:{run.key}", Told("step.train", N_("train {method}, lr {lr}, {epochs} epoch(s): "
                                                                    "{samples} samples"),
                                                   method=run.method, lr=f"{run.learning_rate:g}",
                                                   epochs=f"{run.epochs:g}", samples=train_rows),
                          costs.train(run.method, tokens * run.epochs, recipe)))
        steps.append(Step(f"eval:{run.key}", Told("step.eval", N_("eval {method} lr {lr} ({n} turns, {style} prompt)"),
                                                  method=run.method, lr=f"{run.learning_rate:g}", n=items, style=style),
                          costs.generate(items, TOKENS_PER_SAMPLE[style] - ANSWER_TOKENS, ANSWER_TOKENS * 1.15)))
    steps.append(Step("table", Told("step.table", N_("the table, beside the snapshot")), 2))
    return steps


# ---- running -------------------------------------------------------------------------------------------


@dataclass
class Progress:
    step: str
    label: Told | str
    fraction: float  # of the current step
    eta_s: float  # the whole experiment's remaining seconds
    note: str = ""


Report = Callable[[Progress], None]


class Experiment:
    """One experiment, driven step by step; ``run()`` resumes from whatever the record says is done."""

    def __init__(self, ws: Workspace, state: State, report: Report | None = None,
                 steps: list[Step] | None = None) -> None:
        """``steps``: the plan already made for these settings (the machine is probed once, not twice)."""
        self.ws, self.state, self.report = ws, state, report or (lambda p: None)
        self.recipe = state.recipe
        self.steps = steps or plan(ws, state.settings)
        self.estimates = {s.key: s.estimate_s for s in self.steps}
        if state.estimate_s is None:
            state.estimate_s = sum(self.estimates.values())
        state.machine = state.machine or machine_text()
        save(ws, state)

    # progress ----------------------------------------------------------------------------------------
    def _tell(self, key: str, fraction: float, note: str = "") -> None:
        keys = [s.key for s in self.steps]
        later = keys[keys.index(key) + 1:] if key in keys else []
        left = self.estimates.get(key, 0) * (1 - fraction) + sum(self.estimates[k] for k in later)
        label = next((s.label for s in self.steps if s.key == key), key)
        self.report(Progress(key, label, fraction, left, note))

    def _timed(self, key: str, work: Callable[[], None]) -> None:
        self._tell(key, 0.0)
        t0 = time.monotonic()
        try:
            work()
        finally:
            self.state.seconds[key] = round(self.state.seconds.get(key, 0.0) + time.monotonic() - t0, 1)
            save(self.ws, self.state)

    # steps ------------------------------------------------------------------------------------------
    def run(self) -> State:
        s = self.state
        try:
            if s.snapshot is None:
                if s.settings.snapshot:
                    s.snapshot = s.settings.snapshot
                else:
                    self._timed("data", self.data)
            if s.eval_set is None:
                self._timed("eval_set", self.eval_set)
            if s.base_model is None:
                if s.settings.base_model:
                    s.base_model = s.settings.base_model
                else:
                    self._timed("base", self.base)
                save(self.ws, s)
            self._eval("base", f"local:{s.base_model}")
            for run in self.recipe.grid:
                job_id = self._train(run)
                self._eval(run.key, f"job:{job_id}")
            self._timed("table", self.table)
            s.status, s.finished = "succeeded", utcnow().isoformat()
        except BaseException as exc:
            s.status = "failed" if not isinstance(exc, KeyboardInterrupt) else "running"
            s.error = f"{type(exc).__name__}: {exc}" if not isinstance(exc, KeyboardInterrupt) else "interrupted"
            raise
        finally:
            save(self.ws, s)
        return s

    def data(self) -> None:
        s, recipe = self.state, self.recipe
        if s.generation is None or (run := self.ws.store.runs.get(s.generation)) is None:
            config = RunConfig(dialogues=s.settings.dialogues or recipe.dialogues, seed=s.settings.seed,
                               teacher_provider=self.ws.config.studio.teacher,
                               student_provider=self.ws.config.studio.student,
                               mix={FaultKind(k): v for k, v in Mix.of(recipe.mix or self.ws.config.mix).weights.items()})
            run, _ = prepare_run(self.ws, config)
            s.generation = run.id
            save(self.ws, s)
        if run.status != RunStatus.SUCCEEDED:
            def on_progress(p: Any) -> None:
                self._tell("data", min(p.completed / max(p.planned, 1), 1.0))

            run = asyncio.run(generate(self.ws, run, on_progress))
            if run.status != RunStatus.SUCCEEDED:
                raise ExperimentError(Told("experiment.generation", N_(
                    "generation run {id} ended {status}: {error} (resume with: studio generate --resume {id}, then "
                    "studio experiment)"), id=run.id, status=run.status.value, error=run.error or ""))
        opts = ExportOptions(format="openai", split=recipe.split, seed=s.settings.seed, prompt=recipe.prompt,
                             filters=Filters(review="default", runs=[run.id]))
        check_options(opts)
        prompts = Prompts(self.ws.root)
        samples = select(self.ws.store, prompts, opts.filters, opts.prompt)
        train, held = split_by_topic(samples, opts.split, opts.seed)
        report = preflight(samples, train, held, self.ws.config.target_mix, opts)
        s.snapshot = write(self.ws.store, prompts, train, held, report, opts, self.ws.exports_dir).id

    def eval_set(self) -> None:
        s = self.state
        made = make_set(self.ws.store, Prompts(self.ws.root), n=s.settings.items or self.recipe.eval_items,
                        snapshot_id=s.snapshot, seed=s.settings.seed, name=f"experiment {s.id}")
        self.ws.store.eval_sets.put(made)
        self.ws.store.flush()
        s.eval_set = made.id

    def base(self) -> None:
        if self.recipe.base == "tiny":
            from studio.train.tiny import build_for_snapshot

            folder = self.ws.root / "models" / f"tiny-{self.state.id}"
            if not (folder / "config.json").exists():
                shutil.rmtree(folder, ignore_errors=True)  # a half-built folder from an interrupted run
                build_for_snapshot(self.ws.store, folder, self.state.snapshot)
        else:
            from studio.train.smol import make_smol_model

            folder = self.ws.root / "models" / "smollm2-135m-instruct"
            if not (folder / "config.json").exists():
                shutil.rmtree(folder, ignore_errors=True)
                make_smol_model(folder)
        self.state.base_model = str(folder)

    def _train(self, run: GridRun) -> str:
        s, recipe, key = self.state, self.recipe, f"train:{run.key}"
        job = self.ws.store.jobs.get(s.jobs[run.key]) if run.key in s.jobs else None
        if job is not None:
            job = jobs.refresh(self.ws, job)  # a worker that died with the last process shows as interrupted
        if job is not None and job.status == JobStatus.SUCCEEDED:
            return job.id
        if job is None:
            spec = make_spec(backend=backend_of(s.settings), base_model=s.base_model,
                             method=run.method, snapshot_id=s.snapshot, options=job_options(s.settings),
                             hyper={"epochs": run.epochs, "learning_rate": run.learning_rate,
                                    "batch_size": recipe.batch_size, "max_length": recipe.max_length,
                                    "seed": s.settings.seed, "eval_rows": recipe.eval_rows,
                                    "eval_steps": recipe.eval_steps, "scheduler": recipe.scheduler,
                                    "warmup": recipe.warmup, "group_by_length": recipe.group_by_length,
                                    "trainable_layers": recipe.trainable_layers},
                             lora={"rank": recipe.lora_rank, "alpha": recipe.lora_alpha, "dropout": 0.05})
            job = jobs.create_job(self.ws, spec)
        elif job.status in (JobStatus.FAILED, JobStatus.INTERRUPTED, JobStatus.CANCELLED):
            job = jobs.retry(self.ws, job.id)
        s.jobs[run.key] = job.id
        save(self.ws, s)
        job_id = job.id

        def tick(_: list[Any]) -> None:
            current = self.ws.store.jobs.get(job_id)
            if current is not None:
                points = current.metrics
                note = f"loss {current.last_loss():.3f}" if current.last_loss() is not None else current.status.value
                remaining = points[-1].remaining_s if points and points[-1].remaining_s is not None else None
                if remaining is not None:  # the run's own pace replaces the estimate
                    self.estimates[key] = (time.monotonic() - t0) + remaining
                self._tell(key, current.progress, note)

        t0 = time.monotonic()
        self._timed(key, lambda: jobs.run_queue(self.ws, poll_s=2.0, on_tick=tick, until=lambda: self._done(job_id)))
        final = self.ws.store.jobs.get(job_id)
        assert final is not None
        if final.status != JobStatus.SUCCEEDED:
            raise ExperimentError(Told("experiment.job", N_(
                "job {id} ({key}) ended {status}: {error} (log: {log}); run studio experiment again to retry it"),
                id=job_id, key=run.key, status=final.status.value, error=final.error or "", log=final.log_path))
        return job_id

    def _done(self, job_id: str) -> bool:
        job = self.ws.store.jobs.get(job_id)
        return job is None or job.done

    def _eval(self, key: str, model: str) -> None:
        """Every item answered once. A model whose answers are errors (nothing, or no JSON) is a result,
        shown in the table; only a run stopped short (paused) is taken up again."""
        s = self.state
        finished = (RunStatus.SUCCEEDED, RunStatus.PARTIAL, RunStatus.FAILED)
        existing = self.ws.store.evals.get(s.evals[key]) if key in s.evals else None
        if existing is not None and existing.status in finished:
            return
        run = existing or runner.start_run(self.ws, s.eval_set or "", model, s.settings.judge)
        s.evals[key] = run.id
        save(self.ws, s)

        def progress(p: runner.EvalProgress) -> None:
            self._tell(f"eval:{key}", p.done / max(p.total, 1), f"{p.done}/{p.total}")

        def work() -> None:
            done = asyncio.run(runner.execute(self.ws, run, concurrency=8, on_progress=progress))
            if done.status not in finished:
                raise ExperimentError(Told("experiment.eval", N_(
                    "eval run {id} of {model} stopped short ({status}); run studio experiment again to finish it"),
                    id=done.id, model=model, status=done.status.value))

        self._timed(f"eval:{key}", work)

    def table(self) -> None:
        self.state.results = results(self.ws, self.state)
        write_files(self.ws, self.state)


def backend_of(settings: Settings) -> str:
    """Who trains the experiment's runs: ``--backend``, else the recipe's."""
    return settings.backend or recipe_of(settings).backend


def job_options(settings: Settings) -> dict[str, str]:
    """Back-end options of the experiment's jobs: LLaMA-Factory uses the base model's own chat template
    (the one the eval asks with) and, on several GPUs, its torchrun launch with the ZeRO-2 config it
    ships (``studio.train.distributed``)."""
    if backend_of(settings) != "llamafactory":
        return {}
    options = {"template": "auto"}
    if settings.gpus > 1:
        options |= launch_options(settings.gpus, zero=2)
    return options


def start(ws: Workspace, settings: Settings, *, new: bool = False) -> tuple[State, bool]:
    """The experiment to run: the unfinished one with these settings (resumed), else a new one."""
    recipe_of(settings)
    if settings.backend not in (None, "local", "llamafactory"):
        raise ValueError(Told("experiment.backend", N_("--backend: an experiment trains locally ('local' or "
                                                      "'llamafactory'), not '{backend}'"), backend=settings.backend))
    if settings.gpus > 1 and backend_of(settings) != "llamafactory":
        raise ValueError(Told("experiment.gpus", N_("--gpus {gpus}: several GPUs train through LLaMA-Factory's torchrun "
                                                   "launch; add --backend llamafactory"), gpus=settings.gpus))
    if settings.judge:
        ws.config.provider(settings.judge)
    if settings.snapshot and ws.store.snapshots.get(settings.snapshot) is None:
        raise LookupError(Told("experiment.snapshot", N_("--snapshot: no snapshot {id} (see: studio export)"),
                                  id=settings.snapshot))
    if settings.base_model and not (Path(settings.base_model) / "config.json").exists():
        raise ValueError(Told("experiment.base-model", N_("--base-model: {folder} is not a model folder (no "
                                                         "config.json)"), folder=settings.base_model))
    previous = None if new else unfinished(ws, settings)
    if previous is not None:
        previous.status, previous.error = "running", None
        return previous, True
    return State(settings=settings), False
