"""Locks on a workspace. Any number of processes may have it open at once; writes take turns.

* ``studio.lock``: held *shared* by every open session for its lifetime (``WorkspaceLock``), and
  *exclusively* by what needs the workspace to itself (``studio store recover``). Each session leaves
  a note of who it is in ``studio.sessions/`` (pid, host, since), read by ``studio info``.
* ``studio.write.lock``: held exclusively for the short time a process catches up with the journal and
  appends its batch, or compacts (``WriteLock``).

Both are advisory ``flock``s: when a process dies the kernel drops them, so a stale lock never blocks
anyone; a note left by a killed session is ignored once its process is gone.
"""

from __future__ import annotations

import fcntl
import os
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

from studio.domain.messages import N_, Message

SESSIONS_DIR = "studio.sessions"
_HOST = socket.gethostname()


class WorkspaceLocked(RuntimeError):
    """Another live process holds the workspace in a way that excludes this one."""


def _open(path: Path) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host (one of another user's counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sessions(folder: Path) -> list[dict[str, object]]:
    """The sessions that have the workspace open (notes of dead processes on this host are left out)."""
    out = []
    for note in sorted((folder / SESSIONS_DIR).glob("*.json")):
        try:
            doc = orjson.loads(note.read_bytes())
            pid, host = int(doc["pid"]), str(doc["host"])
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            continue
        if host == _HOST and not pid_alive(pid):
            continue
        out.append({"pid": pid, "host": host, "since": str(doc.get("since", "")), "what": str(doc.get("what", ""))})
    return out


class WorkspaceLock:
    """A session's lifetime lock on ``<folder>/studio.lock`` plus its note in ``studio.sessions/``.

    ``exclusive=False`` (a session): shared with every other session. A session that finds no other one
    in keeps the lock exclusive (``exclusive_now``) until :meth:`share`, so what it checks on opening is not
    changed under it; others wait up to ``wait`` seconds for that. ``exclusive=True``: only when no other
    session is open (``WorkspaceLocked`` names those that are).
    """

    def __init__(self, folder: Path, *, exclusive: bool = False, wait: float = 60.0) -> None:
        self.folder = folder
        self.path = folder / "studio.lock"
        self.exclusive = exclusive
        self.wait = wait
        self.exclusive_now = False
        self.note_path = folder / SESSIONS_DIR / f"{_HOST}-{os.getpid()}-{id(self):x}.json"
        self._fd: int | None = None

    @property
    def is_locked(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = _open(self.path)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.exclusive_now = True
        except BlockingIOError:
            if self.exclusive or not self._wait_shared(fd):
                os.close(fd)
                raise WorkspaceLocked(self._describe_owners()) from None
        self._fd = fd
        note = {"pid": os.getpid(), "host": _HOST, "since": datetime.now(UTC).isoformat(timespec="seconds"),
                "what": "exclusive" if self.exclusive else "session"}
        try:
            self.note_path.parent.mkdir(exist_ok=True)
            self.note_path.write_bytes(orjson.dumps(note))
        except OSError:
            pass  # the note is a courtesy; the lock itself is what protects the store

    def _wait_shared(self, fd: int) -> bool:
        """Shared, once no one holds it exclusively (a session opening alone, for a moment)."""
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.02)

    def share(self) -> None:
        """From alone to one session among others (a no-op for ``exclusive=True`` and when shared)."""
        if self._fd is not None and self.exclusive_now and not self.exclusive:
            fcntl.flock(self._fd, fcntl.LOCK_SH)
            self.exclusive_now = False

    def release(self) -> None:
        self.exclusive_now = False
        if self._fd is None:
            return
        try:
            self.note_path.unlink(missing_ok=True)
        except OSError:
            pass
        fd, self._fd = self._fd, None
        os.close(fd)  # closing the descriptor drops the flock

    def _describe_owners(self) -> Message:
        others = sessions(self.folder)  # this lock's own note is not written yet
        if others:
            who: Message = Message("lock.owner", N_("PID {pid} ({host}, since {since})"), pid=others[0]["pid"],
                                   host=others[0]["host"], since=others[0]["since"])
        else:
            who = Message("lock.someone", N_("another process"))
        return Message("lock.locked", N_("workspace {folder} is locked by {who}; close that studio first, or pick "
                                         "another workspace with --workspace"), folder=self.folder, who=who)


class WriteLock:
    """The exclusive write lock ``<folder>/studio.write.lock``, re-entrant within this object.

    Callers serialise their threads themselves (the store holds its own thread lock around it). A lock
    held by a stuck process is waited for, saying so after ``patience`` seconds, never broken.
    """

    def __init__(self, folder: Path, patience: float = 30.0) -> None:
        self.path = folder / "studio.write.lock"
        self.patience = patience
        self._fd: int | None = None
        self._depth = 0
        self._guard = threading.Lock()

    @property
    def held(self) -> bool:
        return self._depth > 0

    def acquire(self) -> None:
        with self._guard:
            if self._depth:
                self._depth += 1
                return
        if self._fd is None:
            self._fd = _open(self.path)  # kept open: taking and letting go of the lock is then two calls
        fd = self._fd
        start = time.monotonic()
        delay = 0.0005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - start > self.patience:
                    fcntl.flock(fd, fcntl.LOCK_EX)  # a very long write elsewhere: wait for it
                    break
                time.sleep(delay)
                delay = min(delay * 2, 0.01)
        with self._guard:
            self._depth = 1

    def release(self) -> None:
        with self._guard:
            if not self._depth:
                return
            self._depth -= 1
            if self._depth:
                return
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._guard:
            self._depth = 0
            fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __enter__(self) -> WriteLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
