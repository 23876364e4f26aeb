"""Every dataset format reads back what it writes: a store exported in each format (each style, and
whole dialogues where the format carries weights) lints clean and imports as the same samples, so
exporting the imported store again writes the same bytes. Records a reader does not know are errors
naming the file and line; a chat whose first turn is the student's keeps it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.datafiles.formats import FORMATS

COMBOS = [(name, style, dialogues) for name, fmt in sorted(FORMATS.items())
          for style in (fmt.styles or ("",)) for dialogues in ((False, True) if fmt.weights else (False,))]


def _args(name: str, style: str, dialogues: bool) -> list[str]:
    return ["--format", name, *(["--style", style] if style else []), *(["--dialogues"] if dialogues else [])]


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    from studio.cli import main

    ws = tmp_path_factory.mktemp("gen") / "ws"
    assert main(["--workspace", str(ws), "init"]) == 0
    config = ws / "config.toml"  # no simulated slips: every teacher turn is a sample
    config.write_text(config.read_text(encoding="utf-8").replace(
        'model = "offline-simulator"\n', 'model = "offline-simulator"\nerror_rate = 0\n', 1), encoding="utf-8")
    assert main(["--workspace", str(ws), "generate", "-n", "6", "--seed", "7", "--json"]) == 0
    return ws


def test_every_format_is_covered() -> None:
    assert {c[0] for c in COMBOS} == {"qianfan", "openai", "llamafactory", "alpaca"}
    assert ("openai", "", True) in COMBOS and ("llamafactory", "sharegpt", False) in COMBOS


@pytest.mark.parametrize("name,style,dialogues", COMBOS, ids=["-".join(filter(None, (n, s, "dialogues" * d)))
                                                               for n, s, d in COMBOS])
def test_export_lint_import_export_again_is_the_same(cli, generated, tmp_path, name, style, dialogues) -> None:
    cli.ws = generated
    first = cli.json("export", "--out", str(tmp_path / "a"), *_args(name, style, dialogues))
    samples = first["preflight"]["samples"]
    train = tmp_path / "a" / "train.jsonl"
    assert samples == 24 and train.read_text(encoding="utf-8").count("\n") == (6 if dialogues else 24)

    code, out, _ = cli("lint", str(train), "--json")
    lint = json.loads(out)
    assert code == 0 and lint["unreadable"] == [] and lint["summary"]["records"] == samples

    cli.ws = tmp_path / "fresh"
    assert cli("init", "--no-seed")[0] == 0
    imported = cli.json("import", str(train))
    assert (imported["samples"], imported["dialogues"], imported["failing"], imported["duplicates"]) == (24, 6, 0, 0)

    again = cli.json("export", "--out", str(tmp_path / "b"), *_args(name, style, dialogues))
    assert again["preflight"]["samples"] == samples
    assert (tmp_path / "b" / "train.jsonl").read_bytes() == train.read_bytes()
    if name == "llamafactory":
        info = json.loads((tmp_path / "b" / "dataset_info.json").read_text(encoding="utf-8"))
        assert info["kouyu_train"]["file_name"] == "train.jsonl"


def test_training_reads_every_export_as_the_same_rows(cli, generated, tmp_path) -> None:
    from studio.train.data import qianfan_lines, read_rows

    cli.ws = generated
    rows = {}
    for combo in COMBOS:
        out = tmp_path / "-".join(map(str, combo))
        cli.json("export", "--out", str(out), *_args(*combo))
        rows[combo] = read_rows(out / "train.jsonl")
    per_turn = [r for combo, r in rows.items() if not combo[2]]
    assert len(per_turn[0]) == 24 and all(r == per_turn[0] for r in per_turn)
    assert [m["role"] for m in per_turn[0][0]["messages"]] == ["user", "assistant"]
    (whole,) = [r for combo, r in rows.items() if combo[2]]
    learned = [m["content"] for r in whole for m in r["messages"] if m["role"] == "assistant" and m["weight"] == 1]
    assert len(whole) == 6 and learned == [r["messages"][-1]["content"] for r in per_turn[0]]
    qianfan = tmp_path / "-".join(map(str, ("qianfan", "", False))) / "train.jsonl"
    assert qianfan_lines(per_turn[0]) == [json.loads(t) for t in qianfan.read_text(encoding="utf-8").splitlines()]


def test_an_unknown_format_name_lists_the_known_ones(cli, generated) -> None:
    from studio.datafiles.formats import by_name

    with pytest.raises(ValueError, match=r"^unknown dataset format 'csv' \(known: alpaca, llamafactory, openai, "
                                         r"qianfan\)$"):
        by_name("csv")
    cli.ws = generated
    code, _, err = cli("export", "--format", "qianfan", "--style", "sharegpt", "--dry-run")
    assert code == 1 and "--style applies to --format llamafactory only" in err
    code, _, err = cli("export", "--format", "alpaca", "--dialogues", "--dry-run")
    assert code == 1 and "--dialogues applies to --format openai only" in err


ANSWER = json.dumps({"Reply": "Nice! What did you eat?", "Suggestion": ["I ate rice.", "I had noodles.", "I ate fish."],
                     "Analysis": "回答完整，表达清楚。"}, ensure_ascii=False)
TOPIC = "两位同学讨论午饭吃了什么。"


def _write(path: Path, *rows: object) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("row,problem", [
    ({"text": "hello"}, "a record of no known format (an object with 'text'); expected alpaca:"),
    ({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": ANSWER}], "id": 3},
     "unknown field 'id' in an OpenAI chat record"),
    ({"messages": [{"role": "user", "content": "hi"}, {"role": "tool", "content": "x"}]},
     "message 2: role must be system, user or assistant, got 'tool'"),
    ({"conversations": [{"from": "human", "value": "hi"}, {"from": "observation", "value": "x"}]},
     "conversation turn 2: 'from' must be human, gpt or system"),
    ({"conversations": [{"from": ["human"], "value": "hi"}]}, "conversation turn 1: 'from' must be human, gpt or system"),
    ({"messages": [{"role": ["user"], "content": "hi"}]}, "message 1: role must be system, user or assistant"),
    ({"instruction": "hi", "output": ANSWER, "history": "none"}, "'history' must be a list of [instruction, output]"),
    ({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": ANSWER},
                   {"role": "user", "content": "and then?"}]},
     "the chat ends with a user message that no assistant answers"),
    ([], "an empty list: no prompt/response turns"),
])
def test_a_record_a_reader_does_not_know_is_an_error_naming_file_and_line(cli, tmp_path, row, problem) -> None:
    good = {"messages": [{"role": "user", "content": "I ate noodles."}, {"role": "assistant", "content": ANSWER}]}
    path = _write(tmp_path / "odd.jsonl", good, row)
    code, out, _ = cli("lint", str(path))
    assert code == 1 and f"{path}:2: unreadable: {problem}" in out
    assert cli("init", "--no-seed")[0] == 0
    code, _, err = cli("import", str(path))
    assert code == 1 and "odd.jsonl:2: 1 unreadable line(s), nothing imported: line 2: " + problem in err
    assert cli.json("info")["counts"]["dialogues"] == 0


def test_a_chat_that_opens_with_the_student_keeps_the_student_turn(cli, tmp_path) -> None:
    later = json.dumps({"Reply": "Sounds tasty! Do you cook?", "Suggestion": ["Yes, I do.", "Sometimes.", "No, never."],
                        "Analysis": "句子正确。"}, ensure_ascii=False)
    chat = {"messages": [{"role": "system", "content": f"你是英语老师。\n[主题介绍]\n{TOPIC}"},
                         {"role": "user", "content": "I ate noodles for lunch today."},
                         {"role": "assistant", "content": ANSWER},
                         {"role": "user", "content": "My mother made them at home."},
                         {"role": "assistant", "content": later}]}
    path = _write(tmp_path / "lesson.jsonl", chat)
    records = json.loads(cli("lint", str(path), "--json")[1])["records"]
    assert [r["kind"] for r in records] == ["reply", "reply"]
    assert cli("init", "--no-seed")[0] == 0
    report = cli.json("import", str(path))
    assert (report["samples"], report["dialogues"]) == (2, 1)
    from studio.workspace import open_workspace

    ws = open_workspace(cli.ws)
    try:
        (d,) = ws.store.dialogues.all()
        assert [t.role for t in d.turns] == ["student", "teacher", "student", "teacher"]
        assert d.turns[0].text == "I ate noodles for lunch today." and d.turns[1].raw == ANSWER
    finally:
        ws.close()
    # exported again as a whole dialogue it starts with the student's words, not the opening cue
    out = tmp_path / "again"
    cli.json("export", "--format", "openai", "--dialogues", "--review", "all", "--out", str(out))
    (line,) = [json.loads(t) for t in (out / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [m["role"] for m in line["messages"]] == ["system", "user", "assistant", "user", "assistant"]
    assert line["messages"][1]["content"] == "I ate noodles for lunch today."


def test_whole_dialogues_render_a_template_with_the_topic_on_its_heading_line(cli, generated, tmp_path) -> None:
    """A workspace template that writes ``[主题介绍] {topic}`` on one line is rendered, never split:
    no placeholder reaches the data."""
    import shutil

    from studio.resources import data_file

    ws = tmp_path / "ws"
    shutil.copytree(generated, ws)
    shipped = data_file("prompts/teacher_reply.txt").read_text(encoding="utf-8")
    assert "[主题介绍]\n{topic}" in shipped
    (ws / "prompts").mkdir(exist_ok=True)
    (ws / "prompts" / "teacher_reply.txt").write_text(shipped.replace("[主题介绍]\n{topic}", "[主题介绍] {topic}"),
                                                     encoding="utf-8")
    cli.ws = ws
    cli.json("export", "--format", "openai", "--dialogues", "--out", str(tmp_path / "d"))
    text = (tmp_path / "d" / "train.jsonl").read_text(encoding="utf-8")
    assert "{" + "topic}" not in text and "{" + "chat}" not in text and "{" + "topic_name}" not in text
    topics = {t["id"]: t["text"] for t in cli.json("topics", "list")["topics"]}
    for row in map(json.loads, text.splitlines()):
        system = row["messages"][0]["content"]
        assert any(f"[主题介绍] {t}\n" in system for t in topics.values()), system[-200:]
        assert "您跑题了，我们现在讨论的是关于" in system and "## 输出格式" in system
    code, out, _ = cli("lint", str(tmp_path / "d" / "train.jsonl"), "--json")
    assert code == 0 and json.loads(out)["summary"]["records"] == 24
    # and it reads back whole: the same topics and samples, written again byte for byte
    cli.ws = tmp_path / "fresh"
    assert cli("init", "--no-seed")[0] == 0
    shutil.copytree(ws / "prompts", cli.ws / "prompts", dirs_exist_ok=True)
    imported = cli.json("import", str(tmp_path / "d" / "train.jsonl"))
    assert (imported["samples"], imported["dialogues"], imported["failing"]) == (24, 6, 0)
    used = {json.loads(t)["messages"][0]["content"] for t in text.splitlines()}
    assert {t["text"] for t in cli.json("topics", "list")["topics"]} == {t for t in topics.values()
                                                                        if any(t in u for u in used)}
    cli.json("export", "--format", "openai", "--dialogues", "--out", str(tmp_path / "again"))
    assert (tmp_path / "again" / "train.jsonl").read_text(encoding="utf-8") == text


def test_a_multi_turn_line_of_every_shape_reads_as_one_dialogue(cli, tmp_path) -> None:
    later = json.dumps({"Reply": "Sounds tasty! Do you cook?", "Suggestion": ["Yes, I do.", "Sometimes.", "No, never."],
                        "Analysis": "句子正确。"}, ensure_ascii=False)
    system = f"你是英语老师。\n[主题介绍]\n{TOPIC}"

    def said(n: int) -> tuple[str, str]:
        return f"I ate noodles for lunch {n} times this week.", f"My mother made them {n} times."

    rows = [
        {"messages": [{"role": "system", "content": system}, {"role": "user", "content": said(1)[0]},
                      {"role": "assistant", "content": ANSWER}, {"role": "user", "content": said(1)[1]},
                      {"role": "assistant", "content": later}]},
        {"system": system, "conversations": [{"from": "human", "value": said(2)[0]}, {"from": "gpt", "value": ANSWER},
                                             {"from": "human", "value": said(2)[1]}, {"from": "gpt", "value": later}]},
        {"system": system, "instruction": said(3)[1], "input": "", "output": later, "history": [[said(3)[0], ANSWER]]},
        [{"prompt": said(4)[0], "response": [[ANSWER]]}, {"prompt": said(4)[1], "response": [[later]]}],
    ]
    path = _write(tmp_path / "multi.jsonl", *rows)
    records = json.loads(cli("lint", str(path), "--json")[1])["records"]
    assert [(r["line"], r["kind"]) for r in records] == [(n, "reply") for n in (1, 1, 2, 2, 3, 3, 4, 4)]
    assert cli("init", "--no-seed")[0] == 0
    report = cli.json("import", str(path))
    assert (report["samples"], report["dialogues"], report["duplicates"]) == (8, 4, 0)
    from studio.workspace import open_workspace

    ws = open_workspace(cli.ws)
    try:
        dialogues = sorted(ws.store.dialogues.all(), key=lambda d: d.index)
        assert [[t.role for t in d.turns] for d in dialogues] == [["student", "teacher"] * 2] * 4
        assert [d.turns[2].text for d in dialogues] == [said(n)[1] for n in (1, 2, 3, 4)]
    finally:
        ws.close()
