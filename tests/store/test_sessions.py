"""Several processes on one store: each sees the others' writes within a second, a transaction reads
the newest state, compaction by one is followed by the others, and writers killed at random lose
nothing they acknowledged and duplicate nothing."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from studio.domain import Topic
from studio.store import Store

WRITER = Path(__file__).with_name("session_writer.py")
REPO = Path(__file__).resolve().parents[2]

PEER = """
import sys
from studio.domain import Topic
from studio.store import Store
store = Store(sys.argv[1])
for line in sys.stdin:
    cmd, _, arg = line.strip().partition(" ")
    if cmd == "put":
        store.topics.put(Topic(id=arg, text="from the peer"))
        store.flush()
    elif cmd == "compact":
        store.storage.compact()
    elif cmd == "has":
        print("yes" if arg in store.topics else "no", flush=True)
        continue
    print("done", flush=True)
store.close()
"""


class Peer:
    """Another process with the store open, driven line by line."""

    def __init__(self, folder: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", PEER, str(folder)], cwd=REPO, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def ask(self, line: str) -> str:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_two_processes_see_each_others_writes(tmp_path) -> None:
    with Store(tmp_path) as store:
        heard: list[tuple[str, str | None]] = []
        store.subscribe(lambda table, item: heard.append((table, item)))
        peer = Peer(tmp_path)
        try:
            assert peer.ask("put from-peer") == "done"
            assert wait_for(lambda: "from-peer" in store.topics, 30.0)  # by the store's own poll (late when loaded)
            assert ("topics", "from-peer") in heard
            store.topics.put(Topic(id="from-me", text="mine"))
            store.flush()
            assert wait_for(lambda: peer.ask("has from-me") == "yes", 5.0)
        finally:
            peer.close()


def test_a_peers_compaction_is_followed_and_pending_writes_are_kept(tmp_path) -> None:
    with Store(tmp_path, flush_interval=0, poll_interval=0) as store:
        store.topics.put(Topic(id="before", text="one"))
        store.flush()
        peer = Peer(tmp_path)
        try:
            assert peer.ask("put theirs") == "done"
            store.topics.put(Topic(id="pending", text="not flushed yet"))  # memory only (no timer)
            assert peer.ask("compact") == "done"
            assert peer.ask("put after") == "done"
            store.flush()  # catches up: the new snapshot and journal, then appends its own
            assert {"before", "theirs", "after", "pending"} <= {t.id for t in store.topics}
            assert peer.ask("has pending") == "yes" or wait_for(lambda: peer.ask("has pending") == "yes")
        finally:
            peer.close()
    with Store(tmp_path) as again:
        assert {"before", "theirs", "after", "pending"} <= {t.id for t in again.topics}


def test_a_transaction_reads_what_another_process_wrote(tmp_path) -> None:
    with Store(tmp_path, poll_interval=0) as store:
        peer = Peer(tmp_path)
        try:
            assert peer.ask("put late") == "done"
            with store.atomic():  # no poll ran: the transaction itself catches up
                assert "late" in store.topics
        finally:
            peer.close()


def _run_writer(folder: Path, name: str, count: int, acked: list[str], kill_at: int | None) -> None:
    """Runs one writer; ``kill_at``: SIGKILL it once it has acknowledged that many steps (it is in the
    middle of its next one, or between two)."""
    proc = subprocess.Popen([sys.executable, str(WRITER), str(folder), name, str(count)], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout
    mine = 0
    for line in proc.stdout:
        if line.startswith("ok "):
            acked.append(line.split()[1])
            mine += 1
            if mine == kill_at:
                proc.send_signal(signal.SIGKILL)
    proc.wait()


def test_writers_killed_at_random_lose_and_duplicate_nothing_acknowledged(tmp_path) -> None:
    Store(tmp_path).close()
    rng = random.Random(7)
    acked: list[str] = []
    for round_ in range(3):
        threads = [threading.Thread(target=_run_writer, args=(tmp_path, f"r{round_}w{n}", 40, acked,
                                                              rng.randint(3, 35) if n % 2 == 0 else None))
                   for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert len(acked) >= 3 * (2 * 40 + 2 * 3)  # the writers never killed finished, the others got some way
    with Store(tmp_path) as store:
        tally = store.topics.get("tally")
        assert tally is not None
        assert len(tally.tags) == len(set(tally.tags))  # no step applied twice
        written = {t.id for t in store.topics}
        for key in acked:
            assert key in written
            assert key in tally.tags  # no update lost to another writer's read-modify-write
        assert set(tally.tags) <= written  # a step lands whole or not at all


def test_a_journal_replaced_twice_is_never_taken_for_the_one_followed(tmp_path) -> None:
    """Two compactions by another process free the followed journal's inode, and the filesystem may give
    that number to the newest journal at once (ext4 does): the store must not read the new file from the
    old file's offset, skipping what another process wrote there, and compact its changes away."""
    from studio.store.lock import WriteLock
    from studio.store.storage import JournalStorage

    path = tmp_path / "studio.json"

    def doc(n: int) -> dict[str, str]:
        return {"id": f"d{n}", "text": "x" * 40}

    mine = JournalStorage(path, flush_interval=0, write_lock=WriteLock(tmp_path))
    other = JournalStorage(path, flush_interval=0, write_lock=WriteLock(tmp_path))
    for n in range(12):  # a long journal followed to its end by both
        other.read().setdefault("topics", {})[f"d{n}"] = doc(n)
        other.record("topics", [f"d{n}"])
        other.flush()
    mine.catch_up()
    assert "d11" in mine.read()["topics"]
    other.compact()
    other.compact()
    for n in range(12, 40):  # the newest journal outgrows the one ``mine`` followed
        other.read()["topics"][f"d{n}"] = doc(n)
        other.record("topics", [f"d{n}"])
        other.flush()
    mine.read()["topics"]["mine"] = doc(0)
    mine.record("topics", ["mine"])
    mine.flush()
    mine.compact()
    other.close()
    mine.close()
    again = JournalStorage(path, flush_interval=0, write_lock=WriteLock(tmp_path))
    try:
        assert {f"d{n}" for n in range(40)} | {"mine"} <= set(again.read()["topics"])
    finally:
        again.close()
