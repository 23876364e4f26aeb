"""Size limits on imported files: a huge topic file is refused before it is read, a dataset line
over the limit is refused by its line number without being loaded whole, and memory stays
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


def test_a_dataset_line_over_the_limit_is_refused_by_number(tmp_path) -> None:
    path = tmp_path / "data.jsonl"
    with open(path, "wb") as fh:
        fh.write(b'{"prompt": "hi", "response": "ok"}\n')
        fh.write(b'{"prompt": "' + b"x" * (5 * MAX_LINE_BYTES) + b'"}\n')  # 20 MB on one line

    def read() -> None:
        with pytest.raises(InputError, match=r"data.jsonl:2: the line is longer than 4 MiB"):
            list(read_records(path))

    assert _peak(read) < 3 * MAX_LINE_BYTES  # bounded by the limit, not by the line


def test_the_cli_says_it_in_one_line(ready_cli, tmp_path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_bytes(b'{"prompt": "' + b"y" * (MAX_LINE_BYTES + 1) + b'"}\n')
    for args in (("lint", str(path)), ("import", str(path))):
        code, out, err = ready_cli(*args)
        assert code == 1 and "data.jsonl:1: the line is longer" in err and "Traceback" not in err


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
