"""Checks that need the words' meaning, through the one verdict: Suggestions that do not answer the
Reply's question or repeat the student; Analyses about the teacher's own move; off-topic students."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from studio.domain import TurnKind
from studio.domain.contract import Student, teacher_talk
from studio.turn.verdict import answer_verdict, judge_answer

DATA = Path(__file__).resolve().parents[1] / "data"


def answer(reply: str, suggestions: list[str], analysis: str = "回答正确，表达自然，没有语法错误。") -> str:
    return json.dumps({"Reply": reply, "Suggestion": suggestions, "Analysis": analysis}, ensure_ascii=False)


def failed(raw: str, student: str | None = "I watched the basketball game with my dad last night.") -> list[str]:
    return answer_verdict(raw, TurnKind.REPLY, Student(student) if student else None).failed


def test_suggestions_about_something_else_do_not_answer_the_replys_question() -> None:
    raw = answer("Sounds fun! What is your favourite food?",
                 ["I like playing basketball.", "I went to the park yesterday.", "My school is very big."])
    assert "suggestion.answers" in failed(raw)
    good = answer("Sounds fun! What is your favourite food?",
                  ["My favourite food is hot pot.", "I love dumplings.", "I really like noodles."])
    assert "suggestion.answers" not in failed(good)


def test_answers_by_form_count_for_yes_no_why_where_and_when_questions() -> None:
    for reply, suggestions in (
        ("Did you enjoy the match?", ["Yes, it was exciting.", "Not really.", "Sure, I loved it."]),
        ("Why do you like it?", ["Because it helps me relax.", "It makes me happy.", "I can meet friends."]),
        ("Where did you go last summer?", ["We went to Yunnan.", "I stayed at home.", "I visited Sanya."]),
        ("When do you usually practise?", ["Every evening after dinner.", "On Sundays.", "Before school."]),
        ("What tip would you give about taking photos in the street?",  # advice said as "my tip is to …"
         ["My tip is to ask people first, before you take their photo, because it is polite.",
          "My tip is to get closer to the people or things you photograph, since small details tell a story.",
          "My tip is to use the morning light because the streets are quiet then."]),
        ("How much does it cost you?",  # a cost of nothing, or not much, is an amount
         ["Almost nothing, because I only need to fix my bike sometimes.",
          "It costs nothing, as I ride my own bike to most places.", "It doesn't cost much, so my parents are happy."]),
        ("How will you get people to come to your stall?",  # a way to make people come: no means of travel asked
         ["I will make a big sign for our stall. Then people can see it from far away.",
          "We will give a small gift with everything we sell.", "We will keep our prices very low."]),
        ("What tip do you hope the older student will give you?",  # the tip hoped for is advice
         ["I'd like a tip about what to eat before running in the morning.",
          "I hope he will tell me to start slowly and not run too fast.",
          "I hope he will tell me how to keep going on cold winter mornings."]),
    ):
        assert "suggestion.answers" not in failed(answer("Nice! " + reply, suggestions)), reply


def test_a_suggestion_that_repeats_the_student() -> None:
    said = "I watched the basketball game with my dad last night."
    raw = answer("Great! Who won the game?", [said, "Our team won by five points.", "The other team won."])
    assert "suggestion.repeat" in failed(raw, said)
    assert "suggestion.repeat" not in failed(answer("Great! Who won the game?",
                                                    ["Our team won.", "They won by two.", "I forgot."]), said)


def test_meaning_checks_are_the_same_for_samples_and_answers() -> None:
    raw = answer("Sounds fun! What is your favourite food?",
                 ["I like playing basketball.", "I went to the park yesterday.", "My school is very big."])
    _, sample = judge_answer(raw, TurnKind.REPLY, None)
    _, strict = judge_answer(raw, TurnKind.REPLY, None, strict=True)
    assert {r.id for r in sample} == {r.id for r in strict} and "suggestion.answers" in {r.id for r in sample}


def test_suggestions_that_answer_nothing_on_the_labelled_sets() -> None:
    """Two labelled sets (80 cases and 60 written apart from the check): question backs, filler, the
    question restated, answers to an earlier question, answers without what the question asks for."""
    for name, recall in (("suggestion_answers_cases.json", 0.8), ("suggestion_answers_holdout.json", 0.7)):
        cases = json.loads((DATA / name).read_text(encoding="utf-8"))
        flags = [("suggestion.answers" in failed(answer(c["reply"], c["suggestions"]), None), not c["answers"])
                 for c in cases]
        caught = sum(f and bad for f, bad in flags)
        wrong = sum(f and not bad for f, bad in flags)
        assert caught / sum(bad for _, bad in flags) >= recall, name
        assert wrong <= 0.05 * sum(not bad for _, bad in flags), f"{name}: answering Suggestions flagged"


def test_analysis_about_the_teachers_own_move_on_the_labelled_set() -> None:
    cases = json.loads((DATA / "analysis_target_cases.json").read_text(encoding="utf-8"))
    caught = sum(teacher_talk(t) is not None for t in cases["about_the_teacher"])
    wrong = sum(teacher_talk(t) is not None for t in cases["about_the_student"])
    assert caught / len(cases["about_the_teacher"]) >= 0.9 and wrong / len(cases["about_the_student"]) <= 0.1
    raw = answer("Great! Who won?", ["Our team won.", "They won.", "I forgot."],
                 analysis="这一轮我先夸了他，然后追问比赛结果，好让对话继续下去。")
    assert "analysis.target" in failed(raw)


def test_the_rule_five_redirect_naming_the_topic_is_no_self_talk_whatever_the_topic_says() -> None:
    with open(DATA.parents[1] / "data" / "topics.tsv", encoding="utf-8", newline="") as fh:
        topics = [row["topic"] for row in csv.DictReader(fh, delimiter="\t")]
    topics += ["对学校的社团活动提出建议", "讨论如何改进食堂并给校长写建议信", "我们将讨论接下来的计划"]
    assert any("提出" in t or "建议" in t for t in topics)
    student = Student("My cat is sleeping on my bed now.", off_topic=True)
    for topic in topics:
        name = topic.rstrip("。")
        for analysis in (f"您跑题了，我们现在讨论的是关于{name}的内容。",
                         f"你跑题了，我们现在讨论的是{name}的内容，句子本身语法正确。"):
            assert teacher_talk(analysis) is None, analysis
            raw = answer("Let's get back to our topic. What do you think?",
                         ["I think it is good.", "I am not sure.", "I like it a lot."], analysis)
            assert "analysis.target" not in answer_verdict(raw, TurnKind.REPLY, student).failed, analysis
    # the teacher's own move is still caught next to a redirect
    assert teacher_talk("您跑题了，我们现在讨论的是关于食堂的内容，接下来我会问他最喜欢哪道菜。") is not None
