"""The one owner of the studio's model clients: panes ask it for a client and give it back; it closes
every client still open when the studio closes.

A client's connection pool belongs to the event loop it is used on, the ``Runner``'s, so a client is
closed there too; ``close`` is safe from any thread, the model loop's own included."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import Future, wait
from typing import Any

from studio.llm.client import LLMClient
from studio.llm.registry import build_client
from studio.ui.runner import Runner
from studio.workspace import Workspace


class ModelClients:
    """Builds the UI's model clients (on the workspace's ledger), knows which are open, closes them."""

    def __init__(self, workspace: Workspace, runner: Runner) -> None:
        self.ws, self.runner = workspace, runner
        self._open: dict[int, LLMClient] = {}
        self._closing: list[Future[Any]] = []  # closes given back and not yet done: close_all waits for them
        self._lock = threading.Lock()

    def open(self, profile: str, **options: Any) -> LLMClient:
        """A new client of ``profile`` (a provider profile, or job:<id> for a tuned model); ``options`` go to
        ``build_client`` (``seed=…``). Raises ConfigError or ValueError naming what is wrong. Give it back
        with ``close`` when done; whatever is still open when the studio closes is closed then."""
        ws = self.ws
        client = build_client(ws.config, ws.secrets, profile, store=ws.store, workspace=ws.root, **options)
        with self._lock:
            self._open[id(client)] = client
        return client

    def close(self, *clients: LLMClient) -> None:
        """Give clients back: each is closed on the model loop, once."""
        for client in clients:
            with self._lock:
                if self._open.pop(id(client), None) is None:
                    continue
            closing = self.runner.submit(client.aclose(), short=False)
            with self._lock:
                self._closing = [f for f in self._closing if not f.done()] + [closing]

    @property
    def open_count(self) -> int:
        with self._lock:
            return len(self._open)

    def close_all(self, timeout: float = 5.0) -> None:
        """Close every client still open (the studio is closing), waiting at most ``timeout`` seconds."""
        with self._lock:
            clients, self._open = list(self._open.values()), {}
            pending, self._closing = self._closing, []

        async def close_them() -> None:
            await asyncio.gather(*(c.aclose() for c in clients), return_exceptions=True)

        if clients:
            pending.append(self.runner.submit(close_them(), short=False))
        wait(pending, timeout=timeout)  # a pool that will not close in time is dropped with the process
