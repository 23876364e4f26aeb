"""Thread-safe repositories over the studio database: the store's public API."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from studio.domain import (
    CachedResponse,
    CallRecord,
    DatasetSnapshot,
    Dialogue,
    EvalRun,
    EvalSet,
    HumanVote,
    Job,
    RejectedTopic,
    Run,
    Topic,
)
from studio.i18n import told
from studio.store.db import JournaledTable, StudioDB
from studio.store.files import STORE_FILE
from studio.store.lock import WorkspaceLock, WriteLock, sessions
from studio.store.schema import SCHEMA_VERSION, migrate
from studio.store.storage import JournalStorage, StoreError

M = TypeVar("M", bound=BaseModel)


class Repository(Generic[M]):
    """Documents of one model type in one table, keyed by the model's ``id``."""

    def __init__(self, store: Store, name: str, model: type[M]) -> None:
        self._store = store
        self.name = name
        self.model = model
        self._table: JournaledTable = store.db.table(name, cache_size=0)  # type: ignore[assignment]

    def _load(self, doc_id: str, raw: Any) -> M:
        try:
            return self.model.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise StoreError(f"{self.name} document {doc_id} is invalid at {where}: {first['msg']}") from None

    def get(self, item_id: str) -> M | None:
        with self._store.lock:
            raw = self._table.get_raw(item_id)
            return None if raw is None else self._load(item_id, raw)

    def __contains__(self, item_id: str) -> bool:
        with self._store.lock:
            return self._table.get_raw(item_id) is not None

    def put(self, item: M) -> M:
        doc = item.model_dump(mode="json")
        with self._store.lock:
            self._store.storage.catch_up()
            self._table.put(doc["id"], doc)
        self._store.changed(self.name, doc["id"])
        return item

    def put_many(self, items: list[M]) -> None:
        docs = [i.model_dump(mode="json") for i in items]
        with self._store.atomic():
            for doc in docs:
                self._table.put(doc["id"], doc)
        self._store.changed(self.name, None)

    def delete(self, item_id: str) -> bool:
        with self._store.lock:
            self._store.storage.catch_up()
            if self._table.get_raw(item_id) is None:
                return False
            self._table.remove(doc_ids=[item_id])  # type: ignore[list-item]  # string ids (JournaledTable)
        self._store.changed(self.name, item_id)
        return True

    def count(self) -> int:
        with self._store.lock:
            return len(self._table)

    def all(self) -> list[M]:
        return list(self)

    def __iter__(self) -> Iterator[M]:
        with self._store.lock:
            items = list(self._table.raw_items())
        for doc_id, raw in items:
            yield self._load(doc_id, raw)

    def find(self, predicate: Callable[[M], bool]) -> list[M]:
        return [item for item in self if predicate(item)]

    def raw(self) -> list[tuple[str, Any]]:
        """Stored documents as they are (do not mutate): for fast scans of large tables."""
        with self._store.lock:
            return list(self._table.raw_items())


Listener = Callable[[str, str | None], None]


class Store:
    """The workspace database of one process, closed (and flushed) at the end.

    Any number of processes may open the same folder (``lock=True``): each holds the workspace lock
    shared, writes under the short write lock, and reads what the others wrote within ``poll_interval``
    seconds (and at the start of every write), announcing it to its listeners. ``settle=False`` keeps a
    first opener's workspace to itself until :meth:`settle` (see ``alone``).
    """

    def __init__(self, folder: Path, *, flush_interval: float = 0.25, batch_size: int = 256,
                 lock: bool = True, poll_interval: float = 0.25, settle: bool = True) -> None:
        self.folder = Path(folder)
        self.lock = threading.RLock()
        self._listeners: list[Listener] = []
        self._process_lock = WorkspaceLock(self.folder) if lock else None
        self._write_lock = WriteLock(self.folder) if lock else None
        self._closed = False
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        if self._process_lock:
            self._process_lock.acquire()
        try:
            with self.lock:
                self.storage = JournalStorage(self.folder / STORE_FILE, flush_interval=flush_interval,
                                              batch_size=batch_size, lock=self.lock, write_lock=self._write_lock)
                self.db = StudioDB(storage=lambda: self.storage)
                if self._write_lock:
                    with self._write_lock:
                        self.schema_version = migrate(self.db, self.storage)
                else:
                    self.schema_version = migrate(self.db, self.storage)
        except BaseException:
            if self._process_lock:
                self._process_lock.release()
            if self._write_lock:
                self._write_lock.close()
            raise
        self.topics = Repository(self, "topics", Topic)
        self.dialogues = Repository(self, "dialogues", Dialogue)
        self.runs = Repository(self, "runs", Run)
        self.calls = Repository(self, "calls", CallRecord)
        self.jobs = Repository(self, "jobs", Job)
        self.evals = Repository(self, "evals", EvalRun)
        self.eval_sets = Repository(self, "eval_sets", EvalSet)
        self.votes = Repository(self, "votes", HumanVote)
        self.snapshots = Repository(self, "snapshots", DatasetSnapshot)
        self.responses = Repository(self, "responses", CachedResponse)
        self.rejected = Repository(self, "rejected", RejectedTopic)
        self.storage.take_external()  # nothing to announce from the opening itself
        if lock and poll_interval > 0:
            self._poller = threading.Thread(target=self._poll, args=(poll_interval,), name="studio-store-poll",
                                            daemon=True)
            self._poller.start()
        if settle:
            self.settle()

    @property
    def alone(self) -> bool:
        """Whether this process opened the workspace with no other session in, and holds it to itself
        until :meth:`settle`: what a dead session left (a run still ``running``) can then be told apart."""
        return self._process_lock is not None and self._process_lock.exclusive_now

    def settle(self) -> None:
        """Let other sessions in (a first opener holds the workspace alone until then)."""
        if self._process_lock:
            self._process_lock.share()

    def sessions(self) -> list[dict[str, object]]:
        """The processes that have this workspace open (pid, host, since)."""
        return sessions(self.folder)

    def catch_up(self) -> None:
        """Read what other processes wrote, then tell the listeners which documents changed."""
        self.storage.catch_up()
        self._announce()

    def _announce(self) -> None:
        changes = self.storage.take_external()
        if len(changes) > 256:  # a big batch from another process (an import): each table once, as a whole
            changes = [(table, None) for table in dict.fromkeys(table for table, _ in changes)]
        for table, item_id in changes:
            self.changed(table, item_id)

    def _poll(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                self.catch_up()
            except Exception:  # noqa: BLE001 - reported by the next write, which reads the same files
                continue

    @property
    def recovered_note(self) -> str | None:
        """What was recovered on opening (a damaged journal), in the current language; None when nothing was."""
        note = self.storage.recovered_note
        return told(note) if note else None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(table, id_or_None)`` after every change; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def changed(self, table: str, item_id: str | None) -> None:
        for listener in list(self._listeners):
            listener(table, item_id)

    @property
    def created(self) -> bool:
        """Whether this open made the store: no snapshot, backup or journal with changes was there."""
        return self.storage.created

    @contextmanager
    def together(self) -> Iterator[None]:
        """Writes inside reach the disk in the same journal line (no flush falls between them)."""
        with self.lock, self.storage.together():
            yield

    @contextmanager
    def atomic(self, *, sync: bool = True) -> Iterator[None]:
        """Writes inside land together or not at all (one journal line), then are flushed
        (``sync=False``: as ``flush(sync=False)``). The block runs under the workspace's write lock on
        the newest state, so what it reads and writes back is not changed by another process meanwhile:
        keep it short (no model calls inside)."""
        with self.lock, self.storage.atomic(sync=sync):
            yield
        self._announce()

    def flush(self, *, sync: bool = True) -> None:
        """A durable point: everything written so far survives a crash once this returns
        (``sync=False``: survives the process being killed, not a power cut)."""
        with self.lock:
            self.storage.flush(sync=sync)

    def sync(self) -> None:
        """Durable, what ``flush(sync=False)`` wrote: the disk's wait happens without the store held, so
        a caller may run it on another thread while this one writes on."""
        self.storage.sync()

    def counts(self) -> dict[str, int]:
        names = ("topics", "dialogues", "runs", "calls", "jobs", "evals", "eval_sets", "votes", "snapshots")
        return {name: getattr(self, name).count() for name in names}

    def close(self) -> None:
        if self._closed:
            return
        self._stop.set()
        if self._poller is not None and self._poller is not threading.current_thread():
            self._poller.join()
        try:
            with self.lock:
                self.db.close()
        finally:
            self._closed = True
            if self._write_lock:
                self._write_lock.close()
            if self._process_lock:
                self._process_lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["SCHEMA_VERSION", "STORE_FILE", "Repository", "Store", "StoreError"]
