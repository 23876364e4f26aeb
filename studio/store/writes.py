"""How the journal storage writes its files (mixed into :class:`studio.store.storage.JournalStorage`;
its module docstring says what the files are): a batch of changes appended to the journal as one line,
the journal folded into a new snapshot, the snapshot replaced kept as ``.bak`` and its journal set aside
as ``.journal.prev``. Each step is atomic.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from studio.domain.messages import N_, Message, system_says
from studio.store.files import (
    StoreError,
    atomic_write,
    backup_of,
    header_line,
    new_snapshot_id,
    previous_journal_of,
    stamp,
)
from studio.store.shared import SharedFiles


class FileWrites(SharedFiles):
    """The writing half of the journal storage (state set up by ``JournalStorage.__init__``)."""

    compact_ratio: float
    compact_min_bytes: int
    snapshot_bytes: int
    snapshot_id: str | None
    journal_base: str | None
    recovered_note: Message | None
    _full_rewrite: bool
    _journal_fh: BinaryIO | None

    @property
    def backup_path(self) -> Path:
        return backup_of(self.path)

    @property
    def previous_journal_path(self) -> Path:
        return previous_journal_of(self.path)

    def _set_journal_aside(self) -> None:
        """The journal stays as ``.journal.prev`` (a hard link, or a copy) until a new one replaces it."""
        previous = self.previous_journal_path
        tmp = previous.with_name(f".{previous.name}.{os.getpid()}.tmp")
        try:
            tmp.unlink(missing_ok=True)
            try:
                os.link(self.journal_path, tmp)
            except OSError:
                shutil.copyfile(self.journal_path, tmp)
            os.replace(tmp, previous)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(Message("store.reset", N_("cannot reset {path}: {reason}"), path=self.journal_path,
                                     reason=system_says(exc))) from exc

    def _start_journal(self, base: str, follows: str | None) -> None:
        """A new, empty journal for snapshot ``base`` (written whole: a crash leaves the old file or this one)."""
        self._close_journal_handle()
        line = header_line(base, follows)
        atomic_write(self.journal_path, line)
        self.journal_base, self.journal_bytes = base, len(line)
        self._follow_journal()

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
                st = os.fstat(self._journal_fh.fileno())
                if (st.st_dev, st.st_ino) != self._journal_id:  # a store that had no journal yet
                    self._follow_journal()
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

    def _close_journal_handle(self) -> None:
        if self._journal_fh is not None:
            try:
                self._journal_fh.close()
            except OSError:
                pass
            self._journal_fh = None

    def _reset_journal_handle(self) -> None:
        self._close_journal_handle()
        # Whatever part of the line reached the file is a torn tail: cut it off so later
        # batches do not follow a broken line.
        try:
            with open(self.journal_path, "r+b") as fh:
                fh.truncate(self.journal_bytes)
        except OSError:
            pass

    def _write_snapshot(self) -> None:
        """Fold the journal into a new snapshot. The old snapshot stays as ``.bak`` and its journal as
        ``.journal.prev``, so the two rebuild the new one (``studio store recover``). Each step is atomic and
        every crash between steps leaves files that open (see ``_load_files``)."""
        old_id, new_id = self.snapshot_id, new_snapshot_id()
        first = not self.path.exists()
        had_journal = self.journal_path.exists()
        exact = (not self._full_rewrite and old_id is not None and self.journal_base == old_id
                 and self.recovered_note is None)  # the new snapshot is exactly the old one plus its journal
        stamp(self._data, new_id, [self.journal_base] if had_journal and not first else [])
        payload = orjson.dumps(self._data)
        if first:
            self._start_journal(new_id, None)  # a crash now leaves an empty journal alone: still a new store
            atomic_write(self.path, payload)
        else:
            self._keep_backup()
            atomic_write(self.path, payload)
            self._close_journal_handle()
            if had_journal:
                self._set_journal_aside()
            self._start_journal(new_id, old_id if exact else None)
        self.snapshot_id = new_id
        self.snapshot_bytes = len(payload)
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
