"""How a store's memory follows the files other processes share with it (mixed into
:class:`studio.store.storage.JournalStorage`; its module docstring says how the files are shared).

Each process remembers which journal it follows, by (device, inode) while holding it open, and how far
it has read it. ``catch_up`` applies the whole lines others appended since (this process's pending
documents stay as they are: they are later), and a journal replaced by another's compaction makes it
load the new snapshot and journal, under the write lock.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from studio.domain.messages import N_, Message, system_says
from studio.store.files import META_TABLE, Data, StoreError, apply, recover_hint
from studio.store.lock import WriteLock


class SharedFiles:
    """The several-processes half of the journal storage (state set up by ``JournalStorage.__init__``)."""

    path: Path
    journal_path: Path
    journal_bytes: int
    _data: Data
    _lock: threading.RLock
    _write_lock: WriteLock | None
    _journal_id: tuple[int, int] | None
    _follow_fd: int | None
    _closed: bool
    _external: dict[tuple[str, str | None], None]
    _pending: dict[tuple[str, str], None]

    def _load(self) -> Data:
        raise NotImplementedError

    def _close_journal_handle(self) -> None:
        raise NotImplementedError

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The workspace's write lock, when the files are shared (taken under ``self._lock``)."""
        if self._write_lock is None:
            yield
            return
        self._write_lock.acquire()
        try:
            yield
        finally:
            self._write_lock.release()

    def _follow_journal(self) -> None:
        """Identify the journal this memory follows by (device, inode), holding it open meanwhile: a freed
        inode number is given to the next new file at once on ext4, so a journal replaced twice by other
        processes' compactions could otherwise pass for the one followed and be read from its offset."""
        self._unfollow()
        try:
            fd = os.open(self.journal_path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            self._journal_id = None
            return
        st = os.fstat(fd)
        self._follow_fd, self._journal_id = fd, (st.st_dev, st.st_ino)

    def _unfollow(self) -> None:
        fd, self._follow_fd = self._follow_fd, None
        if fd is not None:
            os.close(fd)

    def behind(self) -> bool:
        """Whether the journal on disk has changed since this process last read it (no lock taken)."""
        if self._write_lock is None:
            return False
        try:
            st = os.stat(self.journal_path)
        except OSError:
            return self._journal_id is not None
        return (st.st_dev, st.st_ino) != self._journal_id or st.st_size != self.journal_bytes

    def catch_up(self) -> None:
        """Apply what other processes wrote since this one last read the journal."""
        if self.behind():
            with self._lock:
                if not self._closed:
                    self._catch_up()

    def take_external(self) -> list[tuple[str, str | None]]:
        """The documents other processes changed since the last call (``(table, None)``: any of the table's)."""
        with self._lock:
            out, self._external = list(self._external), {}
        return out

    def _catch_up(self) -> None:
        """Under ``self._lock``. New whole lines are read without the write lock; a replaced journal is
        reloaded (and a torn tail cut) only under it."""
        if self._write_lock is None or not self.behind():
            return
        held = self._write_lock.held
        replaced, chunk = True, b""
        try:
            with open(self.journal_path, "rb") as fh:
                st = os.fstat(fh.fileno())
                if (st.st_dev, st.st_ino) == self._journal_id and st.st_size >= self.journal_bytes:
                    replaced = False
                    fh.seek(self.journal_bytes)
                    chunk = fh.read()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StoreError(Message("store.read", N_("cannot read {path}: {reason}"), path=self.journal_path,
                                     reason=system_says(exc))) from None
        if replaced:
            if held:
                self._reload()
            else:
                with self._writing():
                    self._catch_up()
            return
        end = chunk.rfind(b"\n") + 1
        batches: list[list[list[Any]]] = []
        for line in chunk[:end].split(b"\n")[:-1]:
            if not line.strip() or line.startswith(b'{"journal"'):
                continue
            try:
                ops = orjson.loads(line)["ops"]
                if not isinstance(ops, list):
                    raise TypeError("malformed journal line")
            except (orjson.JSONDecodeError, KeyError, TypeError):
                raise StoreError(Message("store.shared-damaged", N_("{path} holds a line another studio wrote that "
                                                                   "does not read (at byte {offset}); {hint}"),
                                         path=self.journal_path, offset=self.journal_bytes,
                                         hint=recover_hint(self.path))) from None
            batches.append(ops)
        if held and end < len(chunk):  # only a writer that died leaves a partial line: cut it
            with open(self.journal_path, "r+b") as fh:
                fh.truncate(self.journal_bytes + end)
        if batches:
            keep = self._pending_values()
            apply(self._data, batches)
            for ops in batches:
                for op in ops:
                    self._external[(op[1], None) if op[0] == "drop" else (op[0], op[1])] = None
            self._restore(keep)
        self.journal_bytes += end

    def _pending_values(self) -> list[tuple[str, str, Any]]:
        return [(table, doc_id, self._data.get(table, {}).get(doc_id) if table != "\0drop" else None)
                for table, doc_id in self._pending]

    def _restore(self, keep: list[tuple[str, str, Any]]) -> None:
        """This process's pending changes over what was read: they are later than it."""
        for table, doc_id, doc in keep:
            if table == "\0drop":
                self._data.pop(doc_id, None)
            elif doc is None:
                self._data.get(table, {}).pop(doc_id, None)
            else:
                self._data.setdefault(table, {})[doc_id] = doc

    def _reload(self) -> None:
        """The snapshot and journal on disk again (another process compacted), keeping pending changes."""
        keep = self._pending_values()
        self._close_journal_handle()
        self._data = self._load()
        self._follow_journal()
        self._restore(keep)
        for table in self._data:
            if table != META_TABLE:
                self._external[(table, None)] = None
