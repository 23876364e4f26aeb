"""Student answers judged against their dialogues off the event loop: a pool of workers, each taking
every answer waiting when it is free, so answers that come together are judged together.

Whether a student model's answer left the topic is read with the sentence model
(:mod:`studio.semantic.offtopic`), which is compute-bound numpy: its matrix products release the
interpreter, so a worker per core (each on one BLAS thread, :mod:`studio.semantic.threads`) judges
in parallel. A worker takes the whole queue as one batch (up to :data:`MAX_BATCH`): their sentences
go through the model together (:func:`studio.semantic.offtopic.prepare`), which costs about half as
much per sentence as one at a time. A dialogue does not wait on its verdict to ask the teacher for
the next turn (the teacher's prompt does not depend on it); only that answer's checks wait
(:meth:`studio.synth.turns.TurnMaker.teacher_turn`).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

from studio.semantic.offtopic import prepare

T = TypeVar("T")
#: The most answers one worker judges as one batch.
MAX_BATCH = 64


def default_workers() -> int:
    """A worker per core (at most 4): more would only fight over the cores."""
    return max(1, min(4, os.cpu_count() or 1))


@dataclass
class _Item(Generic[T]):
    future: Future[T]
    judge: Callable[[], T]
    utterance: str
    topic: str
    title: str
    history: Sequence[tuple[str, str]]


class BatchJudge:
    """A pool of ``workers`` threads, started on first use; :meth:`submit` returns a future of ``judge()``."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def submit(self, judge: Callable[[], T], utterance: str, *, topic: str, title: str,
               history: Sequence[tuple[str, str]]) -> Future[T]:
        """``judge()`` run on a worker, after the sentences it needs for ``utterance`` in that dialogue
        were run through the model with those of the other answers waiting."""
        future: Future[T] = Future()
        self._queue.put(_Item(future, judge, utterance, topic, title, list(history)))
        with self._lock:
            if not self._threads:
                for i in range(self.workers):
                    thread = threading.Thread(target=self._work, name=f"judge-students-{i}", daemon=True)
                    thread.start()
                    self._threads.append(thread)
        return future

    def _work(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                prepare((i.utterance, i.topic, i.title, i.history) for i in batch)
            except Exception:  # noqa: BLE001 - each judge() meets the same problem and reports it on its own future
                pass
            for item in batch:
                if not item.future.set_running_or_notify_cancel():
                    continue
                try:
                    item.future.set_result(item.judge())
                except BaseException as exc:  # noqa: BLE001 - handed to the caller awaiting it
                    item.future.set_exception(exc)


#: The process's judge of student answers.
STUDENTS = BatchJudge()
