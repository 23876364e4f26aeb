"""The store builds on TinyDB's extension points, some of them private (``Table._update_table``,
``Table._read_table``, ``Table._storage``, ``TinyDB._tables``). tinydb is pinned exactly in
pyproject.toml; these tests fail first when an upgrade changes any of those hooks."""

from __future__ import annotations

import inspect
from collections.abc import Iterable

from tinydb import TinyDB
from tinydb.storages import MemoryStorage
from tinydb.table import Table

from studio.store.db import JournaledTable, StudioDB


class RecordingStorage(MemoryStorage):
    """Memory storage that also takes the journal's ``record`` calls, as JournalStorage does."""

    def __init__(self) -> None:
        super().__init__()
        self.memory = {}
        self.recorded: list[tuple[str, list[str]]] = []

    def record(self, table: str, doc_ids: Iterable[str]) -> None:
        self.recorded.append((table, list(doc_ids)))


def test_private_hooks_keep_their_shape() -> None:
    assert list(inspect.signature(Table._update_table).parameters) == ["self", "updater"]
    assert list(inspect.signature(Table._read_table).parameters) == ["self"]
    assert "_storage" in inspect.getsource(Table.__init__)
    assert "_tables" in inspect.getsource(TinyDB.__init__)
    assert hasattr(Table, "clear_cache") and hasattr(Table, "document_id_class")


def test_put_reports_exactly_the_documents_it_touched(monkeypatch) -> None:
    from studio.store import db as dbmod

    monkeypatch.setattr(dbmod, "JournalStorage", RecordingStorage)  # the isinstance check in _update_table
    db = StudioDB(storage=RecordingStorage)
    table = db.table("dialogues")
    assert isinstance(table, JournaledTable)
    table.put("d-1", {"a": 1})
    table.put("d-2", {"a": 2})
    table.update({"a": 3}, doc_ids=["d-1"])
    assert db.storage.recorded == [("dialogues", ["d-1"]), ("dialogues", ["d-2"]), ("dialogues", ["d-1"])]
    assert table.get_raw("d-1") == {"a": 3}
    assert dict(table.raw_items()) == {"d-1": {"a": 3}, "d-2": {"a": 2}}


def test_drop_table_forgets_the_cached_table() -> None:
    db = StudioDB(storage=RecordingStorage)
    db.table("topics").put("t-1", {"text": "x"})
    db.drop_table("topics")
    assert db.table("topics").get_raw("t-1") is None
