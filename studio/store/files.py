"""The store's files and how they belong together.

A workspace's store is up to four files:

* ``studio.json``: the snapshot. Its ``_meta`` table holds a ``snapshot`` document: the snapshot's
  ``id`` and ``folded``, the ids of the snapshots whose journals it already contains;
* ``studio.json.journal``: the changes since that snapshot. Its first line is a header naming the
  snapshot it applies to (``base``) and, when that snapshot is exactly its predecessor plus the
  predecessor's journal, the predecessor (``follows``);
* ``studio.json.bak``: the snapshot before the current one;
* ``studio.json.journal.prev``: the journal that was folded into the current snapshot.

So ``bak`` + ``journal.prev`` + ``journal`` rebuilds the store when ``studio.json`` is lost, and a
journal is only ever replayed onto the snapshot it names: a snapshot replaced by an older copy, a
journal without its snapshot or a snapshot without its journal is refused, never loaded with
changes missing. Stores written before the header existed (no snapshot id, no header) still load.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from studio.domain.messages import N_, Message, said, system_says

Data = dict[str, dict[str, Any]]

STORE_FILE = "studio.json"
META_TABLE = "_meta"
SNAPSHOT_DOC = "snapshot"
RECOVER_COMMAND = "studio store recover"


class StoreError(RuntimeError):
    """The store cannot be read or written; the message says which file and what to do."""


def new_snapshot_id() -> str:
    return os.urandom(8).hex()


def journal_of(path: Path) -> Path:
    return path.with_name(path.name + ".journal")


def backup_of(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def previous_journal_of(path: Path) -> Path:
    return path.with_name(path.name + ".journal.prev")


def recover_hint(path: Path) -> Message:
    """What to run when the store's files do not agree (``path``: the snapshot file)."""
    bak = backup_of(path)
    if bak.is_file():
        return Message("store.recover-bak", N_("run: {command} (it rebuilds the store from {backup} and the journals, "
                                               "checks it, and keeps the damaged files aside; nothing is deleted)"),
                       command=RECOVER_COMMAND, backup=bak.name)
    return Message("store.recover", N_("run: {command} (it saves what the files hold, checks it, and keeps the "
                                       "damaged files aside; nothing is deleted)"), command=RECOVER_COMMAND)


def snapshot_meta(data: Data) -> tuple[str | None, list[str | None]]:
    """A snapshot's id and the journal bases it already holds (``None, []`` for an older store)."""
    doc = data.get(META_TABLE, {}).get(SNAPSHOT_DOC)
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
        return None, []
    folded = doc.get("folded")
    return doc["id"], [f for f in folded if f is None or isinstance(f, str)] if isinstance(folded, list) else []


def stamp(data: Data, snapshot_id: str, folded: list[str | None]) -> None:
    data.setdefault(META_TABLE, {})[SNAPSHOT_DOC] = {"id": snapshot_id, "folded": folded}


def read_snapshot(path: Path) -> Data | None:
    """The snapshot's tables, or None when there is no file. Raises StoreError naming the problem."""
    try:
        raw = path.read_bytes() if path.exists() else None
    except OSError as exc:
        if path.is_dir():
            raise StoreError(Message("store.read-folder", N_("cannot read {path}: {reason} (a folder where the "
                                                             "store file should be)"),
                                     path=path, reason=system_says(exc))) from None
        raise StoreError(Message("store.read", N_("cannot read {path}: {reason}"), path=path,
                                 reason=system_says(exc))) from None
    if raw is None:
        return None
    return parse_snapshot(path, raw)


def parse_snapshot(path: Path, raw: bytes) -> Data:
    if not raw.strip():
        raise StoreError(Message("store.empty", N_("{path} is empty ({n} bytes): the store is damaged and was "
                                                   "left untouched; {backup}"),
                                 path=path, n=len(raw), backup=recover_hint(path)))
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise StoreError(Message("store.not-json", N_("{path} is not valid JSON ({problem}; truncated?): it was "
                                                      "left untouched; {backup}"),
                                 path=path, problem=said(exc), backup=recover_hint(path))) from None
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise StoreError(Message("store.not-tinydb", N_("{path} does not hold a TinyDB store (top level is not "
                                                        "an object); {backup}"),
                                 path=path, backup=recover_hint(path)))
    return data


def _well_formed(op: Any) -> bool:
    """``["drop", table]`` or ``[table, doc_id, doc-or-null]``."""
    if not isinstance(op, list) or not op or not isinstance(op[0], str):
        return False
    if op[0] == "drop":
        return len(op) == 2 and isinstance(op[1], str)
    return len(op) == 3 and isinstance(op[1], str) and (op[2] is None or isinstance(op[2], dict))


def header_line(base: str, follows: str | None) -> bytes:
    return orjson.dumps({"journal": {"base": base, "follows": follows}}) + b"\n"


@dataclass
class Journal:
    """A journal file read: its header (None: written before headers existed), its batches in order,
    and where reading stopped."""

    path: Path
    raw: bytes = b""
    header: dict[str, Any] | None = None
    batches: list[list[list[Any]]] = field(default_factory=list)
    good_bytes: int = 0  # the bytes up to the last whole line read (a torn tail is cut there)
    damaged_line: int | None = None  # a bad line with whole lines after it (not a torn tail)

    @property
    def base(self) -> str | None:
        return None if self.header is None else self.header.get("base")

    @property
    def follows(self) -> str | None:
        return None if self.header is None else self.header.get("follows")

    @property
    def ops(self) -> int:
        return sum(len(b) for b in self.batches)


def _header(line: bytes) -> dict[str, Any] | None:
    if not line.startswith(b'{"journal"'):
        return None
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    head = obj.get("journal") if isinstance(obj, dict) else None
    if isinstance(head, dict) and isinstance(head.get("base"), str):
        return {"base": head["base"], "follows": head.get("follows") if isinstance(head.get("follows"), str) else None}
    return None


def read_journal(path: Path) -> Journal | None:
    """The journal at ``path`` read line by line (None when there is none). A line that does not
    parse ends the reading: ``damaged_line`` is set when whole lines follow it (otherwise it is a tail
    torn by a crash, which was never reported durable)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(Message("store.read", N_("cannot read {path}: {reason}"), path=path,
                                 reason=system_says(exc))) from None
    journal = Journal(path, raw)
    lines = raw.split(b"\n")
    good = 0
    for number, line in enumerate(lines, 1):
        if number == 1 and (head := _header(line)) is not None:
            journal.header = head
            good += len(line) + 1
            continue
        try:  # the store's own lines: orjson's parser refuses depth past 1,024 without recursing, and
            # no document deeper than 255 levels was ever written (orjson.dumps refuses it)
            ops = orjson.loads(line)["ops"] if line.strip() else []
            if not isinstance(ops, list) or not all(_well_formed(op) for op in ops):
                raise TypeError("malformed journal line")
        except (orjson.JSONDecodeError, KeyError, TypeError):
            if any(rest.strip() for rest in lines[number:]):
                journal.damaged_line = number
            break
        if ops:
            journal.batches.append(ops)
        good += len(line) + 1
    journal.good_bytes = min(good, len(raw))
    return journal


def apply(data: Data, batches: list[list[list[Any]]]) -> None:
    for ops in batches:
        for op in ops:
            if op[0] == "drop":
                data.pop(op[1], None)
                continue
            table, doc_id, doc = op
            if doc is None:
                data.get(table, {}).pop(doc_id, None)
            else:
                data.setdefault(table, {})[doc_id] = doc


def refused(message: Message) -> StoreError:
    return StoreError(message)


def journal_without_base(path: Path, journal: Path | None, others: list[Path]) -> StoreError:
    found = ", ".join(p.name for p in ([journal] if journal else []) + others)
    return StoreError(Message("store.no-base", N_("{path} is missing but {found} is still there: opening would start "
                                                  "from an incomplete store; {hint}"),
                              path=path, found=found, hint=recover_hint(path)))


def journal_mismatch(path: Path, journal: Path) -> StoreError:
    return StoreError(Message("store.mismatch", N_("{journal} does not belong to {path} (the snapshot was replaced by "
                                                   "an older or newer copy): loading them together would lose "
                                                   "changes; {hint}"),
                              journal=journal.name, path=path, hint=recover_hint(path)))


def journal_missing(path: Path, journal: Path) -> StoreError:
    return StoreError(Message("store.no-journal", N_("{journal} is missing: {path} alone may lack the latest changes; "
                                                     "{hint}"),
                              journal=journal.name, path=path, hint=recover_hint(path)))


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
