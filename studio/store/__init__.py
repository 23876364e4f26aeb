"""The only package that imports tinydb: storage, repositories, schema and the process lock."""

from studio.store.lock import WorkspaceLock, WorkspaceLocked
from studio.store.repo import STORE_FILE, Repository, Store
from studio.store.schema import SCHEMA_VERSION
from studio.store.storage import StoreError

__all__ = ["SCHEMA_VERSION", "STORE_FILE", "Repository", "Store", "StoreError", "WorkspaceLock", "WorkspaceLocked"]
