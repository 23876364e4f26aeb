"""Off-topic verdicts kept on disk, so a text is never judged twice: not by generate, import, lint or
eval, not across runs of the studio.

A verdict is keyed by the utterance, everything it was judged against (topic, title, the question
answered, the recent turns), the check's version — its models, thresholds and word lists — and what
makes its sentence vectors (the backend), so a changed check judges again instead of reading old
verdicts. One SQLite file (the standard library's; WAL, so several processes read and write it at
once) in the studio's cache folder, or ``STUDIO_VERDICTS``; ``STUDIO_VERDICTS=off`` keeps verdicts
in memory only. A file that cannot be opened or written is skipped (the verdict is judged again),
never an error.

A batch about to be judged is read ahead in one query (:func:`read_ahead`), so each verdict is then
:func:`take` n from memory, a missing one without asking the disk again; new verdicts are
:func:`keep` t and written :data:`SAVE_EVERY` at a time (and when the process ends; one lost to a
kill is judged again).
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from studio.semantic.encoder import vectors_id
from studio.wheels import cache_dir

_local = threading.local()
_broken: set[str] = set()
#: Verdicts read ahead, by key, until taken: the stored value, or None when the disk has none.
_AHEAD: dict[str, dict | None] = {}
AHEAD_KEPT = 65536
_UNSAVED: list[tuple[str, dict]] = []
SAVE_EVERY = 256
_LOCK = threading.Lock()


def path() -> Path | None:
    given = os.environ.get("STUDIO_VERDICTS", "").strip()
    if given.lower() == "off":
        return None
    return Path(given) if given else cache_dir() / "verdicts" / "offtopic.sqlite3"


def key(version: str, *parts: object) -> str:
    """The key of a verdict on ``parts`` by the check's ``version``, with the sentence vectors' maker
    (:func:`studio.semantic.encoder.vectors_id`: another backend's vectors may decide otherwise)."""
    return hashlib.sha256(json.dumps([version, vectors_id(), *parts], ensure_ascii=False).encode()).hexdigest()[:40]


def _db() -> sqlite3.Connection | None:
    where = path()
    if where is None or str(where) in _broken:
        return None
    conns: dict[str, sqlite3.Connection] = getattr(_local, "conns", None) or {}
    _local.conns = conns
    conn = conns.get(str(where))
    if conn is None:
        try:
            where.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(where), timeout=30, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("CREATE TABLE IF NOT EXISTS verdicts (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        except (OSError, sqlite3.Error):
            _broken.add(str(where))
            return None
        conns[str(where)] = conn
    return conn


def get_many(keys: Iterable[str]) -> dict[str, dict]:
    """The verdicts on disk for these keys (missing keys are absent)."""
    wanted = list(dict.fromkeys(keys))
    conn = _db()
    if conn is None or not wanted:
        return {}
    found: dict[str, dict] = {}
    try:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = conn.execute(f"SELECT key, value FROM verdicts WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            found.update((k, json.loads(v)) for k, v in rows)
    except (sqlite3.Error, ValueError):
        return found
    return found


def get(k: str) -> dict | None:
    return get_many([k]).get(k)


def put_many(items: Iterable[tuple[str, dict]]) -> None:
    rows = [(k, json.dumps(v, ensure_ascii=False)) for k, v in items]
    conn = _db()
    if conn is None or not rows:
        return
    try:
        with conn:  # one transaction
            conn.execute("BEGIN")
            conn.executemany("INSERT OR REPLACE INTO verdicts (key, value) VALUES (?, ?)", rows)
    except sqlite3.Error:
        pass


def count() -> int:
    """How many verdicts the file holds (0 when there is none)."""
    conn = _db()
    if conn is None:
        return 0
    try:
        return int(conn.execute("SELECT COUNT(*) FROM verdicts").fetchone()[0])
    except sqlite3.Error:
        return 0


def read_ahead(keys: Iterable[str]) -> set[str]:
    """Read the verdicts of ``keys`` from disk in one go; returns the keys found. Until each is
    :func:`take` n, it is answered from memory (found or not)."""
    flush()
    wanted = list(dict.fromkeys(keys))
    found = get_many(wanted)
    with _LOCK:
        if len(_AHEAD) > AHEAD_KEPT:
            _AHEAD.clear()
        _AHEAD.update((k, found.get(k)) for k in wanted)
    return set(found)


def take(k: str) -> dict | None:
    """The verdict of ``k``: read ahead, else from disk; None when there is none."""
    with _LOCK:
        if k in _AHEAD:
            return _AHEAD.pop(k)
    return get(k)


def keep(k: str, value: dict) -> None:
    """A new verdict, written with the others :data:`SAVE_EVERY` at a time."""
    with _LOCK:
        _UNSAVED.append((k, value))
        full = len(_UNSAVED) >= SAVE_EVERY
    if full:
        flush()


def flush() -> None:
    """Write the verdicts kept since the last write."""
    with _LOCK:
        rows, _UNSAVED[:] = list(_UNSAVED), []
    put_many(rows)


def forget() -> None:
    """Write what is kept and forget what was read ahead: what a new process knows."""
    flush()
    with _LOCK:
        _AHEAD.clear()


atexit.register(flush)
