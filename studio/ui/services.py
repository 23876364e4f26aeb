"""What the panes share, typed, outside the App: the one background runner for model calls, the one
owner of model clients, the job queue, the store write queue, generation control, evaluation start,
the one route for background failures, and the few values panes hand to each other.

Model clients (and their connection pools) belong to the event loop they were made on, and their
ledger writes touch the store, so neither runs on the UI's loop: every model call from the UI goes to
``Runner``, one event loop in a thread of its own, with a client from ``ModelClients``. Results come
back as futures whose callbacks post to the app (``App.call_later`` posts a message: safe from any
thread). Streaming text reaches the screen through ``Coalesced``, at most once a frame, never once
per token. Background work that fails (a worker, a model call, a store write, the job queue, a job)
says so through ``Studio.failed``: the workspace log and a notification.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, TypeVar
from weakref import WeakSet

from textual.app import App
from textual.signal import Signal

from studio.config import ConfigError, scrub_secrets
from studio.domain import Run, RunConfig, RunStatus
from studio.i18n import _, ngettext, told
from studio.llm.errors import LLMError
from studio.semantic.encoder import EncoderError
from studio.store import StoreError
from studio.synth import pending, service
from studio.synth.review import SampleRow
from studio.synth.run import Generator, Progress, off_topic_bank
from studio.synth.turns import TurnFailed
from studio.ui.job_queue import JobQueue
from studio.ui.models import ModelClients
from studio.ui.runner import Runner
from studio.ui.safe import notify
from studio.ui.words import word
from studio.workspace import Workspace

T = TypeVar("T")
FRAME_S = 1 / 20  # streamed text is shown at most 20 times a second
log = logging.getLogger("studio.ui")
# Failures a person can act on from the message alone; anything else is a fault of ours, logged with its traceback.
EXPECTED = (ValueError, LookupError, OSError, StoreError, ConfigError, LLMError, TurnFailed, EncoderError)
Failed = Callable[[str, BaseException | str], None]


class Coalesced(Generic[T]):
    """Latest value wins: ``put`` from any thread, ``show`` runs on the UI thread at most once a frame."""

    def __init__(self, app: App[Any], show: Callable[[T], None], interval: float = FRAME_S) -> None:
        self.app, self.show, self.interval = app, show, interval
        self._lock = threading.Lock()
        self._value: tuple[T] | None = None
        self._scheduled = False
        self._closed = False
        self._last = 0.0

    def close(self) -> None:
        """Drop what is pending and show nothing more: the stream ended and its final form is drawn."""
        with self._lock:
            self._closed, self._value = True, None

    def put(self, value: T) -> None:
        with self._lock:
            if self._closed:
                return
            self._value = (value,)
            if self._scheduled:
                return
            self._scheduled = True
        self.app.call_later(self._flush)

    def _flush(self) -> None:
        wait = self._last + self.interval - time.monotonic()
        if wait > 0:
            self.app.set_timer(wait, self._flush)
            return
        with self._lock:
            value, self._value, self._scheduled = self._value, None, False
        if value is not None and not self._closed:
            self._last = time.monotonic()
            self.show(value[0])


class WriteQueue:
    """Store changes run off the UI thread, one at a time, in the order asked."""

    def __init__(self, app: App[Any], failed: Failed) -> None:
        self.app, self.failed = app, failed
        self._pending: deque[tuple[Callable[[], object], str]] = deque()
        self._lock = threading.Lock()

    def write(self, change: Callable[[], object], message: str = "") -> None:
        self._pending.append((change, message))
        self.app.run_worker(self._one, thread=True, group="store-writes", exit_on_error=False,
                            description=_("a store write"))

    @property
    def busy(self) -> bool:
        return bool(self._pending) or self._lock.locked()

    def _one(self) -> None:
        with self._lock:
            change, message = self._pending.popleft()
            try:
                change()
            except Exception as exc:  # noqa: BLE001 - every failed change is said, through the one route
                self.failed(_("saving the change"), exc)
                return
        if message:
            self.app.call_from_thread(notify, self.app, message, timeout=2)


class GenerationControl:
    """One generation run at a time, started, paused, resumed and stopped from the UI.

    ``pause`` sets the generator's stop flag directly (a thread-safe event it checks before every
    turn), so a run honours it even when its provider never gives the loop a turn (the offline one)."""

    def __init__(self, workspace: Workspace, runner: Runner,
                 on_progress: Callable[[Progress | None, str], None], failed: Failed) -> None:
        self.ws, self.runner, self.on_progress, self.failed = workspace, runner, on_progress, failed
        self.generator: Generator | None = None
        self.future: Future[Any] | None = None
        self.run: Run | None = None
        self.last: Progress | None = None
        self.stopping = False
        self._cancel_when_done = False

    @property
    def active(self) -> bool:
        return self.future is not None and not self.future.done()

    @property
    def state(self) -> str:
        if self.active:
            return "stopping" if self.stopping else "running"
        return self.run.status.value if self.run else "idle"

    def start(self, config: RunConfig) -> Run:
        """Plan (or pick up the matching unfinished) run and execute it; raises ValueError/LookupError."""
        if self.active:
            raise ValueError(_("a run is already going: pause or stop it first"))
        run, _plan = service.prepare(self.ws, config)
        self._go(run)
        return run

    def resume(self) -> Run:
        if self.active:
            raise ValueError(_("the run is already going"))
        if self.run is None or self.run.status not in service.RESUMABLE:
            raise ValueError(_("no paused run to resume"))
        assert self.run.config is not None  # generation runs always carry their config
        run, _plan = service.prepare(self.ws, self.run.config, resume=self.run.id)
        self._go(run)
        return run

    def pause(self) -> None:
        if not self.active:
            raise ValueError(_("no run is going"))
        self.stopping = True
        if self.generator is not None:
            self.generator.stop()

    def stop(self) -> None:
        """Pause, then mark the run cancelled: it will not be resumed."""
        self.pause()
        self._cancel_when_done = True

    def wait(self, timeout: float) -> None:
        if self.future is not None:
            try:
                self.future.result(timeout=timeout)
            except Exception:  # noqa: BLE001 - its outcome was reported already
                pass

    def _go(self, run: Run) -> None:
        self.run, self.stopping, self.last, self._cancel_when_done = run, False, None, False

        def hold(generator: Generator) -> None:
            self.generator = generator
            if self.stopping:  # paused before the run had begun
                generator.stop()

        def progress(p: Progress) -> None:
            self.last = p
            self.on_progress(p, "")

        self.future = self.runner.submit(service.execute(self.ws, run, progress, hold), short=False)
        self.future.add_done_callback(self._done)

    def _done(self, future: Future[Any]) -> None:
        self.stopping = False
        exc = future.exception() if not future.cancelled() else None
        if exc is not None:
            self.on_progress(self.last, "")
            self.failed(_("the generation run"), exc)
            return
        result: Run = future.result()
        self.run = result
        if self._cancel_when_done and result.status == RunStatus.PAUSED:
            result.status, result.error = RunStatus.CANCELLED, "stopped from the studio"
            self.ws.store.runs.put(result)
            self.ws.store.flush()
            self.on_progress(self.last, _("run {run} stopped at {done}/{planned}").format(
                run=result.id, done=result.completed, planned=result.planned))
            return
        if result.status == RunStatus.FAILED:
            self.on_progress(self.last, "")
            self.failed(_("run {run}").format(run=result.id), result.error or _("no reason given"))
            return
        tail = f": {result.error}" if result.error else ""
        self.on_progress(self.last, _("run {run} {status}").format(run=result.id, status=word(result.status.value)) + tail)


class Studio:
    """The services and shared values of one studio app (``studio_of(app)`` gives it, typed)."""

    def __init__(self, app: App[Any], workspace: Workspace,
                 on_progress: Callable[[Progress | None, str], None]) -> None:
        self.app, self.workspace = app, workspace
        self.runner = Runner()
        self.models = ModelClients(workspace, self.runner)  # panes ask it for model clients
        self.jobs = JobQueue(workspace, self.failed, self.tell)  # started with the app, whichever pane is open
        self.writes = WriteQueue(app, self.failed)
        self.generation = GenerationControl(workspace, self.runner, on_progress, self.failed)
        self.store_changed: Signal[tuple[str, str | None]] = Signal(app, "store-changed")
        self.run_progress: Signal[Progress | None] = Signal(app, "run-progress")
        self.judging: Signal[str] = Signal(app, "judging")  # "judging 12,000 / 36,000 …", "" when none is left
        self.judging_note = ""
        self._judge_stop = threading.Event()
        self._judge_thread: threading.Thread | None = None
        # Values panes hand to each other:
        self.sample_filter_keys: Callable[[], set[str] | None] = lambda: None  # set by the Samples pane
        self.next_teacher: str | None = None  # asked for by the Jobs pane, taken by the Simulate pane
        self.prebuilt_rows: dict[str, SampleRow] | None = None  # Samples rows built at start-up
        self.changed_since_prebuild: set[str | None] = set()
        self.panes: WeakSet[Any] = WeakSet()  # the panes mounted so far (tests wait until they have settled)

    def start(self) -> None:
        """The background work that runs while the studio is open (called once the app runs)."""
        self.jobs.start()
        self.judge_pending()

    def write(self, change: Callable[[], object], message: str = "") -> None:
        self.writes.write(change, message)

    # -- the one route for background failures ------------------------------------------------------
    def failed(self, what: str, error: BaseException | str, *, timeout: float = 12) -> None:
        """Background work failed: ``what`` (a worker, a model call, a store write, the job queue, a job)
        and why go to the workspace log (a fault of ours with its traceback) and to the screen. Safe
        from any thread."""
        said = told(error)  # a message in the user's language (str(error) stays the English line)
        text = scrub_secrets(_("{what} failed: {error}").format(what=what, error=said) if what else said)
        if isinstance(error, BaseException) and not isinstance(error, EXPECTED):
            log.error(text, exc_info=error)
        else:
            log.warning(text)
        self.app.call_later(notify, self.app, text, severity="error", timeout=timeout)

    def tell(self, text: str, *, timeout: float = 8) -> None:
        """Background work has news (a job ended well): on the screen. Safe from any thread."""
        self.app.call_later(notify, self.app, scrub_secrets(text), timeout=timeout)

    # -- off-topic judgements an import left pending ---------------------------------------------------
    def judge_pending(self) -> None:
        """Judge the student turns still waiting for their off-topic verdict, in a thread of its own;
        the Dashboard and Samples panes show how far it is. Stopped (resumable) when the studio closes."""
        if self._judge_thread is not None and self._judge_thread.is_alive():
            return

        def show(p: pending.Progress | None) -> None:
            note = "" if p is None or p.judged >= p.total else \
                _("judging the off-topic check: {judged} / {total} student turns").format(
                    judged=f"{p.judged:,}", total=f"{p.total:,}")
            self.app.call_from_thread(self._show_judging, note)

        def judge() -> None:
            try:
                pending.judge_pending(self.workspace.store, off_topic_bank(self.workspace.root), on_progress=show,
                                      stop=self._judge_stop)
            except Exception as exc:  # noqa: BLE001 - said through the route; the turns stay pending for next time
                self.failed(_("off-topic judging"), exc)
            finally:
                if not self._judge_stop.is_set():
                    show(None)

        self._judge_thread = threading.Thread(target=judge, name="judge-pending", daemon=True)
        self._judge_thread.start()

    def _show_judging(self, note: str) -> None:
        self.judging_note = note
        self.judging.publish(note)

    def close(self) -> None:
        self.jobs.close()  # the turn in progress ends first; the jobs themselves go on running
        self._judge_stop.set()
        if self._judge_thread is not None:
            self._judge_thread.join(timeout=30)  # the chunk being judged is stored whole or not at all
        if self.generation.active:  # leave the run paused (resumable), not half-written
            self.generation.pause()
            self.generation.wait(timeout=30)
        self.models.close_all()
        self.runner.close()

    # -- generation runs ----------------------------------------------------------------------------
    def start_generation(self, config: RunConfig) -> None:
        try:
            run = self.generation.start(config)
        except (ValueError, LookupError, ConfigError) as exc:
            notify(self.app, str(exc), severity="error", timeout=10)
            return
        notify(self.app, ngettext("run {run} started: {n} dialogue", "run {run} started: {n} dialogues",
                                 run.planned).format(run=run.id, n=run.planned))
        self.run_progress.publish(None)

    def pause_or_resume(self) -> None:
        try:
            if self.generation.active:
                self.generation.pause()
                notify(self.app, _("pausing after the turns in flight…"))
            else:
                run = self.generation.resume()
                notify(self.app, _("run {run} resumed").format(run=run.id))
        except (ValueError, LookupError) as exc:
            notify(self.app, str(exc), severity="warning")
        self.run_progress.publish(None)

    def stop_generation(self) -> None:
        try:
            self.generation.stop()
            notify(self.app, _("stopping after the turns in flight…"))
        except ValueError as exc:
            notify(self.app, str(exc), severity="warning")
        self.run_progress.publish(None)

    # -- evaluation -------------------------------------------------------------------------------------
    def evaluate_model(self, model: str) -> None:
        """Run ``model`` on the newest eval set in the background; the Eval pane shows the result."""
        from studio.evaluate import runner

        sets = sorted(self.workspace.store.eval_sets.all(), key=lambda s: s.created)
        if not sets:
            notify(self.app, _("no eval set yet: studio eval make --n 50 --snapshot S"), severity="warning")
            return
        try:
            run = runner.start_run(self.workspace, sets[-1].id, model, None)
        except (LookupError, ConfigError) as exc:
            notify(self.app, str(exc), severity="error")
            return
        future = self.runner.submit(runner.execute(self.workspace, run, concurrency=1), short=False)
        items = len(sets[-1].items)
        notify(self.app, ngettext("evaluating {model} on {set} ({n} item)…", "evaluating {model} on {set} ({n} items)…",
                                 items).format(model=model, set=sets[-1].id, n=items))

        def done(f: Future[Any]) -> None:
            exc = f.exception()
            if exc is not None:
                self.failed(_("evaluation of {model}").format(model=model), exc)
            else:
                self.tell(_("evaluation of {model} done: see the Eval pane (6)").format(model=model), timeout=10)

        future.add_done_callback(done)


def studio_of(app: App[Any]) -> Studio:
    """The studio services of ``app`` (typed; fails loudly outside a studio app)."""
    found = getattr(app, "studio", None)
    if not isinstance(found, Studio):
        raise RuntimeError("not a studio app")
    return found
