from __future__ import annotations

import pytest

from studio.datafiles.textfile import InputError
from studio.domain import TopicSource
from studio.store import Store
from studio.synth.topics import DuplicateTopic, add_topic, export_topics, import_topics, seed_topics
from tests.conftest import TUTORIAL_DATA, needs_tutorial_data


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "ws") as s:
        yield s


def write(tmp_path, name: str, data: bytes | str):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


@needs_tutorial_data
def test_tutorial_topics_import_as_text(store) -> None:
    report = import_topics(store, TUTORIAL_DATA / "topics")
    assert len(report.added) == 10 and not report.duplicates
    assert all(t.source == TopicSource.IMPORTED for t in report.added)
    assert report.added[0].text.startswith("两位朋友在户外徒步时")


def test_text_with_bom_blank_lines_and_duplicates(store, tmp_path) -> None:
    add_topic(store, "两位同学在食堂讨论今天的午饭。")
    path = write(tmp_path, "t.txt", "\ufeff你和父母商量暑假去海边旅行。\n\n  \n两位同学在食堂讨论今天的午饭.\n"
                 "学校篮球队招新，你想去参加选拔。\r\n你和父母商量暑假去海边旅行\n")
    report = import_topics(store, path)
    assert [t.text for t in report.added] == ["你和父母商量暑假去海边旅行。", "学校篮球队招新，你想去参加选拔。"]
    assert [(r.line, r.text, r.match.text) for r in report.duplicates] == [
        (4, "两位同学在食堂讨论今天的午饭.", "两位同学在食堂讨论今天的午饭。"),
        (6, "你和父母商量暑假去海边旅行", "你和父母商量暑假去海边旅行。"),
    ]
    assert store.topics.count() == 3


def test_jsonl_with_titles_and_tags(store, tmp_path) -> None:
    path = write(tmp_path, "t.jsonl", '{"topic": "你在超市向店员询问牛奶的价格。", "title": "One", "name_zh": "买牛奶", '
                 '"tags": ["a", "b"]}\n\n{"topic": "两位同学讨论周末去看电影。", "tags": "x, y"}\n')
    report = import_topics(store, path)
    assert [(t.title, t.name_zh, t.tags) for t in report.added] == [("One", "买牛奶", ["a", "b"]), ("", "", ["x", "y"])]


def test_csv_with_topic_column(store, tmp_path) -> None:
    path = write(tmp_path, "t.csv", 'title,name_zh,topic\nPark,公园,"在公园里, 两位朋友聊天"\n,,你和老师讨论作文的修改。\n')
    report = import_topics(store, path)
    assert [(t.text, t.name_zh) for t in report.added] == [("在公园里, 两位朋友聊天", "公园"), ("你和老师讨论作文的修改。", "")]


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("t.jsonl", '{"topic": "ok"}\n{"topic": \n', r"t.jsonl:2: not valid JSON"),
        ("t.jsonl", '{"topic": "ok"}\n{"title": "x"}\n', r"t.jsonl:2: missing field 'topic'"),
        ("t.jsonl", '["a"]\n', r"t.jsonl:1: expected a JSON object"),
        ("t.csv", "title,text\nA,B\n", r"t.csv:1: no 'topic' column \(columns: title, text\)"),
        ("t.csv", "title,topic\nA,B\nC,D,E\n", r"t.csv:3: expected 2 columns, found 3"),
        ("t.csv", "", r"t.csv: empty file"),
        ("t.txt", b"ok\n\xe4\xb8\n", r"t.txt:2: not UTF-8 text"),
        ("t.txt", b"ok\n" + "坏".encode("gbk") + b"\n", r"t.txt:2: not UTF-8 text"),
    ],
)
def test_bad_files_name_the_line_and_write_nothing(store, tmp_path, name, data, message) -> None:
    before = store.topics.count()
    with pytest.raises(InputError, match=message):
        import_topics(store, write(tmp_path, name, data))
    assert store.topics.count() == before


def test_missing_file_is_named(store, tmp_path) -> None:
    with pytest.raises(InputError, match="nope.txt: no such file"):
        import_topics(store, tmp_path / "nope.txt")


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".tsv", ".txt"])
def test_export_then_import_round_trips(store, tmp_path, suffix) -> None:
    seed_topics(store)
    path = tmp_path / f"out{suffix}"
    assert export_topics(store, path) == store.topics.count()
    with Store(tmp_path / "other") as other:
        report = import_topics(other, path)
        assert sorted(t.text for t in report.added) == sorted(t.text for t in store.topics)
        if suffix != ".txt":
            assert sorted(t.title for t in report.added) == sorted(t.title for t in store.topics)
            assert sorted(t.name_zh for t in report.added) == sorted(t.name_zh for t in store.topics)


def test_shipped_bank_is_big_and_diverse(store) -> None:
    assert seed_topics(store) >= 60
    assert seed_topics(store) == 0  # only into an empty store
    tags = {tag for t in store.topics for tag in t.tags}
    assert {"school", "family", "travel", "food", "sport", "technology", "environment", "careers",
            "culture", "health"} <= tags
    school_only = [t for t in store.topics if t.tags == ["school"]]
    assert len(school_only) < store.topics.count() / 5


def test_add_refuses_an_exact_duplicate(store) -> None:
    first = add_topic(store, "两位 同学 讨论 周末")
    with pytest.raises(DuplicateTopic, match=first.id):
        add_topic(store, "  两位 同学   讨论 周末 ")
