"""Writes made durable off the writer's thread: the timed flush after an explicit one, Store.sync, and a
run's turns sharing one disk sync (studio.synth.durable)."""

from __future__ import annotations

import asyncio
import threading
import time

from studio.domain import Topic
from studio.store import Store, StoreError
from studio.synth.durable import Syncs


def journal(tmp_path) -> bytes:
    return (tmp_path / "studio.json.journal").read_bytes()


def test_a_write_after_an_explicit_flush_is_still_flushed_in_time(tmp_path) -> None:
    with Store(tmp_path, flush_interval=0.05) as store:
        store.topics.put(Topic(text="first"))
        store.flush()
        store.topics.put(Topic(text="second, never flushed by hand"))
        deadline = time.monotonic() + 5
        while store.storage.pending and time.monotonic() < deadline:
            time.sleep(0.01)
        assert store.storage.pending == 0
        assert b"second, never flushed by hand" in journal(tmp_path)


def test_sync_makes_a_written_line_durable_while_another_thread_writes(tmp_path) -> None:
    with Store(tmp_path, flush_interval=0) as store:
        store.flush()  # the store's first snapshot
        store.topics.put(Topic(text="written"))
        store.flush(sync=False)
        writer = threading.Thread(target=lambda: [store.topics.put(Topic(text=f"more {i}")) for i in range(50)])
        writer.start()
        store.sync()
        writer.join()
        assert b"written" in journal(tmp_path)
    with Store(tmp_path) as again:
        assert {t.text for t in again.topics} >= {"written", "more 49"}


class CountingStore:
    """A store whose sync takes a while and counts itself."""

    def __init__(self, fail: bool = False) -> None:
        self.syncs, self.fail = 0, fail

    def sync(self) -> None:
        self.syncs += 1
        time.sleep(0.05)
        if self.fail:
            raise StoreError("cannot write studio.json.journal: disk full")


def test_turns_written_while_a_sync_runs_share_the_next_one() -> None:
    store = CountingStore()
    syncs = Syncs(store)  # type: ignore[arg-type]

    async def turns() -> None:
        first = asyncio.ensure_future(syncs.durable())
        while store.syncs == 0:  # until the first sync is on its way to the disk (late on a loaded machine)
            await asyncio.sleep(0.001)
        await asyncio.gather(first, *(syncs.durable() for _ in range(20)))

    asyncio.run(turns())
    assert store.syncs == 2  # one for the first turn, one for the twenty written while it ran


def test_a_sync_the_disk_refuses_fails_every_turn_waiting_on_it() -> None:
    syncs = Syncs(CountingStore(fail=True))  # type: ignore[arg-type]

    async def turns() -> list[object]:
        return await asyncio.gather(*(syncs.durable() for _ in range(3)), return_exceptions=True)

    assert all(isinstance(r, StoreError) for r in asyncio.run(turns()))

