"""The fine-tune job queue, run while the studio is open, whichever pane is shown.

A thread takes a turn of the queue (``studio.train.service.step_queue``: refresh the active jobs,
start queued ones while there is room) every ``INTERVAL_S`` seconds, or at once when poked (a job
was queued, retried or cancelled), and says when a job ends. Without the studio, ``studio train
queue`` runs the same queue; the workspace lock lets only one of them have the workspace."""

from __future__ import annotations

import threading
from collections.abc import Callable

from studio.domain import JobStatus
from studio.i18n import _
from studio.train import service
from studio.workspace import Workspace

Failed = Callable[[str, BaseException | str], None]
Tell = Callable[[str], None]
ENDED = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED, JobStatus.INTERRUPTED)


class JobQueue:
    INTERVAL_S = 2.0
    PARALLEL = 2  # remote jobs at once; local ones run one by one

    def __init__(self, workspace: Workspace, failed: Failed, tell: Tell) -> None:
        self.ws, self.failed, self.tell = workspace, failed, tell
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen: dict[str, JobStatus] = {}
        self._last_error = ""

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._seen = {j.id: j.status for j in self.ws.store.jobs.all()}  # jobs that ended before are not news
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="job-queue", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        """Take a turn now (a job was queued, retried or cancelled). Safe from any thread."""
        self._wake.set()

    def close(self, timeout: float = 30.0) -> None:
        """Stop after the turn in progress (a job being launched is launched whole); jobs go on running."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.turn()
            self._wake.wait(self.INTERVAL_S)
            self._wake.clear()

    def turn(self) -> None:
        """One turn of the queue; a failure is reported once (not every turn while it lasts)."""
        try:
            if any(not j.done for j in self.ws.store.jobs.all()):
                service.step_queue(self.ws, self.PARALLEL)
            self._announce()
            self._last_error = ""
        except Exception as exc:  # noqa: BLE001 - the queue must outlive one bad turn; said once through the route
            if str(exc) != self._last_error:
                self.failed(_("the job queue"), exc)
            self._last_error = str(exc)

    def _announce(self) -> None:
        for job in self.ws.store.jobs.all():
            before = self._seen.get(job.id)
            self._seen[job.id] = job.status
            if job.status not in ENDED or before in ENDED:
                continue
            if job.status == JobStatus.SUCCEEDED:
                loss = job.last_loss()
                self.tell(_("job {job} succeeded (final loss {loss})").format(job=job.id, loss=f"{loss:.4f}")
                          if loss is not None else _("job {job} succeeded").format(job=job.id))
            elif job.status == JobStatus.CANCELLED:
                self.tell(_("job {job} cancelled").format(job=job.id))
            else:
                self.failed(_("job {job}").format(job=job.id), job.error or job.status.value)
