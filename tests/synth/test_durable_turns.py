"""A run's turns reach the disk while the dialogue's next call is out, and progress counts only what is on it."""

from __future__ import annotations

import asyncio
import time

from studio.domain import DialogueStatus, FaultKind, RunConfig
from studio.llm.base import ChatRequest, ChatResult
from studio.llm.client import LLMClient
from studio.llm.offline import OfflineProvider
from studio.synth.run import Generator, load_off_topic
from studio.synth.service import prepare
from studio.turn.prompts import Prompts
from tests.workspaces import seeded_workspace


class Watching:
    """The offline simulator, each call taking a while as a server's does; ``in_flight`` counts the calls out."""

    kind = "offline"

    def __init__(self) -> None:
        self.inner = OfflineProvider(seed=5)
        self.name, self.model = "watching", self.inner.model
        self.in_flight = 0

    async def chat(self, request: ChatRequest) -> ChatResult:
        self.in_flight += 1
        try:
            await asyncio.sleep(0.05)
            return await self.inner.chat(request)
        finally:
            self.in_flight -= 1

    def stream(self, request: ChatRequest):  # type: ignore[no-untyped-def]
        raise NotImplementedError("this test generates without streaming")

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_turns_sync_runs_while_the_next_call_is_out_and_progress_counts_only_synced_dialogues(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "ws")
    provider, durable, overlapped = Watching(), set(), []
    real_sync = ws.store.sync

    def slow_sync() -> None:  # a slow disk: what was written before the sync began is durable once it returns
        written = {d.id for d in ws.store.dialogues.all() if d.status == DialogueStatus.COMPLETE}
        time.sleep(0.02)
        overlapped.append(provider.in_flight > 0)
        real_sync()
        durable.update(written)

    ws.store.sync = slow_sync  # type: ignore[method-assign]
    client = LLMClient(provider, store=ws.store)
    run, _ = prepare(ws, RunConfig(dialogues=3, seed=2, concurrency=1, mix={FaultKind.NORMAL: 1}))
    reported: list[tuple[int, int]] = []
    generator = Generator(ws.store, client, client, Prompts(ws.root), run, off_topic_lines=load_off_topic(ws.root),
                          on_progress=lambda p: reported.append((p.completed, len(durable))))
    finished = asyncio.run(generator.execute())

    assert finished.completed == 3
    # one dialogue at a time: a call out during a sync is the dialogue's next turn overlapping its last one's sync
    assert sum(overlapped) >= len(overlapped) // 2, overlapped
    assert all(done <= on_disk for done, on_disk in reported), reported
    assert reported[-1][0] == 3
