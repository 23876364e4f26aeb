"""A TinyDB storage that makes writes cheap and crash-safe.

Plain ``JSONStorage`` rewrites the whole file on every write. This storage keeps the data in
memory and persists it as two files:

* ``studio.json``: a full snapshot in TinyDB's JSON layout, only ever replaced atomically
  (temp file, fsync, rename, fsync of the folder), so a crash leaves the old or the new one;
* ``studio.json.journal``: an append-only log of batches of changed documents. Each batch is one
  line; a line torn by a crash is ignored on load, and it was never reported durable.

Writes are grouped: changed documents are flushed as one journal line when the batch is large
enough, when the oldest pending change is older than ``flush_interval`` seconds, or on
``flush()``/``close()``. When the journal grows past a share of the snapshot it is folded into a
new snapshot. Replaying a journal is idempotent (each entry holds a document's whole state), so a
crash between writing a snapshot and emptying the journal loses nothing.

Several processes may share the files (``write_lock``: the workspace's ``WriteLock``). Each remembers
which journal it follows (its inode) and how far it has read it. Appending and compacting happen only
under the write lock, after catching up: the whole lines others appended are applied to memory (the
documents this process has pending stay as they are, so they win, as their later line would on replay),
a tail torn by a writer that died is cut, and a journal replaced by another process's compaction makes
it load the new snapshot and journal. ``catch_up()`` does the same between writes.

How the files are written (journal lines, snapshots, ``.bak`` and ``.journal.prev``) is in
:mod:`studio.store.writes`; how several processes share them is in :mod:`studio.store.shared`.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from tinydb.storages import Storage

from studio.domain.messages import N_, Message, system_says
from studio.store.files import (
    Data,
    Journal,
    StoreError,
    apply,
    atomic_write,
    journal_mismatch,
    journal_missing,
    journal_of,
    journal_without_base,
    read_journal,
    read_snapshot,
    snapshot_meta,
)
from studio.store.lock import WriteLock
from studio.store.writes import FileWrites

__all__ = ["Data", "JournalStorage", "StoreError", "atomic_write"]


#: A store this large on disk is kept out of the cyclic collector's passes once loaded.
FREEZE_BYTES = 4 << 20


class JournalStorage(FileWrites, Storage):
    """Snapshot + journal storage with group commit. See the module docstring."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        batch_size: int = 256,
        flush_interval: float = 0.25,
        compact_ratio: float = 0.5,
        compact_min_bytes: int = 4 << 20,
        lock: threading.RLock | None = None,
        write_lock: WriteLock | None = None,
    ) -> None:
        self.path = Path(path)
        self.journal_path = journal_of(self.path)
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.compact_ratio = compact_ratio
        self.compact_min_bytes = compact_min_bytes
        self._lock = lock or threading.RLock()  # the store's own lock: memory changes under one lock
        self._write_lock = write_lock
        self._journal_id: tuple[int, int] | None = None  # the journal file this memory follows
        self._follow_fd: int | None = None  # held open: its inode is not given to another file meanwhile
        self._external: dict[tuple[str, str | None], None] = {}  # what others changed, not yet announced
        self._pending: dict[tuple[str, str], None] = {}
        self._full_rewrite = False
        self._journal_fh: BinaryIO | None = None
        self._timer: threading.Timer | None = None
        self._closed = False
        self._held = 0
        self.journal_bytes = 0
        self.snapshot_bytes = 0
        self.snapshot_id: str | None = None  # the snapshot on disk (None: a new store, or one older than ids)
        self.journal_base: str | None = None  # the snapshot the journal on disk names
        self.recovered_note: Message | None = None
        self.created = False  # this open found no store (a new one starts)
        with self._lock, self._writing():
            self._data: Data = self._load()
            self._follow_journal()

    # -- loading -----------------------------------------------------------------------------
    def _load(self) -> Data:
        # Parsing builds millions of small objects; the cyclic collector would rescan them many
        # times over (4× slower at 10k dialogues). None of them can form a cycle yet.
        enabled = gc.isenabled()
        gc.disable()
        try:
            data = self._load_files()
        finally:
            if enabled:
                gc.enable()
        if self.snapshot_bytes + self.journal_bytes >= FREEZE_BYTES:
            # The documents live as long as the store (a write replaces one, never changes it in place,
            # and refcounting frees what it replaces): out of the cyclic collector's passes, which would
            # otherwise walk all of them soon after, in whatever the user does next (200 ms at 40k samples).
            gc.freeze()
        return data

    def _load_files(self) -> Data:
        """The snapshot with its own journal replayed; files that do not belong together are refused."""
        data = read_snapshot(self.path)
        journal = read_journal(self.journal_path)
        if data is None:
            others = [p for p in (self.backup_path, self.previous_journal_path) if p.exists()]
            if others or (journal is not None and (journal.ops or journal.damaged_line)):
                raise journal_without_base(self.path, self.journal_path if journal is not None else None, others)
            self.snapshot_id = self.journal_base = None  # a new store (or one whose creation was cut short)
            self.created = True
            self.snapshot_bytes = self.journal_bytes = 0
            return {}
        self.snapshot_bytes = self.path.stat().st_size
        snapshot_id, folded = snapshot_meta(data)
        self.snapshot_id = snapshot_id
        if journal is None:
            if snapshot_id is not None:  # its journal is only ever replaced whole, never removed
                raise journal_missing(self.path, self.journal_path)
            self.journal_base, self.journal_bytes = None, 0
            return data
        if journal.base == snapshot_id:
            self._replay(data, journal)
            self.journal_base = snapshot_id
            return data
        if snapshot_id is not None and journal.base in folded:  # a snapshot written, its journal not yet set aside
            self._set_journal_aside()
            self._start_journal(snapshot_id, None)
            return data
        raise journal_mismatch(self.path, self.journal_path)

    def _replay(self, data: Data, journal: Journal) -> None:
        if journal.damaged_line is not None:
            keep = self.journal_path.with_name(f"{self.journal_path.name}.damaged-{int(time.time())}")
            keep.write_bytes(journal.raw)
            self.recovered_note = Message(
                "store.journal-damaged", N_("{path} is damaged at line {line}; the changes after it were not "
                                            "loaded (the whole journal is kept as {kept})"),
                path=self.journal_path, line=journal.damaged_line, kept=keep.name)
        apply(data, journal.batches)
        if journal.good_bytes < len(journal.raw):
            with open(self.journal_path, "r+b") as fh:  # cut the torn tail before appending again
                fh.truncate(journal.good_bytes)
                fh.flush()
                os.fsync(fh.fileno())
        self.journal_bytes = journal.good_bytes

    # -- the TinyDB Storage interface ------------------------------------------------------------
    def read(self) -> Data:
        return self._data

    def write(self, data: Data) -> None:
        """A whole-database write (drop_tables and the like): the next flush writes a snapshot."""
        with self._lock:
            self._data = data
            self._full_rewrite = True
            self._note_pending()

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self.flush()
            self._closed = True
            if self._timer:
                self._timer.cancel()
            if self._journal_fh:
                self._journal_fh.close()
                self._journal_fh = None
            self._unfollow()

    # -- change tracking and group commit -----------------------------------------------------
    def record(self, table: str, doc_ids: Iterable[str]) -> None:
        """Note documents changed in place by a table; they are persisted at the next flush."""
        with self._lock:
            for doc_id in doc_ids:
                self._pending[(table, doc_id)] = None
            self._note_pending()

    def record_drop(self, table: str) -> None:
        with self._lock:
            self._pending = {k: v for k, v in self._pending.items() if k[0] != table}
            self._pending[("\0drop", table)] = None
            self._note_pending()

    @property
    def pending(self) -> int:
        return len(self._pending) + (1 if self._full_rewrite else 0)

    def _note_pending(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")
        if self._held:
            return
        if len(self._pending) >= self.batch_size:
            self.flush()
        elif self._timer is None and self.flush_interval > 0:
            self._timer = threading.Timer(self.flush_interval, self._timed_flush)
            self._timer.daemon = True
            self._timer.start()

    def _timed_flush(self) -> None:
        with self._lock:
            self._timer = None
            # an explicit flush does not stop the timer (a thread started per write costs the writer more
            # than the flush): it may find nothing left to write
            if not self._closed and not self._held and (self._pending or self._full_rewrite):
                try:
                    self.flush()
                except StoreError:
                    pass  # reported by the next explicit flush, which raises again

    @contextmanager
    def atomic(self, *, sync: bool = True) -> Iterator[None]:
        """Writes inside land together (one journal line) or, on any error, not at all.

        Earlier changes are made durable first, so a failure can roll the memory back to what is
        on disk; a crash leaves all or none of the block's writes. With other processes, the block
        runs under the write lock on the newest state. ``sync=False``: flushed as ``flush(sync=False)``.
        """
        with self._lock:
            outer = self._held == 0
            if not outer:
                self._held += 1
                try:
                    yield
                finally:
                    self._held -= 1
                return
            with self._writing():  # held to the end: the block reads and writes the newest state
                self._catch_up()
                self.flush(sync=sync)
                self._held += 1
                try:
                    yield
                except BaseException:
                    self._held -= 1
                    if self._pending or self._full_rewrite:  # a block that wrote nothing changed nothing to undo
                        self._rollback()
                    raise
                self._held -= 1
                try:
                    self.flush(sync=sync)
                except BaseException:
                    self._rollback()
                    raise

    @contextmanager
    def together(self) -> Iterator[None]:
        """Writes inside reach the journal in one line (no flush happens in between); unlike
        :meth:`atomic`, nothing is flushed first and nothing is rolled back."""
        with self._lock:
            self._held += 1
            try:
                yield
            finally:
                self._held -= 1
                if not self._held and self._pending and not self._closed:
                    self._note_pending()

    def _rollback(self) -> None:
        self._pending.clear()
        self._full_rewrite = False
        self._reload()

    def flush(self, *, sync: bool = True) -> None:
        """Make every change so far durable. Raises StoreError if the disk refuses.

        ``sync=False`` hands the journal line to the OS without waiting for the disk: it survives
        the process being killed (not a power cut) at a fraction of the cost; the call ledger
        writes each request this way before it is sent.
        """
        with self._lock:
            if not (self._pending or self._full_rewrite or self._compaction_due() or self.snapshot_bytes == 0):
                return
            with self._writing():
                self._catch_up()
                if self._full_rewrite or self._compaction_due() or self.snapshot_bytes == 0:
                    self._write_snapshot()  # a new store starts as a snapshot, never as a journal alone
                elif self._pending:
                    self._append_batch(sync=sync)

    def sync(self) -> None:
        """Make what ``flush(sync=False)`` wrote durable, without holding the store while the disk works
        (other threads write on meanwhile; a journal set aside since was synced when it was)."""
        with self._lock:
            if self._journal_fh is None:
                return
            fd = os.dup(self._journal_fh.fileno())
        try:
            os.fsync(fd)
        except OSError as exc:
            raise StoreError(Message("store.write", N_("cannot write {path}: {reason}"), path=self.journal_path,
                                     reason=system_says(exc))) from exc
        finally:
            os.close(fd)

    def compact(self) -> None:
        """Fold the journal into a fresh snapshot now."""
        with self._lock, self._writing():
            self._catch_up()
            self._write_snapshot()
