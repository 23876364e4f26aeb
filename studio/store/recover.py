"""``studio store recover``: rebuild a store whose files do not agree, losing nothing silently.

The candidates are tried in order: ``studio.json`` with its journal, then ``studio.json.bak`` with
``studio.json.journal.prev`` and the journal (see :mod:`studio.store.files` for how they chain). The
first that reaches the newest journal is used; when none does, nothing is changed unless the
caller accepts a partial rebuild, which then says what it could not use. Run totals are derived from
the dialogues again. Every old file is kept in ``recovered-<time>/`` (hard links, or copies); nothing
is deleted.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from studio.domain.messages import N_, Message
from studio.store.files import (
    STORE_FILE,
    Data,
    Journal,
    StoreError,
    apply,
    atomic_write,
    backup_of,
    header_line,
    journal_of,
    new_snapshot_id,
    parse_snapshot,
    previous_journal_of,
    read_journal,
    snapshot_meta,
    stamp,
)
from studio.store.lock import WorkspaceLock
from studio.store.totals import TotalsFix, corrected, disagreements


@dataclass
class Recovery:
    """What a recovery used, what it could not, and where the old files are."""

    used: list[str] = field(default_factory=list)  # the files replayed, in order
    missing: list[Message] = field(default_factory=list)  # why the rebuild is not complete (partial only)
    kept: Path | None = None
    counts: dict[str, int] = field(default_factory=dict)
    totals: list[TotalsFix] = field(default_factory=list)
    complete: bool = True


@dataclass
class _Snapshot:
    name: str
    data: Data
    id: str | None
    folded: list[str | None]


def _read(path: Path, problems: list[Message]) -> _Snapshot | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        problems.append(Message("recover.unreadable", N_("{file} cannot be read ({reason})"), file=path.name,
                                reason=str(exc)))
        return None
    try:
        data = parse_snapshot(path, raw)
    except StoreError:
        problems.append(Message("recover.damaged", N_("{file} is damaged"), file=path.name))
        return None
    sid, folded = snapshot_meta(data)
    return _Snapshot(path.name, data, sid, folded)


def _chain(start: _Snapshot, journals: list[Journal], current: Journal | None, *,
           legacy: bool) -> tuple[list[Journal], bool]:
    """The journals to replay onto ``start``, in order, and whether they bring it up to the current journal
    (a store with snapshot ids always has one; only an older store may have none)."""
    first = next((i for i, j in enumerate(journals) if j.base == start.id and (start.id is not None or legacy)), None)
    if first is None:
        if current is None:
            return [], start.id is None and legacy
        return [], start.id is not None and current.base in start.folded
    chain = [journals[first]]
    for j in journals[first + 1:]:
        if j.follows is None or j.follows != chain[-1].base:
            return chain, False
        chain.append(j)
    return chain, chain[-1] is current and all(j.damaged_line is None for j in chain)


def rebuild(folder: Path, *, partial: bool = False) -> tuple[Data, Recovery, list[Journal]]:
    """The best store the files in ``folder`` hold (nothing is written)."""
    path = folder / STORE_FILE
    problems: list[Message] = []
    current = read_journal(journal_of(path))
    journals = [j for j in (read_journal(previous_journal_of(path)), current) if j is not None]
    candidates = [(s, legacy) for s, legacy in ((_read(path, problems), True), (_read(backup_of(path), problems), False))
                  if s is not None]
    best: tuple[_Snapshot, list[Journal], bool] | None = None
    for snap, legacy in candidates:
        chain, complete = _chain(snap, journals, current, legacy=legacy)
        if complete:
            best = (snap, chain, True)
            break
        if best is None or len(chain) > len(best[1]):
            best = (snap, chain, False)
    if best is None:  # no snapshot can be read: the newest journal alone, if anything
        empty = _Snapshot("", {}, None, [])
        best = (empty, journals[-1:], False)
        problems.append(Message("recover.no-snapshot", N_("no snapshot could be read")))
    snap, chain, complete = best
    recovery = Recovery(used=[n for n in [snap.name, *(j.path.name for j in chain)] if n], complete=complete)
    if not complete:
        unused = [j.path.name for j in journals if j not in chain and j.base not in snap.folded]
        if unused:
            problems.append(Message("recover.unused", N_("{files} could not be joined to it"),
                                    files=", ".join(unused)))
        damaged = [f"{j.path.name}:{j.damaged_line}" for j in chain if j.damaged_line is not None]
        if damaged:
            problems.append(Message("recover.damaged-at", N_("damaged at {where}"), where=", ".join(damaged)))
        if not problems:
            problems.append(Message("recover.no-journal", N_("the journal that belongs to it is missing")))
        recovery.missing = problems
        if partial:  # the newer journals too: their changes are the newest there are, though what came between is not
            after = journals.index(chain[-1]) + 1 if chain else 0
            extra = [j for j in journals[after:] if j.base not in snap.folded]
            if extra:
                chain = [*chain, *extra]
                recovery.used += [j.path.name for j in extra]
                problems.append(Message("recover.unproven", N_("{files} replayed without proof that it follows"),
                                        files=", ".join(j.path.name for j in extra)))
        else:
            raise StoreError(Message("recover.incomplete", N_("the store cannot be rebuilt completely from {used} "
                                                              "({why}); nothing was changed; to keep what can be "
                                                              "read, run: studio store recover --partial"),
                                     used=", ".join(recovery.used) or "-",
                                     why=_joined(problems)))
    data = {name: dict(table) for name, table in snap.data.items()}
    apply(data, [ops for j in chain for ops in j.batches])
    recovery.totals = disagreements(data.get("runs", {}).items(), data.get("dialogues", {}).items())
    runs = data.get("runs", {})
    for run_id in {f.run_id for f in recovery.totals}:
        runs[run_id] = corrected(runs[run_id], [f for f in recovery.totals if f.run_id == run_id])
    recovery.counts = {name: len(table) for name, table in sorted(data.items()) if not name.startswith("_")}
    return data, recovery, journals


def _joined(parts: list[Message]) -> Message:
    out = parts[0]
    for part in parts[1:]:
        out = Message("recover.and", N_("{first}; {then}"), first=out, then=part)
    return out


def _keep(files: list[Path], into: Path) -> None:
    into.mkdir(parents=True)
    for f in files:
        try:
            os.link(f, into / f.name)
        except OSError:
            shutil.copy2(f, into / f.name)


def recover(folder: Path, *, partial: bool = False, lock: bool = True) -> Recovery:
    """Rebuild the store in ``folder`` (see the module docstring) and write it as a fresh snapshot."""
    owner = WorkspaceLock(folder, exclusive=True) if lock else None  # no other session may be in
    if owner:
        owner.acquire()
    try:
        data, recovery, journals = rebuild(folder, partial=partial)
        path = folder / STORE_FILE
        old = [p for p in (path, backup_of(path), journal_of(path), previous_journal_of(path)) if p.is_file()]
        old += sorted(folder.glob(f"{STORE_FILE}.journal.damaged-*"))
        stamp_time = time.strftime("%Y%m%d-%H%M%S")
        kept = folder / f"recovered-{stamp_time}"
        n = 1
        while kept.exists():
            n += 1
            kept = folder / f"recovered-{stamp_time}-{n}"
        _keep(old, kept)
        recovery.kept = kept
        new_id = new_snapshot_id()
        # Every journal read is folded in: a crash before the new journal is written leaves the old one,
        # which the store then sets aside as already folded.
        stamp(data, new_id, list(dict.fromkeys(j.base for j in journals)))
        atomic_write(path, orjson.dumps(data))
        atomic_write(journal_of(path), header_line(new_id, None))
        for stale in (backup_of(path), previous_journal_of(path)):
            stale.unlink(missing_ok=True)  # kept in the recovered folder; they belong to the old chain
        return recovery
    finally:
        if owner:
            owner.release()
