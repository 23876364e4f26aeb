"""Size limits on imported files: a huge topic file is refused before it is read, a dataset line
over the limit is named by its line number without being loaded whole (the other lines are still read), and memory stays
bounded either way."""

from __future__ import annotations

import tracemalloc

import pytest

from studio.datafiles.dataset_reader import read_records
from studio.datafiles.textfile import MAX_LINE_BYTES, InputError
from studio.datafiles.topic_files import MAX_TOPIC_FILE_BYTES, read_topic_file


def _peak(fn) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        fn()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_a_topic_file_over_the_limit_is_refused_unread(tmp_path) -> None:
    path = tmp_path / "topics.txt"
    line = "两位同学在讨论周末的计划。\n".encode()
    with open(path, "wb") as fh:
        for _ in range(MAX_TOPIC_FILE_BYTES // len(line) + 10):
            fh.write(line)

    def read() -> None:
        with pytest.raises(InputError, match="over the limit of 17 MB; split it"):
            read_topic_file(path)

    assert _peak(read) < 1 << 20


def test_a_dataset_line_over_the_limit_is_named_unread_and_the_reading_goes_on(tmp_path) -> None:
    path = tmp_path / "data.jsonl"
    with open(path, "wb") as fh:
        fh.write(b'{"prompt": "hi", "response": "ok"}\n')
        fh.write(b'{"prompt": "' + b"x" * (5 * MAX_LINE_BYTES) + b'"}\n')  # 20 MB on one line
        fh.write(b'{"prompt": "again", "response": "ok"}\n')
    items: list = []

    def read() -> None:
        items.extend(read_records(path))

    assert _peak(read) < 3 * MAX_LINE_BYTES  # bounded by the limit, not by the line
    assert [(type(i).__name__, i.line) for i in items] == [("Record", 1), ("BadLine", 2), ("Record", 3)]
    assert "the line is longer than 4 MiB" in str(items[1].problem)


def test_the_cli_names_the_long_line_and_what_else_it_read(ready_cli, tmp_path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b'{"prompt": "' + b"y" * (MAX_LINE_BYTES + 1) + b'"}\n{"prompt": "hi", "response": "ok"}\n')
    code, out, err = ready_cli("lint", str(path))
    assert code == 1 and "data.jsonl:1: unreadable: the line is longer than 4 MiB" in out and "Traceback" not in err
    assert "1 teacher turns" in out  # the good line is still checked
    code, out, err = ready_cli("import", str(path))
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "data.jsonl:1: 1 unreadable line(s), nothing imported: line 1: the line is longer than 4 MiB" in err


def test_the_line_limit_is_set_by_an_environment_variable(ready_cli, tmp_path, monkeypatch) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text('{"prompt": "hi", "response": "ok"}\n{"prompt": "' + "z" * 3000 + '", "response": "ok"}\n')
    code, out, _ = ready_cli("lint", str(path))
    assert "0 unreadable lines" in out
    monkeypatch.setenv("STUDIO_MAX_LINE_BYTES", "2048")
    code, out, _ = ready_cli("lint", str(path))
    assert code == 1 and "data.jsonl:2: unreadable: the line is longer than 2048 bytes" in out


def test_deep_json_in_lint_and_import_is_a_bad_line_not_a_crash(ready_cli, tmp_path) -> None:
    import json

    deep_line = tmp_path / "deep.jsonl"
    deep_line.write_text('{"prompt": "hi", "response": ' + "[" * 100_000 + "]" * 100_000 + "}\n")
    deep_answer = tmp_path / "answer.jsonl"
    deep_answer.write_text(json.dumps({"prompt": "[主题介绍]\nx\n[对话历史]\nstudent: hi",
                                       "response": '{"Reply": ' + "[" * 10_000 + "}"}) + "\n")
    for args in (("lint", str(deep_line)), ("lint", str(deep_answer)), ("import", str(deep_line)),
                 ("import", str(deep_answer))):
        code, out, err = ready_cli(*args)
        assert code in (0, 1) and "Traceback" not in out + err and "RecursionError" not in out + err, args
