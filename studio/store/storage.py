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
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import orjson
from tinydb.storages import Storage

from studio.domain.messages import N_, Message, said, system_says

Data = dict[str, dict[str, Any]]


class StoreError(RuntimeError):
    """The store cannot be read or written; the message says which file and what to do."""


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` so that a crash leaves either the old or the new file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StoreError(Message("store.write", N_("cannot write {path}: {reason}"), path=path,
                                 reason=system_says(exc))) from exc
    _fsync_dir(path.parent)


def _well_formed(op: Any) -> bool:
    """``["drop", table]`` or ``[table, doc_id, doc-or-null]``."""
    if not isinstance(op, list) or not op or not isinstance(op[0], str):
        return False
    if op[0] == "drop":
        return len(op) == 2 and isinstance(op[1], str)
    return len(op) == 3 and isinstance(op[1], str) and (op[2] is None or isinstance(op[2], dict))


class JournalStorage(Storage):
    """Snapshot + journal storage with group commit. See the module docstring."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        batch_size: int = 256,
        flush_interval: float = 0.25,
        compact_ratio: float = 0.5,
        compact_min_bytes: int = 4 << 20,
    ) -> None:
        self.path = Path(path)
        self.journal_path = self.path.with_name(self.path.name + ".journal")
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.compact_ratio = compact_ratio
        self.compact_min_bytes = compact_min_bytes
        self._lock = threading.RLock()
        self._pending: dict[tuple[str, str], None] = {}
        self._full_rewrite = False
        self._journal_fh: BinaryIO | None = None
        self._timer: threading.Timer | None = None
        self._closed = False
        self._held = 0
        self.journal_bytes = 0
        self.snapshot_bytes = 0
        self.recovered_note: Message | None = None
        self._data: Data = self._load()

    # -- loading -----------------------------------------------------------------------------
    def _load(self) -> Data:
        # Parsing builds millions of small objects; the cyclic collector would rescan them many
        # times over (4× slower at 10k dialogues). None of them can form a cycle yet.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._load_files()
        finally:
            if enabled:
                gc.enable()

    @property
    def backup_path(self) -> Path:
        return self.path.with_name(self.path.name + ".bak")

    def _offer_backup(self) -> Message:
        """Where the newest good copy is, and how to use it (the damaged file is left as it is)."""
        bak = self.backup_path
        try:
            good = bak.is_file() and isinstance(orjson.loads(bak.read_bytes()), dict)
        except (OSError, orjson.JSONDecodeError):
            good = False
        if good:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(bak.stat().st_mtime))
            return Message("store.backup", N_("the newest good copy is {backup} (the snapshot before the last one, "
                                              "{when}): move {store} away and copy {backup} over it"),
                           backup=bak.name, when=when, store=self.path.name)
        return Message("store.no-backup", N_("restore it from a backup, or move it away to start an empty store"))

    def _load_files(self) -> Data:
        data: Data = {}
        try:
            raw = self.path.read_bytes() if self.path.exists() else None
        except OSError as exc:
            if self.path.is_dir():
                raise StoreError(Message("store.read-folder", N_("cannot read {path}: {reason} (a folder where the "
                                                                 "store file should be)"),
                                         path=self.path, reason=system_says(exc))) from None
            raise StoreError(Message("store.read", N_("cannot read {path}: {reason}"), path=self.path,
                                     reason=system_says(exc))) from None
        if raw is not None:
            self.snapshot_bytes = len(raw)
            if not raw.strip():
                raise StoreError(Message("store.empty", N_("{path} is empty ({n} bytes): the store is damaged and was "
                                                           "left untouched; {backup}"),
                                         path=self.path, n=len(raw), backup=self._offer_backup()))
            try:
                data = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise StoreError(Message("store.not-json", N_("{path} is not valid JSON ({problem}; truncated?): it was "
                                                              "left untouched; {backup}"),
                                         path=self.path, problem=said(exc), backup=self._offer_backup())) from None
            if not isinstance(data, dict):
                raise StoreError(Message("store.not-tinydb", N_("{path} does not hold a TinyDB store (top level is not "
                                                                "an object); {backup}"),
                                         path=self.path, backup=self._offer_backup()))
        if self.journal_path.exists():
            self._replay(data)
        return data

    def _replay(self, data: Data) -> None:
        raw = self.journal_path.read_bytes()
        lines = raw.split(b"\n")
        good = 0
        for number, line in enumerate(lines, 1):
            try:
                ops = orjson.loads(line)["ops"] if line.strip() else []
                if not isinstance(ops, list) or not all(_well_formed(op) for op in ops):
                    raise TypeError("malformed journal line")
            except (orjson.JSONDecodeError, KeyError, TypeError):
                if any(rest.strip() for rest in lines[number:]):
                    keep = self.journal_path.with_name(f"{self.journal_path.name}.damaged-{int(time.time())}")
                    keep.write_bytes(raw)
                    self.recovered_note = Message(
                        "store.journal-damaged", N_("{path} is damaged at line {line}; the changes after it were not "
                                                    "loaded (the whole journal is kept as {kept})"),
                        path=self.journal_path, line=number, kept=keep.name)
                break  # otherwise a tail torn by a crash: it was never reported durable
            self._apply(data, ops)
            good += len(line) + 1
        good = min(good, len(raw))
        if good < len(raw):
            with open(self.journal_path, "r+b") as fh:  # cut the torn tail before appending again
                fh.truncate(good)
                fh.flush()
                os.fsync(fh.fileno())
        self.journal_bytes = good

    @staticmethod
    def _apply(data: Data, ops: Iterable[list[Any]]) -> None:
        for op in ops:
            if op[0] == "drop":
                data.pop(op[1], None)
                continue
            table, doc_id, doc = op
            if doc is None:
                data.get(table, {}).pop(doc_id, None)
            else:
                data.setdefault(table, {})[doc_id] = doc

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
            if not self._closed and not self._held:
                try:
                    self.flush()
                except StoreError:
                    pass  # reported by the next explicit flush, which raises again

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Writes inside land together (one journal line) or, on any error, not at all.

        Earlier changes are made durable first, so a failure can roll the memory back to what is
        on disk; a crash leaves all or none of the block's writes.
        """
        with self._lock:
            outer = self._held == 0
            if outer:
                self.flush()
            self._held += 1
            try:
                yield
            except BaseException:
                self._held -= 1
                if outer:
                    self._rollback()
                raise
            self._held -= 1
            if outer:
                try:
                    self.flush()
                except BaseException:
                    self._rollback()
                    raise

    def _rollback(self) -> None:
        self._pending.clear()
        self._full_rewrite = False
        self._data = self._load()

    def flush(self, *, sync: bool = True) -> None:
        """Make every change so far durable. Raises StoreError if the disk refuses.

        ``sync=False`` hands the journal line to the OS without waiting for the disk: it survives
        the process being killed (not a power cut) at a fraction of the cost; the call ledger
        writes each request this way before it is sent.
        """
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._full_rewrite or self._compaction_due():
                self._write_snapshot()
            elif self._pending:
                self._append_batch(sync=sync)

    def _compaction_due(self) -> bool:
        limit = max(self.compact_min_bytes, int(self.snapshot_bytes * self.compact_ratio))
        return self.journal_bytes > limit

    def _append_batch(self, *, sync: bool = True) -> None:
        ops: list[list[Any]] = []
        for table, doc_id in self._pending:
            if table == "\0drop":
                ops.append(["drop", doc_id])
            else:
                ops.append([table, doc_id, self._data.get(table, {}).get(doc_id)])
        line = orjson.dumps({"ops": ops}) + b"\n"
        try:
            if self._journal_fh is None:
                self._journal_fh = open(self.journal_path, "ab")
            self._journal_fh.write(line)
            self._journal_fh.flush()
            if sync:
                os.fsync(self._journal_fh.fileno())
        except OSError as exc:
            self._reset_journal_handle()
            raise StoreError(Message("store.write", N_("cannot write {path}: {reason}"), path=self.journal_path,
                                     reason=system_says(exc))) from exc
        self.journal_bytes += len(line)
        self._pending.clear()
        if self._compaction_due():
            self._write_snapshot()

    def _reset_journal_handle(self) -> None:
        if self._journal_fh is not None:
            try:
                self._journal_fh.close()
            except OSError:
                pass
            self._journal_fh = None
        # Whatever part of the line reached the file is a torn tail: cut it off so later
        # batches do not follow a broken line.
        try:
            with open(self.journal_path, "r+b") as fh:
                fh.truncate(self.journal_bytes)
        except OSError:
            pass

    def _write_snapshot(self) -> None:
        payload = orjson.dumps(self._data)
        self._keep_backup()
        atomic_write(self.path, payload)
        self.snapshot_bytes = len(payload)
        self._reset_journal_handle()
        try:
            with open(self.journal_path, "wb") as fh:
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise StoreError(Message("store.reset", N_("cannot reset {path}: {reason}"), path=self.journal_path,
                                     reason=system_says(exc))) from exc
        self.journal_bytes = 0
        self._pending.clear()
        self._full_rewrite = False

    def _keep_backup(self) -> None:
        """The snapshot being replaced stays as ``studio.json.bak`` (a hard link: no copy is made)."""
        if not self.path.is_file() or self.snapshot_bytes == 0:
            return
        tmp = self.backup_path.with_name(f".{self.backup_path.name}.{os.getpid()}.tmp")
        try:
            tmp.unlink(missing_ok=True)
            os.link(self.path, tmp)
            os.replace(tmp, self.backup_path)
        except OSError:
            tmp.unlink(missing_ok=True)  # a backup is a courtesy; the snapshot itself is what matters

    def compact(self) -> None:
        """Fold the journal into a fresh snapshot now."""
        with self._lock:
            self._write_snapshot()
