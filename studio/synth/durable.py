"""Turns made durable together: one disk sync at a time, off the event loop, for every turn written
before it started.

A run writes each completed turn's journal line at once (``Store.flush(sync=False)``) and its dialogue
goes on only when the line is on the disk. The sync (``Store.sync``) runs on a worker thread, so the
event loop keeps serving the other dialogues' calls while the disk works, and the turns written while
one sync runs share the next one: as many syncs as the disk can do, never one per turn queued up.
"""

from __future__ import annotations

import asyncio

from studio.store import Store


class Syncs:
    """:meth:`durable` returns once everything written to ``store`` before it was called is on the disk."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._next: asyncio.Future[None] | None = None  # the sync the turns written since the running one wait for
        self._running = False

    async def durable(self) -> None:
        waiting = self._next
        if waiting is None:
            waiting = self._next = asyncio.get_running_loop().create_future()
            if not self._running:
                self._start()
        await asyncio.shield(waiting)

    def _start(self) -> None:
        done, self._next = self._next, None
        assert done is not None
        self._running = True
        asyncio.ensure_future(self._sync(done))

    async def _sync(self, done: asyncio.Future[None]) -> None:
        try:
            await asyncio.to_thread(self.store.sync)
        except BaseException as exc:  # noqa: BLE001 - every turn waiting on it raises it (a disk that refuses)
            done.set_exception(exc)
        else:
            done.set_result(None)
        finally:
            self._running = False
            if self._next is not None:
                self._start()
