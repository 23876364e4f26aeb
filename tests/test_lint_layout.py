"""`studio lint` says when it cannot find a record's topic or dialogue, instead of judging the whole
prompt as what the student said."""

from __future__ import annotations

import json

from studio.domain.layout import format_history
from studio.turn.prompts import Prompts

PROMPTS = Prompts()
TOPIC = "两位朋友计划周末去郊外徒步，讨论路线、装备和安全注意事项。"
HISTORY = [("teacher", "Hi! Where would you like to go hiking?"), ("student", "I went to the mountains with my friends.")]
GOOD = {"Reply": "Great! What do you usually pack for a trip?",
        "Suggestion": ["I always pack a map and water.", "I bring a warm jacket.", "I take my camera."],
        "Analysis": "你的回答很完整，\"went to the mountains\" 用得很好。可以再补充一些细节。"}


def reply_prompt() -> str:
    return PROMPTS.render("teacher_reply", topic=TOPIC, topic_name="周末徒步", chat=format_history(HISTORY))


def write(tmp_path, *prompts: str, response: dict | None = None):
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps({"prompt": p, "response": json.dumps(response or GOOD, ensure_ascii=False)},
                                       ensure_ascii=False) + "\n" for p in prompts), encoding="utf-8")
    return path


def test_a_renamed_topic_heading_is_said_not_judged_as_the_students_words(cli, tmp_path) -> None:
    renamed = reply_prompt().replace("[主题介绍]", "【主题介绍】").replace("[对话历史]", "【对话历史】")
    path = write(tmp_path, reply_prompt(), renamed)
    code, out, _ = cli("lint", str(path), "--json")
    assert code == 1
    data = json.loads(out)
    good, unread = data["records"]
    assert good["checks"] == [] and "layout" not in good
    assert unread["layout"] == ("prompt layout not recognised (line 2): no topic (a [主题介绍] section); "
                                "headings seen: 【主题介绍】, 【对话历史】")
    # the whole Chinese prompt is not taken for the student's answer: no fault is claimed of it
    assert not [c for c in unread["checks"] if c["id"].startswith("fault.")], unread["checks"]
    summary = data["summary"]
    assert (summary["records"], summary["passed"], summary["unrecognised"]) == (2, 1, 1)
    assert sum(f["records"] for f in summary["by_fault"].values()) == 1  # counted under no fault kind
    code, out, _ = cli("lint", str(path))
    assert f"{path}:2 #1 prompt layout not recognised (line 2): no topic" in out
    assert "2 teacher turns: 1 pass, 1 fail; 0 unreadable lines; 1 with a prompt layout not recognised" in out


def test_a_reply_whose_dialogue_is_not_found_is_said(cli, tmp_path) -> None:
    path = write(tmp_path, reply_prompt().replace("[对话历史]", "Dialogue so far:"))
    data = json.loads(cli("lint", str(path), "--json")[1])
    (record,) = data["records"]
    assert record["layout"].startswith("prompt layout not recognised (line 1): no student turn to answer "
                                       "(a [对话历史] section of 'student: …' lines")
    assert "headings seen: [主题介绍]" in record["layout"]


def test_a_bare_sentence_for_a_prompt_is_not_a_layout(cli, tmp_path) -> None:
    path = write(tmp_path, "我不知道怎么说。", response={**GOOD, "Analysis": "回答很好，非常流畅。"})
    data = json.loads(cli("lint", str(path), "--json")[1])
    (record,) = data["records"]
    assert record["layout"] == ("prompt layout not recognised (line 1): no topic (a [主题介绍] section); "
                                "no section headings in it")
    assert "fault.language" not in {c["id"] for c in record["checks"]}


def test_a_topic_written_on_its_heading_line_is_read(cli, tmp_path) -> None:
    inline = reply_prompt().replace("[主题介绍]\n", "[主题介绍] ")
    assert f"[主题介绍] {TOPIC}" in inline
    data = json.loads(cli("lint", str(write(tmp_path, inline)), "--json")[1])
    assert data["summary"]["passed"] == 1 and "layout" not in data["records"][0]


def test_a_chat_with_no_topic_anywhere_is_said(cli, tmp_path) -> None:
    chat = {"messages": [{"role": "system", "content": "You are an English teacher."},
                         {"role": "user", "content": "Let's start."},
                         {"role": "assistant", "content": json.dumps({"Reply": "Hi! Where shall we go?",
                                                                      "Suggestion": GOOD["Suggestion"]})},
                         {"role": "user", "content": "I went to the mountains with my friends."},
                         {"role": "assistant", "content": json.dumps(GOOD, ensure_ascii=False)}]}
    path = tmp_path / "chat.jsonl"
    path.write_text(json.dumps(chat, ensure_ascii=False) + "\n", encoding="utf-8")
    data = json.loads(cli("lint", str(path), "--json")[1])
    assert [r["layout"].split(": ", 1)[1] for r in data["records"]] == ["no topic (a [主题介绍] section); "
                                                                       "no section headings in it"] * 2


def test_the_judge_skips_what_it_has_no_dialogue_for(ready_cli, tmp_path) -> None:
    path = write(tmp_path, reply_prompt(), reply_prompt().replace("[主题介绍]", "【主题介绍】"))
    data = json.loads(ready_cli("lint", str(path), "--json", "--judge", "offline")[1])
    good, unread = data["records"]
    assert "judge" in good and "judge" not in unread and "layout" in unread
