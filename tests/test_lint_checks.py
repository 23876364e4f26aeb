"""Teacher answers that are right by the contract pass `studio lint`, and the ones that are wrong fail
it, read from ``--json``: a Chinese Analysis may quote English with or without quotation marks, an
empty Reply fails, a Why question answered with a wish or a person's request is answered."""

from __future__ import annotations

import json

import pytest

from tests.test_lint import GOOD, OPENING, PROMPTS, TOPIC, dump, reply_prompt

STUDENT = "I went hiking with my friends last weekend."


def lint(cli, tmp_path, *answers: dict, opening: bool = False) -> list[set[str]]:
    """The failed check ids of each answer, linted as a qianfan file (a reply to ``STUDENT``, or an opening)."""
    prompt = PROMPTS.render("teacher_opening", topic=TOPIC) if opening else reply_prompt(STUDENT)
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(dump({"prompt": prompt, "response": dump(a)}) + "\n" for a in answers), encoding="utf-8")
    _, out, _ = cli("lint", str(path), "--json")
    records = json.loads(out)["records"]
    assert len(records) == len(answers)
    return [{c["id"] for c in r["checks"]} for r in records]


@pytest.mark.parametrize("analysis", [
    "你用了 went hiking with my friends，这个表达很好，last weekend 也用得对。",
    "went hiking with my friends last weekend 这句话很完整，时态正确。",
    "I went hiking with my friends last weekend 意思清楚，可以再说说你们去了哪里。",
    "句子完整。注意：went 是 go 的过去式，with my friends 放在句末很自然。",
    "你说 I went hiking，很好；也可以说 I went on a hike with my friends。",
])
def test_a_chinese_analysis_quoting_english_without_quotation_marks_passes(cli, tmp_path, analysis) -> None:
    (failed,) = lint(cli, tmp_path, {**GOOD, "Analysis": analysis})
    assert "analysis.chinese" not in failed, analysis


@pytest.mark.parametrize("analysis", [
    "Good job! Your sentence is correct and complete.",
    "很好! Your sentence is correct, but you should say went instead of go here.",
    "你的回答很好。Your grammar is correct, but you could add where you went. 继续加油！",
])
def test_an_analysis_written_in_english_fails(cli, tmp_path, analysis) -> None:
    (failed,) = lint(cli, tmp_path, {**GOOD, "Analysis": analysis})
    assert "analysis.chinese" in failed, analysis


def test_an_empty_reply_fails_a_check(cli, tmp_path) -> None:
    reply, blank = lint(cli, tmp_path, {**GOOD, "Reply": ""}, {**GOOD, "Reply": "   "})
    assert "reply.words" in reply and "reply.words" in blank
    (opening,) = lint(cli, tmp_path, {**OPENING, "Reply": ""}, opening=True)
    assert "reply.words" in opening


def test_a_why_question_answered_with_a_wish_or_a_request_passes(cli, tmp_path) -> None:
    answered = {**GOOD, "Reply": "Great! Why did you choose to join the hiking club?",
                "Suggestion": ["I want to be more active at weekends.", "My best friend asked me to join.",
                               "Walking in the mountains looks like so much fun."]}
    unanswered = {**answered, "Suggestion": ["The hiking club is a club.", "Do you like hiking, teacher?",
                                             "Hiking club is hiking."]}
    good, bad = lint(cli, tmp_path, answered, unanswered)
    assert "suggestion.answers" not in good
    assert "suggestion.answers" in bad


@pytest.mark.parametrize("analysis", [
    "你告诉老师你周末去徒步了，句子完整。",
    "这句话让老师知道了你的爱好，表达清楚。",
    "你回应了老师的问题，句子完整，表达流畅。",
    "回答很具体，说出了你为什么喜欢徒步。可以试着用 because 连接两个句子。",
    "你提出了一个新问题，问老师去过哪里，但这偏离了话题。",
])
def test_an_analysis_of_the_student_that_names_the_teacher_passes(cli, tmp_path, analysis) -> None:
    (failed,) = lint(cli, tmp_path, {**GOOD, "Analysis": analysis})
    assert "analysis.target" not in failed, analysis


@pytest.mark.parametrize("analysis", [
    "我的回复先回应了学生，再提出新的问题；Suggestion给出了三个参考回答。",
    "我在Reply中肯定了学生的回答，并继续提问，引导学生说得更多。",
    "老师先表扬了学生，然后提出一个新问题，让学生继续谈论徒步。",
])
def test_an_analysis_of_the_teachers_own_move_fails(cli, tmp_path, analysis) -> None:
    (failed,) = lint(cli, tmp_path, {**GOOD, "Analysis": analysis})
    assert "analysis.target" in failed, analysis
