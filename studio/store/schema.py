"""The schema version document and the migration hook."""

from __future__ import annotations

from collections.abc import Callable

from studio.store.db import StudioDB
from studio.store.storage import JournalStorage, StoreError

SCHEMA_VERSION = 1
META_TABLE = "_meta"

Migration = Callable[[StudioDB], None]

#: ``MIGRATIONS[n]`` upgrades a store from version ``n`` to ``n + 1`` in place.
MIGRATIONS: dict[int, Migration] = {}


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
