from __future__ import annotations

import json

from studio.domain.layout import format_history
from studio.turn.prompts import Prompts

PROMPTS = Prompts()
TOPIC = "两位朋友计划周末去郊外徒步，讨论路线、装备和安全注意事项。"
GOOD = {"Reply": "Great! What do you usually pack for a trip?",
        "Suggestion": ["I always pack a map and water.", "I bring a warm jacket.", "I take my camera."],
        "Analysis": "你的回答很完整，\"went hiking\" 用得很好。可以再补充一些细节。"}
OPENING = {"Reply": "Hi! Where would you like to go hiking?",
           "Suggestion": ["I want to go to the mountains.", "I like the lake near my city.", "I prefer the forest park."]}


def reply_prompt(student: str) -> str:
    history = [("teacher", OPENING["Reply"]), ("student", student)]
    return PROMPTS.render("teacher_reply", topic=TOPIC, title="徒步", chat=format_history(history))


def dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)


def write_qianfan(tmp_path):
    lines = [
        dump({"prompt": PROMPTS.render("teacher_opening", topic=TOPIC), "response": dump(OPENING)}),
        dump({"prompt": reply_prompt("I went hiking with my friends last weekend."), "response": [[dump(GOOD)]]}),
        dump([{"prompt": reply_prompt("我不知道。"), "response": [[dump({**GOOD, "Analysis": "回答很好，非常流畅。"})]]}]),
        "{broken json",
        "",
        dump({"prompt": reply_prompt("I not know the word."), "response": dump(GOOD) + "\nstudent: ok"}),
        dump({"prompt": "x"}),
    ]
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_lint_qianfan_file_json(cli, tmp_path) -> None:
    path = write_qianfan(tmp_path)
    code, out, _ = cli("lint", str(path), "--json")
    assert code == 1
    data = json.loads(out)
    records = {r["line"]: r for r in data["records"]}
    assert records[1]["kind"] == "opening" and records[1]["checks"] == [] and records[1]["compliance"] == 3
    assert records[2]["checks"] == []
    assert {c["id"] for c in records[3]["checks"]} == {"fault.language", "fault.praised_error"}
    assert {c["id"] for c in records[6]["checks"]} >= {"format.json", "fault.uncorrected"}
    assert records[6]["compliance"] == 1
    assert data["unreadable"] == [{"line": 4, "problem": data["unreadable"][0]["problem"]},
                                  {"line": 7, "problem": "item 1: expected an object with 'prompt' and 'response'"}]
    assert "not valid JSON" in data["unreadable"][0]["problem"]
    summary = data["summary"]
    assert (summary["records"], summary["passed"], summary["unreadable"]) == (4, 2, 2)
    assert summary["by_check"]["fault.language"] == 1 and summary["by_compliance"] == {"1": 1, "2": 0, "3": 3}


def test_lint_text_output_names_lines(cli, tmp_path) -> None:
    path = write_qianfan(tmp_path)
    code, out, _ = cli("lint", str(path))
    assert code == 1
    assert f"{path}:4: unreadable: not valid JSON" in out
    assert f"{path}:3 #2 fault.language (error)" in out
    assert "4 teacher turns: 2 pass, 2 fail; 2 unreadable lines" in out


def test_lint_openai_chat_file(cli, tmp_path) -> None:
    chat = {"messages": [
        {"role": "system", "content": f"You are an English teacher.\n[主题介绍]\n{TOPIC}"},
        {"role": "user", "content": "[开场白]"},
        {"role": "assistant", "content": dump(OPENING)},
        {"role": "user", "content": "I go to park yesterday."},
        {"role": "assistant", "content": dump(GOOD)},
    ]}
    path = tmp_path / "chat.jsonl"
    path.write_text(dump(chat) + "\n", encoding="utf-8")
    data = json.loads(cli("lint", str(path), "--json")[1])
    first, second = data["records"]
    assert first["kind"] == "opening" and first["checks"] == []
    assert second["kind"] == "reply" and [c["id"] for c in second["checks"]] == ["fault.uncorrected"]


def test_lint_clean_file_exits_0(cli, tmp_path) -> None:
    path = tmp_path / "ok.jsonl"
    path.write_text(dump({"prompt": reply_prompt("I went hiking with my friends."), "response": dump(GOOD)}) + "\n", encoding="utf-8")
    code, out, _ = cli("lint", str(path))
    assert code == 0 and "1 teacher turns: 1 pass, 0 fail" in out


def test_lint_pretty_json_array(cli, tmp_path) -> None:
    path = tmp_path / "array.json"
    path.write_text(json.dumps([{"prompt": reply_prompt("I went hiking."), "response": dump(GOOD)}] * 2,
                               ensure_ascii=False, indent=2), encoding="utf-8")
    data = json.loads(cli("lint", str(path), "--json")[1])
    assert data["summary"]["records"] == 2


def test_lint_with_the_offline_judge(ready_cli, tmp_path) -> None:
    path = write_qianfan(tmp_path)
    data = json.loads(ready_cli("lint", str(path), "--json", "--judge", "offline")[1])
    judged = {r["line"]: r["judge"] for r in data["records"]}
    assert judged[2]["analysis"] == 3 and judged[3]["analysis"] == 1 and judged[6]["compliance"] == 1
    assert "离线模拟评分" in judged[2]["reason"]


def test_lint_missing_file(cli, tmp_path) -> None:
    code, _, err = cli("lint", str(tmp_path / "none.jsonl"))
    assert code == 1 and "none.jsonl: no such file" in err


def test_lint_reads_a_file_in_another_encoding_as_an_error(cli, tmp_path) -> None:
    path = tmp_path / "gbk.jsonl"
    path.write_bytes(dump({"prompt": "你好", "response": "好"}).encode("gbk"))
    code, _, err = cli("lint", str(path))
    assert code == 1 and "gbk.jsonl:1: not UTF-8 text" in err


def test_reading_ahead_keeps_every_line_in_order_with_its_own_verdict(tmp_path, monkeypatch):
    from studio.datafiles.dataset_reader import BadLine
    from studio.evaluate import lint

    path = write_qianfan(tmp_path)
    at_once = [(x.line, x.problem) if isinstance(x, BadLine) else (x.record.line, [r.id for r in x.check.results])
                  for x in lint.lint_file(path)]
    monkeypatch.setattr(lint, "READ_AHEAD", 2)  # chunks end between a record and a bad line
    chunked = [(x.line, x.problem) if isinstance(x, BadLine) else (x.record.line, [r.id for r in x.check.results])
               for x in lint.lint_file(path)]
    assert chunked == at_once and len(chunked) >= 6
    assert [x[0] for x in chunked] == sorted(x[0] for x in chunked)
