"""The one event loop, in a thread of its own, that every model call from the UI runs on."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class Runner:
    """One event loop in a thread of its own: every model call the UI makes runs here."""

    def __init__(self, name: str = "studio-models") -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self.thread.start()
        self._pending: set[Future[Any]] = set()

    def submit(self, coro: Coroutine[Any, Any, T], *, short: bool = True) -> Future[T]:
        """Run ``coro`` on the model loop. ``short`` work (a turn, a regeneration, an expansion) counts
        towards ``busy``; a generation run, which goes on while people work, does not."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        if short:
            self._pending.add(future)
            future.add_done_callback(self._pending.discard)
        return future

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def close(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
