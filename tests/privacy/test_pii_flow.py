"""Personal data in an imported transcript: replaced on import (and counted, by line), kept with
--keep-pii, and in neither case written by an export; lint names it; a topic file's too."""

from __future__ import annotations

import json
import re
from pathlib import Path

from studio.domain import TeacherTurn
from studio.workspace import open_workspace

# What a real lesson's student turn may carry, and each piece's kind.
SAID = ("My name is Emily Chen, call me at 138-1111-2222. 我叫王小明，QQ是382910475，微信号：lily_2009，"
        "身份证110105200903150026，我在北京市第四中学读高一，家住朝阳区建国路88号。")
PIECES = {"Emily Chen": "name", "138-1111-2222": "phone", "王小明": "name", "382910475": "qq", "lily_2009": "wechat",
          "110105200903150026": "id_card", "北京市第四中学": "school", "朝阳区建国路88号": "address"}


def transcript(cli, tmp_path: Path) -> Path:
    """The studio's own export, its first student turn replaced by ``SAID`` (a lesson as recorded)."""
    assert cli("init")[0] == 0
    assert cli("generate", "-n", "2", "--seed", "4")[0] == 0
    out = tmp_path / "made"
    assert cli("export", "--format", "openai", "--review", "all", "--out", str(out))[0] == 0
    rows = [json.loads(line) for line in (out / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    changed = 0
    for row in rows:
        for m in row["messages"]:
            if m["role"] == "user" and "\nstudent: " in m["content"]:
                head, _, tail = m["content"].rpartition("\nstudent: ")
                m["content"] = head + "\nstudent: " + SAID + "\n" + tail.partition("\n")[2]
                changed += 1
    assert changed
    path = tmp_path / "lesson.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def exported_text(cli, tmp_path: Path, name: str) -> str:
    out = tmp_path / name
    code, _, err = cli("export", "--format", "qianfan", "--review", "all", "--out", str(out))
    assert code == 0, err
    return "".join(f.read_text(encoding="utf-8") for f in sorted(out.iterdir()))


def stored_text(ws_path: Path) -> str:
    with open_workspace(ws_path) as ws:
        return json.dumps([d.model_dump(mode="json") for d in ws.store.dialogues.all()], ensure_ascii=False)


def test_an_imported_transcript_is_stored_and_exported_without_its_personal_data(cli, tmp_path) -> None:
    lesson = transcript(cli, tmp_path)
    cli.ws = tmp_path / "other"
    assert cli("init")[0] == 0
    data = cli.json("import", str(lesson), "--no-judge")
    assert data["pii"]["kept"] is False
    assert set(data["pii"]["by_kind"]) == set(PIECES.values())
    assert data["pii"]["lines"] and all(set(r["kinds"]) <= set(PIECES.values()) for r in data["pii"]["lines"])
    stored = stored_text(cli.ws)
    assert "[姓名]" in stored and "[电话]" in stored and "[地址]" in stored
    for piece in PIECES:
        assert piece not in stored, piece
    exported = exported_text(cli, tmp_path, "out")
    assert "[姓名]" in exported
    for piece in PIECES:
        assert piece not in exported, piece


def test_keep_pii_keeps_it_in_the_store_but_no_export_carries_it(cli, capsys, tmp_path) -> None:
    lesson = transcript(cli, tmp_path)
    cli.ws = tmp_path / "kept"
    assert cli("init")[0] == 0
    code, out, err = cli("import", str(lesson), "--no-judge", "--keep-pii")
    assert code == 0 and "personal data" not in err
    assert all(piece in stored_text(cli.ws) for piece in PIECES)
    code, out, err = cli("export", "--format", "openai", "--review", "all", "--out", str(tmp_path / "out"), "--json")
    assert code == 0, err
    snapshot = json.loads(out)["snapshot"]
    assert {k for k in snapshot["counts"] if k.startswith("pii.")} == {f"pii.{k}" for k in PIECES.values()}
    written = "".join(Path(f).read_text(encoding="utf-8") for f in snapshot["files"])
    for piece in PIECES:
        assert piece not in written, piece


def test_the_import_names_each_line_and_kind(cli, tmp_path) -> None:
    lesson = transcript(cli, tmp_path)
    cli.ws = tmp_path / "other"
    assert cli("init")[0] == 0
    code, _, err = cli("import", str(lesson), "--no-judge")
    assert code == 0
    assert "personal data replaced by placeholders" in err and re.search(rf"{re.escape(str(lesson))}:\d+: ", err)
    assert "phone number" in err and "QQ number" in err and "street address" in err


def test_lint_names_personal_data_and_fails(cli, tmp_path) -> None:
    lesson = transcript(cli, tmp_path)
    code, out, _ = cli("lint", str(lesson))
    assert code == 1
    assert f"{lesson}:1 #0 pii: personal data:" in out or " pii: personal data:" in out
    assert "with personal data" in out
    data = json.loads(cli("lint", str(lesson), "--json")[1])
    assert data["summary"]["pii"]["records"] >= 1
    assert set(data["summary"]["pii"]["by_kind"]) == set(PIECES.values())
    flagged = [r for r in data["records"] if r.get("pii")]
    assert flagged and {p["field"] for r in flagged for p in r["pii"]} <= {"prompt", "system", "history", "answer"}


def test_the_studios_own_export_lints_without_personal_data(cli, tmp_path) -> None:
    assert cli("init")[0] == 0
    assert cli("generate", "-n", "4", "--seed", "2")[0] == 0
    out = tmp_path / "made"
    assert cli("export", "--format", "qianfan", "--review", "all", "--out", str(out))[0] == 0
    data = json.loads(cli("lint", str(out / "train.jsonl"), "--json")[1])
    assert data["summary"]["pii"] == {"records": 0, "by_kind": {}}


def test_a_topic_file_is_imported_without_personal_data(cli, tmp_path) -> None:
    assert cli("init")[0] == 0
    topics = tmp_path / "topics.txt"
    topics.write_text("王浩然同学和同桌讨论周末去图书馆借书，他的电话是13912345678。\n"
                      "学生介绍自己的学校北京市第四中学和学校的社团活动。\n", encoding="utf-8")
    data = cli.json("topics", "import", str(topics))
    assert data["pii"]["by_kind"] == {"name": 1, "phone": 1, "school": 1}
    assert [r["line"] for r in data["pii"]["lines"]] == [1, 2]
    listed = json.dumps(cli.json("topics", "list"), ensure_ascii=False)
    assert "王浩然" not in listed and "13912345678" not in listed and "北京市第四中学" not in listed
    assert "[姓名]同学和同桌" in listed


def test_redacted_turns_keep_their_checks_readable(cli, tmp_path) -> None:
    lesson = transcript(cli, tmp_path)
    cli.ws = tmp_path / "other"
    assert cli("init")[0] == 0
    assert cli("import", str(lesson), "--no-judge")[0] == 0
    with open_workspace(cli.ws) as ws:
        teachers = [t for d in ws.store.dialogues.all() for t in d.turns if isinstance(t, TeacherTurn) and t.train_weight]
    assert teachers and all(t.parsed is not None for t in teachers)
