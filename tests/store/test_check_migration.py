"""A store written before check results had ids opens, shows the same English and, with the studio
speaking Chinese, its samples' failing checks in Chinese."""

from __future__ import annotations

import orjson
import pytest

from studio.domain import TeacherTurn
from studio.domain.check_messages import LITERAL, phrase
from studio.i18n import set_language
from studio.store import SCHEMA_VERSION, Store
from studio.store.db import StudioDB
from studio.store.schema import checks_as_ids
from studio.store.storage import JournalStorage
from studio.turn.shown import check_message
from tests.store.old_store import CHECKS, DIALOGUE_ID, write_old_store


@pytest.fixture
def chinese(monkeypatch, tmp_path):
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path / "cache"))
    assert set_language("zh") == "zh"
    yield
    set_language("en")


def _answer(store: Store) -> TeacherTurn:
    turn = store.dialogues.get(DIALOGUE_ID).turns[2]
    assert isinstance(turn, TeacherTurn)
    return turn


def test_an_old_store_is_migrated_and_says_the_same_english(tmp_path) -> None:
    write_old_store(tmp_path)
    with Store(tmp_path) as store:
        assert store.schema_version == SCHEMA_VERSION == 2
        checks = _answer(store).checks
        assert [(c.id, c.severity, c.message) for c in checks] == [(c["id"], c["severity"], c["message"]) for c in CHECKS]
        assert [c.variant for c in checks] == ["none", "praised", LITERAL]
        assert checks[0].params == {"shown": "'goed' → 'went'"} and checks[1].params == {"text": "完全正确"}
    raw = JournalStorage(tmp_path / "studio.json").read()  # written back in the new shape, English kept beside it
    stored = raw["dialogues"][DIALOGUE_ID]["turns"][2]["checks"]
    assert [c["variant"] for c in stored] == ["none", "praised", LITERAL]
    assert [c["message"] for c in stored] == [c["message"] for c in CHECKS]
    assert raw["_meta"]["schema"]["version"] == 2


def test_an_old_store_shows_its_failing_checks_in_chinese(tmp_path, chinese) -> None:
    write_old_store(tmp_path)
    with Store(tmp_path) as store:
        shown = [check_message(c) for c in _answer(store).checks]
    assert shown == ["分析（Analysis）没有纠正学生的错误（'goed' → 'went'）",
                     "分析（Analysis）把有错误的回答说成是正确的：'完全正确'",
                     "a line no template makes"]


def test_the_migration_reads_each_turn_once_and_leaves_new_checks_alone(tmp_path) -> None:
    write_old_store(tmp_path)
    (tmp_path / "studio.json").write_bytes(orjson.dumps({
        **orjson.loads((tmp_path / "studio.json").read_bytes()),
        "dialogues": {"d-x": {"id": "d-x", "topic_id": "t", "turns": [
            {"role": "teacher", "raw": "{}", "checks": [
                {"id": "fault.language", "severity": "error", "variant": "no_english",
                 "params": {"said": phrase("answered in Chinese")}, "message": "kept"}]},
            "not a turn"]}}}))
    storage = JournalStorage(tmp_path / "studio.json", flush_interval=0)
    db = StudioDB(storage=lambda: storage)
    before = orjson.dumps(storage.read()["dialogues"])
    checks_as_ids(db)
    assert orjson.dumps(storage.read()["dialogues"]) == before
    db.close()
