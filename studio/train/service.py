"""Fine-tune jobs for a workspace: create from a snapshot, sweep grids, the queue, status, cancel, retry.

Job folders live under the workspace's configured jobs path (``ws.jobs_dir``).

The queue has one runner at a time: several processes may have the workspace open, and a turn of
``step_queue`` runs only in the process holding ``<jobs>/.queue.lock`` (the others skip their turn), one
turn at a time in that process. A job is started only by the runner that ``claim``s it, which moves it
out of ``queued`` under the workspace's write lock (``Store.atomic``), so a job is never started twice."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Protocol

from filelock import FileLock, Timeout

from studio.domain import Job, JobStatus, new_id, utcnow
from studio.domain.messages import N_, Message
from studio.train import interrupts
from studio.train.data import DataError, Row, snapshot_rows
from studio.train.files import JobDir
from studio.train.model_folders import stored_model
from studio.train.process import LlamaFactoryBackend, LocalBackend, Update
from studio.train.remote import OpenAIBackend, QianfanBackend, RemoteError, check_key_hosts
from studio.train.spec import JobSpec, SpecError
from studio.workspace import Workspace

ACTIVE = (JobStatus.STARTING, JobStatus.RUNNING)
LOCAL = ("local", "llamafactory")

_launching: set[str] = set()  # jobs this process has claimed and is launching now (no pid or platform id yet)
_step_locks: dict[str, threading.Lock] = {}
_step_locks_guard = threading.Lock()


def _step_lock(ws: Workspace) -> threading.Lock:
    """One turn of a workspace's queue at a time in this process."""
    with _step_locks_guard:
        return _step_locks.setdefault(str(ws.jobs_dir.resolve()), threading.Lock())


@contextmanager
def _queue_turn(ws: Workspace) -> Iterator[bool]:
    """Whether this process runs the queue's turn now (no other process is in one)."""
    ws.jobs_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(ws.jobs_dir / ".queue.lock", timeout=0, is_singleton=False)
    try:
        lock.acquire()
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


class Backend(Protocol):
    name: str

    def prepare(self, job: Job, folder: JobDir, train: list[Row], held: list[Row]) -> None: ...
    def start(self, job: Job, folder: JobDir) -> dict[str, str]: ...
    def poll(self, job: Job, folder: JobDir) -> Update: ...
    def cancel(self, job: Job, folder: JobDir) -> None: ...


def backend_for(ws: Workspace, name: str) -> Backend:
    backends: dict[str, Callable[[], Backend]] = {
        "local": LocalBackend, "llamafactory": LlamaFactoryBackend,
        "qianfan": lambda: QianfanBackend(ws.secrets), "openai": lambda: OpenAIBackend(ws.secrets)}
    if name not in backends:
        raise SpecError(Message("spec.backend", N_("backend: unknown '{name}' (known: {known})"), name=name,
                                known=", ".join(backends)))
    return backends[name]()


def folder_of(ws: Workspace, job: Job) -> JobDir:
    return JobDir(ws.jobs_dir / job.id)


def check_base_model(spec: JobSpec, workspace: Path | None = None) -> str:
    """A local back-end's base model: the workspace's model of that name (``models/NAME``, as
    ``studio train tiny-model NAME`` makes it), or a folder given as a path, which must exist and hold a
    model (resolved to an absolute path, as the worker runs elsewhere); anything else is a hub id."""
    if spec.backend not in LOCAL:
        return spec.base_model
    stored = stored_model(workspace, spec.base_model) if workspace is not None else None
    local = stored or Path(spec.base_model).expanduser()
    looks_like_path = stored is not None or spec.base_model.startswith(("/", ".", "~")) or local.exists()
    if not looks_like_path:
        return spec.base_model
    if not local.is_dir():
        raise SpecError(Message("spec.base-not-folder", N_("base_model: {folder} is not a folder (make one: `studio "
                                                           "train smol-model DIR` or `studio train tiny-model DIR`)"),
                                folder=spec.base_model))
    if not (local / "config.json").exists():
        raise SpecError(Message("spec.base-no-config", N_("base_model: {folder} has no config.json, so it is not a "
                                                          "transformers model folder"), folder=spec.base_model))
    return str(local.resolve())


def create_job(ws: Workspace, spec: JobSpec, sweep_id: str | None = None) -> Job:
    snapshot = ws.store.snapshots.get(spec.snapshot_id)
    if snapshot is None:
        raise SpecError(Message("spec.snapshot", N_("snapshot: no snapshot {id} (see: studio export, or `studio train "
                                                    "list`)"), id=spec.snapshot_id))
    base_model = check_base_model(spec, ws.root)
    check_key_hosts(spec.backend, dict(spec.options))
    job = Job(backend=spec.backend, base_model=base_model, method=spec.method, hyper=spec.hyper.model_dump(),
              lora=spec.lora.model_dump() if spec.method == "lora" else {}, options=dict(spec.options),
              snapshot_id=snapshot.id, sweep_id=sweep_id,
              lineage={"snapshot_hash": snapshot.content_hash, "format": snapshot.format, "counts": snapshot.counts,
                       "base_model": base_model})
    job.log_path = str(folder_of(ws, job).log)
    ws.store.jobs.put(job)
    ws.store.flush()
    return job


def sweep(ws: Workspace, base: JobSpec, epochs: list[float], rates: list[float], methods: list[str],
          make: Callable[..., JobSpec]) -> list[Job]:
    """The grid epochs × learning rates × methods, queued as one sweep (each job its own folder).

    An axis that cannot change the run is refused: with ``max_steps`` set every job stops after that
    many steps, so epoch values (which only set the length of the run) would train identically."""
    if base.hyper.max_steps > 0 and len(set(epochs)) > 1:
        raise SpecError(Message("spec.sweep-epochs", N_("epochs: with --max-steps {steps} every job stops after {steps} "
                                                        "steps, so epochs {epochs} would train identically; sweep "
                                                        "epochs without --max-steps, or give one epoch value"),
                                steps=base.hyper.max_steps, epochs=", ".join(f"{e:g}" for e in epochs)))
    sweep_id = new_id("w")
    specs = [make(**{**base.model_dump(), "method": m, "hyper": {**base.hyper.model_dump(), "epochs": e,
                                                                 "learning_rate": lr}})
             for m, e, lr in itertools.product(methods, epochs, rates)]
    return [create_job(ws, s, sweep_id) for s in specs]


def claim(ws: Workspace, job_id: str) -> Job | None:
    """Take a queued job for starting: only a job still ``queued`` is taken, and it leaves the queue
    (``starting``) before the lock is let go, so no other runner takes it too. None: not queued any more."""
    with ws.store.atomic():  # the write lock: no runner in any process claims it too
        job = ws.store.jobs.get(job_id)
        if job is None or job.status != JobStatus.QUEUED:
            return None
        job.status, job.started, job.error, job.remote = JobStatus.STARTING, utcnow(), None, {}
        _launching.add(job.id)
        ws.store.jobs.put(job)
    return job


def start(ws: Workspace, job: Job) -> Job:
    """Claim, prepare the data and launch; any failure marks the job failed with the reason. A job that
    is no longer queued (another runner took it, or it was cancelled) is left as it is."""
    claimed = claim(ws, job.id)
    if claimed is None:
        return ws.store.jobs.get(job.id) or job
    job = claimed
    folder = folder_of(ws, job)
    held = ExitStack()  # from the launch to its record: a ctrl-C waits, so nothing runs unrecorded
    try:
        _launch(ws, job, folder, held)
    except (DataError, RemoteError, SpecError, OSError, KeyError, ValueError) as exc:
        job.status, job.error, job.finished = JobStatus.FAILED, str(exc), utcnow()
    except Exception as exc:  # a fault of ours: the job says so, and the runner reports it with its traceback
        job.status, job.error, job.finished = JobStatus.FAILED, f"could not start: {exc!r}", utcnow()
        raise
    finally:
        with held, ws.store.atomic():
            _launching.discard(job.id)
            stored = ws.store.jobs.get(job.id)
            cancelled = stored is not None and stored.status == JobStatus.CANCELLED and job.status in ACTIVE
            if stored is not None and stored.status == JobStatus.CANCELLED:  # cancelled while being launched:
                job.status, job.finished = JobStatus.CANCELLED, stored.finished or utcnow()  # stopped below
            if job.status != JobStatus.STARTING or job.remote:  # interrupted (^C) before launching: refresh requeues it
                ws.store.jobs.put(job)
    if cancelled:
        try:
            backend_for(ws, job.backend).cancel(job, folder)
        except (RemoteError, OSError) as exc:
            job.error = f"cancelled while starting, but the cancel did not reach it: {exc}"
            ws.store.jobs.put(job)
    ws.store.flush()
    return job


def _launch(ws: Workspace, job: Job, folder: JobDir, held: ExitStack) -> None:
    folder.root.mkdir(parents=True, exist_ok=True)
    backend = backend_for(ws, job.backend)
    snapshot = ws.store.snapshots.get(job.snapshot_id or "")
    if snapshot is None:
        raise DataError(f"snapshot {job.snapshot_id} no longer exists")
    train, rows_held = snapshot_rows(snapshot, float(job.hyper.get("eval_split", 0)), int(job.hyper.get("seed", 0)),
                                int(job.hyper.get("eval_rows", 0)))
    backend.prepare(job, folder, train, rows_held)
    held.enter_context(interrupts.deferred())
    job.remote = backend.start(job, folder)
    job.lineage = {**job.lineage, "train_rows": len(train), "eval_rows": len(rows_held)}


def refresh(ws: Workspace, job: Job) -> Job:
    """Read where an active job got to (its files or the platform) and store it. A job left ``starting``
    with nothing launched (its runner stopped between claiming and launching it) goes back to the queue."""
    if job.status not in ACTIVE or job.id in _launching:
        return job
    if job.status == JobStatus.STARTING and not job.remote:
        job.status, job.started = JobStatus.QUEUED, None
        ws.store.jobs.put(job)
        ws.store.flush()
        return job
    try:
        update = backend_for(ws, job.backend).poll(job, folder_of(ws, job))
    except (RemoteError, OSError) as exc:
        job.error = f"could not read its state: {exc}"  # transient: keep the status, try again later
        ws.store.jobs.put(job)
        return job
    job.status, job.metrics, job.progress = update.status, update.metrics or job.metrics, update.progress
    job.result = {**job.result, **update.result}
    job.error = update.error
    if job.done:
        job.finished = utcnow()
    ws.store.jobs.put(job)
    ws.store.flush()
    if job.done and job.sweep_id:
        mark_best(ws, job.sweep_id)
    return job


def cancel(ws: Workspace, job_id: str, grace_s: float | None = None) -> Job:
    """Cancel a job: off the queue, or stopped (a local job's processes within ``grace_s`` plus a
    moment: a clean stop, then killed; default the back-end's grace), or cancelled on its platform."""
    with ws.store.atomic():  # a job not launched yet is cancelled in one step with its runner's claim or launch
        job = get(ws, job_id)
        if job.done:
            raise ValueError(Message("job.done", N_("job {id} already {status}"), id=job.id, status=job.status.value))
        if job.status == JobStatus.QUEUED or not job.remote:  # nothing launched (yet: its runner then stops it)
            job.status, job.finished = JobStatus.CANCELLED, utcnow()
            ws.store.jobs.put(job)
            ws.store.flush()
            return job
    backend = backend_for(ws, job.backend)
    if job.backend in LOCAL and grace_s is not None:
        backend.cancel(job, folder_of(ws, job), grace_s)  # type: ignore[call-arg]
    else:
        backend.cancel(job, folder_of(ws, job))
    if job.backend in LOCAL:  # its processes are gone now (stopped, or killed after the grace)
        return refresh(ws, job)
    job.status, job.finished = JobStatus.CANCELLED, utcnow()
    ws.store.jobs.put(job)
    ws.store.flush()
    return job


def retry(ws: Workspace, job_id: str) -> Job:
    old = get(ws, job_id)
    job = Job(**old.model_dump(include={"backend", "base_model", "method", "lora", "hyper", "options", "snapshot_id",
                                        "lineage", "sweep_id"}))
    job.log_path = str(folder_of(ws, job).log)
    ws.store.jobs.put(job)
    ws.store.flush()
    return job


def get(ws: Workspace, job_id: str) -> Job:
    job = ws.store.jobs.get(job_id)
    if job is None:
        matches = [j for j in ws.store.jobs if j.id.startswith(job_id)]
        if len(matches) > 1:
            raise LookupError(Message("job.ambiguous", N_("{n} jobs start with {id}: give more of the id"),
                                      n=len(matches), id=job_id))
        if not matches:
            raise LookupError(Message("job.unknown", N_("no job {id} (see: studio train list)"), id=job_id))
        job = matches[0]
    return job


def score_of(job: Job) -> tuple[str, float] | None:
    """What a run is judged by: its best eval loss, else its final train loss (named, so it is not mistaken)."""
    if (value := job.best_eval_loss()) is not None:
        return "eval loss", value
    if (value := job.last_loss()) is not None:
        return "final train loss", value
    return None


def mark_best(ws: Workspace, sweep_id: str) -> Job | None:
    """The sweep's best run: lowest eval loss, or final train loss when no run has an eval split."""
    jobs = [j for j in ws.store.jobs if j.sweep_id == sweep_id]
    done = [j for j in jobs if j.status == JobStatus.SUCCEEDED and score_of(j) is not None]
    by_eval = [j for j in done if j.best_eval_loss() is not None]
    pool = by_eval or done  # never rank an eval loss against a train loss
    best = min(pool, key=lambda j: score_of(j)[1], default=None)  # type: ignore[index]
    for j in jobs:
        if j.best != (j is best):
            j.best = j is best
            ws.store.jobs.put(j)
    ws.store.flush()
    return best


def step_queue(ws: Workspace, parallel: int = 1) -> list[Job]:
    """One turn of the queue: refresh active jobs, start queued ones while there is room.

    Local back-ends run one at a time (they share this machine); remote ones up to ``parallel``.
    """
    with _step_lock(ws), _queue_turn(ws) as mine:
        if not mine:  # another process is running the queue's turn (it refreshes and starts the jobs)
            return [j for j in ws.store.jobs.all() if j.status in (*ACTIVE, JobStatus.QUEUED)]
        jobs = sorted(ws.store.jobs.all(), key=lambda j: j.created)
        active = [refresh(ws, j) for j in jobs if j.status in ACTIVE]
        running = [j for j in active if j.status in ACTIVE]
        for job in sorted((j for j in ws.store.jobs.all() if j.status == JobStatus.QUEUED), key=lambda j: j.created):
            local_busy = any(r.backend in LOCAL for r in running)
            room = (not local_busy) if job.backend in LOCAL else \
                len([r for r in running if r.backend not in LOCAL]) < parallel
            if room:
                running.append(start(ws, job))
        return [j for j in ws.store.jobs.all() if j.status in (*ACTIVE, JobStatus.QUEUED)]


def run_queue(ws: Workspace, *, parallel: int = 1, poll_s: float = 1.0, until: Callable[[], bool] | None = None,
              on_tick: Callable[[list[Job]], None] | None = None) -> None:
    """Drive the queue until nothing is queued or running (or ``until()`` says stop)."""
    while True:
        pending = step_queue(ws, parallel)
        if on_tick:
            on_tick(pending)
        if not pending or (until and until()):
            return
        time.sleep(poll_s)
