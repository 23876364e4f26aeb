"""An import reads its file once: an unreadable line found after hundreds of records were already
checked and stored still imports nothing (what the store held before is kept, before and after a
restart) and names every bad line; the same file, mended, then imports whole."""

from __future__ import annotations

import json
from pathlib import Path

from studio.export.importer import CHUNK

ANSWER = json.dumps({"Reply": "Nice! What did you eat?", "Suggestion": ["I ate noodles.", "I had rice."],
                     "Analysis": "你的句子很好。"}, ensure_ascii=False)


def _line(k: int) -> str:
    prompt = f"[主题介绍]\n关于第{k % 7}种午饭的对话\n[对话历史]\nstudent: I eat {k} apples every day."
    return json.dumps({"prompt": prompt, "response": ANSWER}, ensure_ascii=False)


def test_a_bad_line_after_records_were_stored_imports_nothing(cli, tmp_path: Path) -> None:
    cli("init", "--no-seed")
    first = tmp_path / "first.jsonl"
    first.write_text(_line(-1) + "\n", encoding="utf-8")
    assert cli.json("import", str(first))["samples"] == 1
    before = cli.json("info")["counts"]

    lines = [_line(k) for k in range(2 * CHUNK + 40)]
    lines[CHUNK + 30] = "{not json"
    lines[-3] = json.dumps({"prompt": 1})
    path = tmp_path / "late.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = cli("import", str(path))
    assert code == 1
    assert f"late.jsonl:{CHUNK + 31}: 2 unreadable line(s), nothing imported: line {CHUNK + 31}: not valid JSON" in err
    assert f"line {len(lines) - 2}:" in err
    assert cli.json("info")["counts"] == before  # read again from the disk by a new process

    lines[CHUNK + 30], lines[-3] = _line(10_000), _line(10_001)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = cli.json("import", str(path))
    assert (report["samples"], report["dialogues"], report["duplicates"]) == (len(lines), len(lines), 0)
    counts = cli.json("info")["counts"]
    assert counts["dialogues"] == before["dialogues"] + len(lines) and counts["runs"] == before["runs"] + 1
