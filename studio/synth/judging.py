"""Student answers judged against their dialogues off the event loop, together when they come together.

Whether a student model's answer left the topic is read with the sentence model
(:mod:`studio.semantic.offtopic`), which is compute-bound: one thread does it for every dialogue of
the process (more threads would only fight over the cores and the interpreter). Answers that arrive
while it is busy wait, and are then judged as one batch: their sentences go through the model
together (:func:`studio.semantic.offtopic.prepare`), which costs about half as much per sentence as
one at a time. At concurrency 32 a batch is typically a few answers.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Generic, TypeVar

from studio.semantic.offtopic import prepare

T = TypeVar("T")


@dataclass
class _Item(Generic[T]):
    future: Future[T]
    judge: Callable[[], T]
    utterance: str
    topic: str
    title: str
    history: Sequence[tuple[str, str]]


class BatchJudge:
    """One worker thread, started on first use; :meth:`submit` returns a future of ``judge()``."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, judge: Callable[[], T], utterance: str, *, topic: str, title: str,
               history: Sequence[tuple[str, str]]) -> Future[T]:
        """``judge()`` run on the worker, after the sentences it needs for ``utterance`` in that dialogue
        were run through the model with those of the other answers waiting."""
        future: Future[T] = Future()
        self._queue.put(_Item(future, judge, utterance, topic, title, list(history)))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="judge-students", daemon=True)
                self._thread.start()
        return future

    def _work(self) -> None:
        while True:
            batch = [self._queue.get()]
            while True:
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


#: The process's one judge of student answers.
STUDENTS = BatchJudge()
