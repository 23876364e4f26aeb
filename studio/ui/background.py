"""Model work off the UI thread: one event loop in a thread of its own, and the generation run it drives.

Model clients (and their connection pools) belong to the loop they were made on, and their ledger
writes touch the store, so neither may run on the UI's loop. Coroutines go to ``BackgroundLoop``;
results and progress come back through the callbacks given, which post to the app.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any

from studio.domain import Run, RunConfig, RunStatus
from studio.synth import service
from studio.synth.run import Generator, Progress
from studio.workspace import Workspace


class BackgroundLoop:
    def __init__(self, name: str = "studio-models") -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()

    def submit(self, coro: Coroutine[Any, Any, Any]) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, fn: Callable[[], None]) -> None:
        self.loop.call_soon_threadsafe(fn)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


class GenerationControl:
    """One generation run at a time, started, paused, resumed and stopped from the UI."""

    def __init__(self, workspace: Workspace, loop: BackgroundLoop, on_progress: Callable[[Progress | None, str], None]) -> None:
        self.ws, self.loop, self.on_progress = workspace, loop, on_progress
        self.generator: Generator | None = None
        self.future: Future[Any] | None = None
        self.run: Run | None = None
        self.last: Progress | None = None
        self.stopping = False

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
            raise ValueError("a run is already going: pause or stop it first")
        run, _ = service.prepare(self.ws, config)
        self._go(run)
        return run

    def resume(self) -> Run:
        if self.active:
            raise ValueError("the run is already going")
        if self.run is None or self.run.status not in service.RESUMABLE:
            raise ValueError("no paused run to resume")
        assert self.run.config is not None  # generation runs always carry their config
        run, _ = service.prepare(self.ws, self.run.config, resume=self.run.id)
        self._go(run)
        return run

    def pause(self) -> None:
        if not self.active or self.generator is None:
            raise ValueError("no run is going")
        self.stopping = True
        self.loop.call(self.generator.stop)

    def stop(self) -> None:
        """Pause, then mark the run cancelled: it will not be resumed."""
        self.pause()
        assert self.future is not None
        self.future.add_done_callback(lambda _: self._cancel())

    def wait(self, timeout: float) -> None:
        if self.future is not None:
            try:
                self.future.result(timeout=timeout)
            except Exception:  # noqa: BLE001 - its outcome was reported already
                pass

    def _cancel(self) -> None:
        if self.run is not None and self.run.status == RunStatus.PAUSED:
            self.run.status, self.run.error = RunStatus.CANCELLED, "stopped from the studio"
            self.ws.store.runs.put(self.run)
            self.ws.store.flush()
            self.on_progress(self.last, f"run {self.run.id} stopped")

    def _go(self, run: Run) -> None:
        self.run, self.stopping, self.last = run, False, None

        def hold(generator: Generator) -> None:
            self.generator = generator

        def progress(p: Progress) -> None:
            self.last = p
            self.on_progress(p, "")

        def done(future: Future[Any]) -> None:
            self.stopping = False
            exc = future.exception() if not future.cancelled() else None
            if exc is not None:
                self.on_progress(self.last, f"the run failed: {exc}")
                return
            result: Run = future.result()
            self.run = result
            tail = f": {result.error}" if result.error else ""
            self.on_progress(self.last, f"run {result.id} {result.status.value}{tail}")

        self.future = self.loop.submit(service.execute(self.ws, run, progress, hold))
        self.future.add_done_callback(done)
