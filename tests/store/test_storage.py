from __future__ import annotations

import os
import random
import time

import orjson
import pytest

from studio.domain import Dialogue, ReviewStatus, Topic
from studio.store import SCHEMA_VERSION, Store, StoreError
from studio.store.db import StudioDB
from studio.store.schema import migrate
from studio.store.storage import JournalStorage
from tests.store.helpers import make_dialogue


def reopen(path, **kw) -> Store:
    return Store(path, lock=False, **kw)


def test_documents_round_trip_through_a_reopen(tmp_path) -> None:
    rng = random.Random(1)
    with Store(tmp_path) as store:
        dialogues = [make_dialogue(rng) for _ in range(5)]
        store.dialogues.put_many(dialogues)
        store.topics.put(Topic(text="两位同学讨论周末计划。"))
    with Store(tmp_path) as store:
        assert store.dialogues.get(dialogues[3].id) == dialogues[3]
        assert store.counts()["dialogues"] == 5
        assert store.schema_version == SCHEMA_VERSION


def test_a_large_store_is_kept_out_of_the_collectors_passes_once_loaded(tmp_path, monkeypatch) -> None:
    import gc

    from studio.store import storage

    rng = random.Random(3)
    with Store(tmp_path) as store:
        store.dialogues.put_many([make_dialogue(rng) for _ in range(20)])
        store.storage.compact()
    size = sum(p.stat().st_size for p in (tmp_path / "studio.json", tmp_path / "studio.json.journal"))
    try:
        monkeypatch.setattr(storage, "FREEZE_BYTES", size + 1)
        gc.unfreeze()
        with reopen(tmp_path) as store:  # smaller than the threshold: left to the collector
            assert gc.get_freeze_count() == 0
        monkeypatch.setattr(storage, "FREEZE_BYTES", size)
        with reopen(tmp_path) as store:
            doc = next(iter(store.dialogues.raw()))[1]
            assert gc.get_freeze_count() > 0
            assert not any(o is doc for o in gc.get_objects())  # frozen: in no generation a pass walks
    finally:
        gc.unfreeze()


def test_snapshot_file_is_plain_tinydb_json(tmp_path) -> None:
    with Store(tmp_path) as store:
        topic = store.topics.put(Topic(text="话题"))
        store.storage.compact()
    data = orjson.loads((tmp_path / "studio.json").read_bytes())
    assert data["topics"][topic.id]["text"] == "话题"
    assert data["_meta"]["schema"]["version"] == SCHEMA_VERSION


def test_an_edit_is_one_small_journal_line_not_a_rewrite(tmp_path) -> None:
    rng = random.Random(2)
    store = Store(tmp_path, flush_interval=0)
    store.dialogues.put_many([make_dialogue(rng) for _ in range(300)])
    store.storage.compact()
    snapshot = (tmp_path / "studio.json").stat().st_mtime_ns
    d = store.dialogues.all()[7]
    d.turns[2].review = ReviewStatus.APPROVED  # type: ignore[union-attr]
    store.dialogues.put(d)
    store.flush()
    assert (tmp_path / "studio.json").stat().st_mtime_ns == snapshot
    header, *lines = (tmp_path / "studio.json.journal").read_bytes().splitlines()
    assert header.startswith(b'{"journal"')  # names the snapshot it belongs to
    assert len(lines) == 1 and d.id.encode() in lines[0]
    store.close()
    with reopen(tmp_path) as again:
        assert again.dialogues.get(d.id).turns[2].review == ReviewStatus.APPROVED


def test_writes_are_grouped_by_size(tmp_path) -> None:
    store = Store(tmp_path, flush_interval=0, batch_size=10)
    store.flush()
    for i in range(25):
        store.topics.put(Topic(text=f"topic {i}"))
    _header, *journal = (tmp_path / "studio.json.journal").read_bytes().splitlines()
    assert len(journal) == 2  # two full batches of 10; five still pending
    assert store.storage.pending == 5
    store.close()
    assert reopen(tmp_path).topics.count() == 25


def test_writes_are_grouped_by_time(tmp_path) -> None:
    store = Store(tmp_path, flush_interval=0.05)
    store.topics.put(Topic(text="soon durable"))
    deadline = time.monotonic() + 5
    while store.storage.pending and time.monotonic() < deadline:
        time.sleep(0.01)
    assert store.storage.pending == 0
    assert b"soon durable" in (tmp_path / "studio.json.journal").read_bytes()
    store.close()


def test_torn_journal_tail_is_ignored_and_cut(tmp_path) -> None:
    with Store(tmp_path) as store:
        kept = store.topics.put(Topic(text="kept"))
    journal = tmp_path / "studio.json.journal"
    with open(journal, "ab") as fh:
        fh.write(b'{"ops":[["topics","t-x",{"te')
    with reopen(tmp_path) as store:
        assert [t.id for t in store.topics] == [kept.id]
        assert store.recovered_note is None
        store.topics.put(Topic(text="after"))
    with reopen(tmp_path) as store:
        assert store.topics.count() == 2


def test_damage_inside_the_journal_is_reported_and_kept(tmp_path) -> None:
    with Store(tmp_path, flush_interval=0, batch_size=1) as store:
        for i in range(3):
            store.topics.put(Topic(text=f"t{i}"))
    journal = tmp_path / "studio.json.journal"
    lines = journal.read_bytes().splitlines()
    lines[2] = b"garbage"  # after the header and the first change
    journal.write_bytes(b"\n".join(lines) + b"\n")
    with reopen(tmp_path) as store:
        assert store.topics.count() == 1
        assert "damaged at line 3" in store.recovered_note
    assert list(tmp_path.glob("studio.json.journal.damaged-*"))


def test_journal_is_folded_into_a_snapshot_when_it_grows(tmp_path) -> None:
    rng = random.Random(3)
    storage_opts = dict(flush_interval=0, batch_size=1)
    store = Store(tmp_path, **storage_opts)
    store.storage.compact_min_bytes = 50_000
    for _ in range(40):
        store.dialogues.put(make_dialogue(rng))
    snapshot = (tmp_path / "studio.json").stat().st_size
    assert snapshot > 50_000  # folded at least once
    assert store.storage.journal_bytes <= max(50_000, snapshot * store.storage.compact_ratio) + 10_000
    store.close()
    assert reopen(tmp_path).dialogues.count() == 40


def test_replaying_a_journal_over_its_own_snapshot_changes_nothing(tmp_path) -> None:
    """A crash between writing a snapshot and emptying the journal loses nothing."""
    with Store(tmp_path, flush_interval=0, batch_size=1) as store:
        a = store.topics.put(Topic(text="a"))
        b = store.topics.put(Topic(text="b"))
        store.topics.delete(a.id)
        b.enabled = False
        store.topics.put(b)
        journal = (tmp_path / "studio.json.journal").read_bytes()
        store.storage.compact()
    (tmp_path / "studio.json.journal").write_bytes(journal)
    with reopen(tmp_path) as store:
        assert [(t.id, t.enabled) for t in store.topics] == [(b.id, False)]


def test_atomic_block_rolls_back_on_error(tmp_path) -> None:
    with Store(tmp_path) as store:
        store.topics.put(Topic(text="before"))
        with pytest.raises(RuntimeError), store.atomic():
            store.topics.put(Topic(text="half"))
            raise RuntimeError("boom")
        assert [t.text for t in store.topics] == ["before"]
    with reopen(tmp_path) as store:
        assert [t.text for t in store.topics] == ["before"]


def test_a_failed_disk_write_is_reported_and_the_store_keeps_its_last_good_state(tmp_path, monkeypatch) -> None:
    store = Store(tmp_path, flush_interval=0)
    store.topics.put(Topic(text="durable"))
    store.flush()
    real_fsync = os.fsync

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(StoreError, match="No space left on device"), store.atomic():
        store.topics.put(Topic(text="lost"))
    assert [t.text for t in store.topics] == ["durable"]
    monkeypatch.setattr(os, "fsync", real_fsync)
    store.topics.put(Topic(text="later"))
    store.close()
    with reopen(tmp_path) as again:
        assert sorted(t.text for t in again.topics) == ["durable", "later"]


def test_invalid_snapshot_names_the_file(tmp_path) -> None:
    (tmp_path / "studio.json").write_text("{not json")
    with pytest.raises(StoreError, match="studio.json is not valid JSON"):
        Store(tmp_path)


def test_invalid_document_names_table_id_and_field(tmp_path) -> None:
    with Store(tmp_path) as store:
        store.db.table("dialogues").put("d-bad", {"id": "d-bad", "topic_id": 5})
        with pytest.raises(StoreError, match="dialogues document d-bad is invalid at topic_id"):
            store.dialogues.get("d-bad")


def test_newer_schema_is_refused(tmp_path) -> None:
    (tmp_path / "studio.json").write_bytes(orjson.dumps({"_meta": {"schema": {"version": SCHEMA_VERSION + 1}}}))
    with pytest.raises(StoreError, match="newer than this studio understands"):
        Store(tmp_path)


def test_migration_hook_runs_each_step_in_order(tmp_path) -> None:
    storage = JournalStorage(tmp_path / "studio.json", flush_interval=0)
    db = StudioDB(storage=lambda: storage)
    db.table("_meta").put("schema", {"version": 1})
    db.table("topics").put("t-1", {"id": "t-1", "text": "x"})
    seen = []

    def one_to_two(db: StudioDB) -> None:
        seen.append(1)
        db.table("topics").update({"title": "migrated"}, doc_ids=["t-1"])

    def two_to_three(db: StudioDB) -> None:
        seen.append(2)

    assert migrate(db, storage, {1: one_to_two, 2: two_to_three}, target=3) == 3
    db.close()
    raw = JournalStorage(tmp_path / "studio.json").read()
    assert seen == [1, 2]
    assert raw["topics"]["t-1"]["title"] == "migrated"
    assert raw["_meta"]["schema"]["version"] == 3


def test_concurrent_writers_share_one_lock(tmp_path) -> None:
    import threading

    rng = random.Random(5)
    docs = [make_dialogue(rng) for _ in range(200)]
    with Store(tmp_path) as store:
        def writer(part: list[Dialogue]) -> None:
            for d in part:
                store.dialogues.put(d)

        threads = [threading.Thread(target=writer, args=(docs[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    with reopen(tmp_path) as store:
        assert store.dialogues.count() == 200
