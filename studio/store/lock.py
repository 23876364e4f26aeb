"""One process owns a workspace. The OS releases the lock when its owner dies."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path

import orjson
from filelock import FileLock, Timeout

from studio.domain.messages import N_, Message


class WorkspaceLocked(RuntimeError):
    """Another live process holds the workspace."""


class WorkspaceLock:
    """An exclusive OS-level lock on ``<folder>/studio.lock`` plus a note of who holds it.

    The lock is an advisory ``flock``: if its owner is killed the kernel drops it, so a stale lock
    can never block anyone; the note left behind is simply overwritten by the next owner.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "studio.lock"
        self.note_path = folder / "studio.lock.json"
        self._lock = FileLock(self.path, timeout=0, is_singleton=False)

    def acquire(self) -> None:
        try:
            self._lock.acquire()
        except Timeout:
            raise WorkspaceLocked(self._describe_owner()) from None
        note = {"pid": os.getpid(), "host": socket.gethostname(), "since": datetime.now(UTC).isoformat(timespec="seconds")}
        try:
            self.note_path.write_bytes(orjson.dumps(note))
        except OSError:
            pass  # the note is a courtesy; the lock itself is what protects the store

    def release(self) -> None:
        if self._lock.is_locked:
            try:
                self.note_path.unlink(missing_ok=True)
            except OSError:
                pass
            self._lock.release()

    def _describe_owner(self) -> Message:
        try:
            note = orjson.loads(self.note_path.read_bytes())
            who: Message = Message("lock.owner", N_("PID {pid} ({host}, since {since})"), pid=note["pid"],
                                   host=note["host"], since=note["since"])
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
            who = Message("lock.someone", N_("another process"))
        return Message("lock.locked", N_("workspace {folder} is locked by {who}; close that studio first, or pick "
                                         "another workspace with --workspace"), folder=self.folder, who=who)
