"""TinyDB wired to the journal storage through its own extension points.

``StudioDB`` is a ``TinyDB`` whose ``table_class`` tells the storage which documents each write
touched, so the storage can persist just those. Document ids are the domain's string ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, KeysView, Mapping, MutableMapping
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document, Table

from studio.store.storage import JournalStorage


class _Tracked(MutableMapping[str, Any]):
    """A view of a raw table that remembers every id an updater read, wrote or removed."""

    __slots__ = ("_table", "touched")

    def __init__(self, table: dict[str, Any]) -> None:
        self._table = table
        self.touched: dict[str, None] = {}

    def __getitem__(self, key: str) -> Any:
        value = self._table[key]
        self.touched[key] = None  # an updater may change it in place
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self._table[key] = value
        self.touched[key] = None

    def __delitem__(self, key: str) -> None:
        del self._table[key]
        self.touched[key] = None

    def __iter__(self) -> Iterator[str]:
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, key: object) -> bool:
        return key in self._table

    def keys(self) -> KeysView[str]:  # a dict's keys, not a MutableMapping's view
        return self._table.keys()

    def clear(self) -> None:
        self.touched.update(dict.fromkeys(self._table))
        self._table.clear()


class JournaledTable(Table):
    """A table with string document ids that reports exactly which documents changed."""

    document_id_class = str  # type: ignore[assignment]  # tinydb declares int ids; ours are strings

    def _update_table(self, updater: Callable[[dict[Any, Mapping[str, Any]]], None]) -> None:
        storage = self._storage
        tables = storage.read()
        if tables is None:  # an empty plain storage (ours always holds its tables, and they are changed in place)
            tables = {}
        table = tables.setdefault(self.name, {})
        tracked = _Tracked(table)
        updater(tracked)  # type: ignore[arg-type]
        if isinstance(storage, JournalStorage):
            storage.record(self.name, tracked.touched)
        else:
            storage.write(tables)
        self.clear_cache()

    def put(self, doc_id: str, document: Mapping[str, Any]) -> None:
        """Insert or wholly replace one document."""

        def updater(table: MutableMapping[str, Any]) -> None:
            table[doc_id] = dict(document)

        self._update_table(updater)

    def get_raw(self, doc_id: str) -> Mapping[str, Any] | None:
        """The stored document itself (read-only by contract; no copy is made)."""
        return self._read_table().get(doc_id)

    def raw_items(self) -> Iterator[tuple[str, Mapping[str, Any]]]:
        return iter(list(self._read_table().items()))

    def insert(self, document: Mapping[str, Any]) -> str:  # type: ignore[override]
        if not isinstance(document, Document):
            raise TypeError("documents need an explicit id: insert Document(doc, doc_id=...)")
        return super().insert(document)  # type: ignore[return-value]


class StudioDB(TinyDB):
    table_class = JournaledTable
    default_storage_class = JournalStorage  # type: ignore[assignment]

    def drop_table(self, name: str) -> None:
        if name in self._tables:
            del self._tables[name]
        storage = self.storage
        if isinstance(storage, JournalStorage):
            storage.read().pop(name, None)
            storage.record_drop(name)
        else:
            super().drop_table(name)
