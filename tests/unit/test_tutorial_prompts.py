"""The default prompts carry the tutorial's contract; rule 5 names the topic in Chinese."""

from __future__ import annotations

import json

import pytest

from studio.cli import main
from studio.domain import Dialogue, FaultKind, StudentTurn, TeacherTurn, Topic, TurnKind
from studio.turn.context import context_at, name_from_text, render_teacher_prompt, topic_name_zh
from studio.turn.prompts import TUTORIAL_NAMES, Prompts, tutorial_template

RULE_4 = "如果对方表达不完整，你需要理解要表达的话术与上下文的关系，并且应该告诉用户应该怎么表达"
RULE_5 = "不管对方提出什么样的问题，什么样的话术，只要不符合[主题介绍]的内容，则直接返回\"您跑题了，我们现在讨论的是关于"


def test_teacher_reply_has_the_tutorial_rules_and_dimensions() -> None:
    text = Prompts().template("teacher_reply")
    for needle in (RULE_4, RULE_5, "请尝试使用英语回答", "语句完整性", "【不要解释Reply和Suggestion的内容】",
                   "【不要翻译学生说的话】", "必须使用简短话术，单词数量小于等于30个，用高中水平的词汇",
                   "聊天内容必须避免敏感内容和话题", "## 输出格式", "## 对话要求"):
        assert needle in text, needle
    tutorial = tutorial_template("teacher_reply")
    assert RULE_4.replace("，", ",", 1) in tutorial and "[主题名称]" in tutorial  # the reference is verbatim


def test_short_student_may_make_errors_and_not_know_words() -> None:
    text = Prompts().template("student_short")
    assert "可以有语法和拼写错误" in text and "不超过10个单词" in text and "可以表示不认识那个单词" in text


@pytest.mark.parametrize(("text", "name"), [
    ("两位同学对一场激动人心的篮球比赛进行回顾和分析。", "激动人心的篮球比赛"),
    ("两位朋友在户外徒步时，一人询问另一人的生日，引发了关于生日当天的活动的对话。", "生日当天的活动"),
    ("两位高中生讨论作业和即将到来的期末考试的准备情况。", "期末考试的准备情况"),
    ("一家人在周日早上商量如何分配家务，孩子想争取更多的自由时间。", "如何分配家务"),
])
def test_chinese_name_from_the_topic_text(text: str, name: str) -> None:
    assert name_from_text(text) == name
    assert topic_name_zh(Topic(text=text, title="Some English title")) == name


def test_rendered_reply_prompt_names_the_topic_in_chinese() -> None:
    topic = Topic(text="一家人在周日早上商量如何分配家务，孩子想争取更多的自由时间。", title="Sharing housework")
    d = Dialogue(topic_id=topic.id, run_id="r", turns=[
        TeacherTurn(kind=TurnKind.OPENING, raw="{}"),
        StudentTurn(text="I wash the dishes.", intended_fault=FaultKind.NORMAL)])
    prompt = render_teacher_prompt(Prompts(), context_at(d, topic, 2))
    assert "我们现在讨论的是关于如何分配家务的内容" in prompt
    assert "Sharing housework" not in prompt
    named = Topic(text=topic.text, title="Sharing housework", name_zh="分担家务")
    assert "我们现在讨论的是关于分担家务的内容" in render_teacher_prompt(Prompts(), context_at(d, named, 2))


def test_an_older_workspace_template_with_title_still_renders(tmp_path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "teacher_reply.txt").write_text("关于{title}的内容\n[主题介绍]\n{topic}\n[对话历史]\n{chat}",
                                                             encoding="utf-8")
    out = Prompts(tmp_path).render("teacher_reply", topic="t", topic_name="家务", chat="")
    assert out.startswith("关于家务的内容")


def test_prompts_diff_shows_the_workspace_against_the_tutorial(tmp_path, capsys) -> None:
    assert main(["--workspace", str(tmp_path / "ws"), "init"]) == 0
    capsys.readouterr()
    assert main(["--workspace", str(tmp_path / "ws"), "prompts", "diff", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == set(TUTORIAL_NAMES)
    assert "+5. 不管对方" in rows["teacher_reply"]["diff"] and "[主题名称]" in rows["teacher_reply"]["diff"]
    own = tmp_path / "ws" / "prompts"
    own.mkdir(exist_ok=True)
    (own / "student_short.txt").write_text(tutorial_template("student_short"), encoding="utf-8")
    assert main(["--workspace", str(tmp_path / "ws"), "prompts", "diff", "--stat", "student_short"]) == 0
    line = capsys.readouterr().out
    assert "identical" in line and str(own / "student_short.txt") in line
    assert main(["--workspace", str(tmp_path / "ws"), "prompts", "diff", "judge"]) == 1
    assert "no tutorial prompt named 'judge'" in capsys.readouterr().err
