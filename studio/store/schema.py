"""The schema version document and the migration hook."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from studio.domain.check_messages import read_back
from studio.store.db import StudioDB
from studio.store.storage import JournalStorage, StoreError

SCHEMA_VERSION = 2
META_TABLE = "_meta"

Migration = Callable[[StudioDB], None]


def _check_with_ids(check: Any) -> Any:
    if not isinstance(check, dict) or "variant" in check:
        return check
    message = str(check.get("message", ""))
    variant, params = read_back(str(check.get("id", "")), message)
    return {**check, "variant": variant, "params": params, "message": message}


def checks_as_ids(db: StudioDB) -> None:
    """1 → 2: a teacher turn's check results hold their message as a variant and parameters
    (``studio.domain.check_messages``) beside the English text, so they can be shown in any
    language. Each is read back from its stored text; a text no template makes is kept as it is."""
    table = db.table("dialogues", cache_size=0)
    for doc_id, doc in table.raw_items():  # type: ignore[attr-defined]
        turns = doc.get("turns")
        if not isinstance(turns, list):
            continue
        new = [{**t, "checks": [_check_with_ids(c) for c in t["checks"]]}
               if isinstance(t, dict) and isinstance(t.get("checks"), list) else t for t in turns]
        if new != turns:
            table.put(doc_id, {**doc, "turns": new})  # type: ignore[attr-defined]


#: ``MIGRATIONS[n]`` upgrades a store from version ``n`` to ``n + 1`` in place.
MIGRATIONS: dict[int, Migration] = {1: checks_as_ids}


def migrate(db: StudioDB, storage: JournalStorage, migrations: dict[int, Migration] | None = None,
            target: int = SCHEMA_VERSION) -> int:
    """Bring the store to ``target``; a new store is stamped with it. Returns the version."""
    steps = MIGRATIONS if migrations is None else migrations
    meta = db.table(META_TABLE)
    doc = meta.get_raw("schema")  # type: ignore[attr-defined]
    if doc is None:
        if any(name != META_TABLE for name in db.tables()):
            version = 1  # stores written before the version document existed
        else:
            meta.put("schema", {"version": target})  # type: ignore[attr-defined]
            storage.compact()  # a new store starts as a snapshot file
            return target
    else:
        version = int(doc["version"])
    if version > target:
        raise StoreError(
            f"{storage.path} has schema version {version}, newer than this studio understands "
            f"({target}); upgrade Kouyu Studio"
        )
    while version < target:
        step = steps.get(version)
        if step is None:
            raise StoreError(f"no migration from schema version {version} to {version + 1}")
        step(db)
        version += 1
        meta.put("schema", {"version": version})  # type: ignore[attr-defined]
        storage.flush()
    return version
