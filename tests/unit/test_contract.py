"""Each contract check, passing and failing, including the failure classes of the product brief."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.domain import FaultKind, TurnKind
from studio.domain.contract import CHECK_IDS, Student, check_turn, teacher_voice
from studio.domain.rubric import Scores, compliance, limits

GOOD_REPLY = {
    "Reply": "Great! What do you usually pack for a weekend hiking trip?",
    "Suggestion": ["I always pack a map, some water and snacks.", "I bring a warm jacket in case it gets cold.",
                   "I usually take my camera to take photos."],
    "Analysis": "你的回答很完整，\"went hiking\" 用得很好，时态也正确。可以再补充一些细节，比如和谁一起去。",
}
GOOD_OPENING = {"Reply": "Hi! Today let's talk about weekend trips. Where would you like to go hiking?",
                "Suggestion": ["I would like to go to the mountains.", "I want to visit a lake near my city.",
                               "I prefer hiking in the forest park."]}
STUDENT = Student("I went hiking with my friends last weekend.")


def answer(**changes) -> str:
    return json.dumps({**GOOD_REPLY, **changes}, ensure_ascii=False)


def ids(raw: str, kind=TurnKind.REPLY, student: Student | None = STUDENT) -> set[str]:
    return {r.id for r in check_turn(raw, kind, student).results}


def errors(raw: str, kind=TurnKind.REPLY, student: Student | None = STUDENT) -> set[str]:
    return {r.id for r in check_turn(raw, kind, student).errors}


def test_well_formed_turns_pass_clean() -> None:
    assert ids(answer()) == set()
    assert ids(json.dumps(GOOD_OPENING), TurnKind.OPENING, None) == set()


# -- format ---------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, fragment", [
    (answer() + "\nstudent: I like hiking too.\nteacher: Great!", "continues the dialogue itself"),
    (answer() + "\n[学生回复] I like it.", "continues the dialogue itself"),
    ("Sure! Here is my answer: " + answer(), "text before the JSON"),
    (answer() + " Hope this helps.", "text after the JSON"),
    (answer() + "\n" + answer(), "2 JSON objects"),
    ("Reply: Great! What do you pack?", "not valid JSON"),
    ("", "empty"),
    ('["Reply", "Suggestion"]', "not an object"),
])
def test_format_json(raw, fragment) -> None:
    result = check_turn(raw, TurnKind.REPLY, STUDENT)
    found = [r for r in result.results if r.id == "format.json"]
    assert found and fragment in found[0].message


def test_broken_json_is_recovered_for_the_other_checks() -> None:
    raw = answer().replace('"Reply"', "'Reply'").rstrip("}") + ",}"
    result = check_turn(raw, TurnKind.REPLY, STUDENT)
    assert result.parsed.repaired and result.parsed.obj["Reply"] == GOOD_REPLY["Reply"]
    assert {r.id for r in result.results} == {"format.json"}


def test_code_fence_is_a_warning_only() -> None:
    result = check_turn("```json\n" + answer() + "\n```", TurnKind.REPLY, STUDENT)
    assert [(r.id, r.severity) for r in result.results] == [("format.fence", "warning")]
    assert result.passed


@pytest.mark.parametrize("obj, kind, fragment", [
    ({k: v for k, v in GOOD_REPLY.items() if k != "Analysis"}, TurnKind.REPLY, "missing Analysis"),
    ({**GOOD_OPENING, "Analysis": "很好"}, TurnKind.OPENING, "an opening turn has no Analysis"),
    ({**GOOD_REPLY, "Note": "x"}, TurnKind.REPLY, "unexpected Note"),
    ({**GOOD_REPLY, "Suggestion": "I like it."}, TurnKind.REPLY, "Suggestion must be a list of strings"),
    ({**GOOD_REPLY, "Reply": ["Hi"]}, TurnKind.REPLY, "Reply must be a string"),
])
def test_format_keys(obj, kind, fragment) -> None:
    result = check_turn(json.dumps(obj, ensure_ascii=False), kind, STUDENT)
    assert any(r.id == "format.keys" and fragment in r.message for r in result.results)


# -- reply and suggestions -------------------------------------------------------------------
def test_a_40_word_reply_is_too_long() -> None:
    long = " ".join(["word"] * 39) + " ok?"
    result = check_turn(answer(Reply=long), TurnKind.REPLY, STUDENT)
    assert [r.message for r in result.results if r.id == "reply.words"] == [f"Reply has 40 words (at most 30): '{long[:49]}…'"]
    assert "reply.words" not in ids(answer(Reply=" ".join(["word"] * 30)))


def test_reply_in_chinese() -> None:
    assert "reply.english" in ids(answer(Reply="很好！你周末一般带什么去徒步？"))
    assert "reply.english" not in ids(answer(Reply="Have you tried jiaozi? What do you pack for hiking?"))


def test_suggestion_count_words_english_distinct() -> None:
    assert "suggestion.count" in ids(answer(Suggestion=["I like it.", "I pack water."]))
    assert "suggestion.count" in ids(answer(Suggestion=GOOD_REPLY["Suggestion"] + ["I also pack fruit."]))
    assert "suggestion.words" in ids(answer(Suggestion=[" ".join(["word"] * 31), *GOOD_REPLY["Suggestion"][1:]]))
    assert "suggestion.english" in ids(answer(Suggestion=["我会带地图和水。", *GOOD_REPLY["Suggestion"][1:]]))
    assert "suggestion.distinct" in ids(answer(Suggestion=["I always pack a map and water.", "I always pack a map and some water.", "I take photos."]))


def test_a_teacher_voice_suggestion_list() -> None:
    teacher_list = ["What do you usually pack for a trip?", "You can say: I pack water.", "Try to use the past tense."]
    result = check_turn(answer(Suggestion=teacher_list), TurnKind.REPLY, STUDENT)
    assert len([r for r in result.results if r.id == "suggestion.voice"]) == 3


@pytest.mark.parametrize("text, teacher", [
    ("Do you like hiking?", True),
    ("Tell me about your trip.", True),
    ("You could talk about your favourite place.", True),
    ("I like hiking. How about you?", False),
    ("Do I need to bring a tent?", False),
    ("My favourite place is the lake near my home.", False),
])
def test_voice_detector(text, teacher) -> None:
    assert (teacher_voice(text) is not None) == teacher


# -- analysis --------------------------------------------------------------------------------
def test_analysis_must_be_mainly_chinese_but_may_quote_english() -> None:
    assert "analysis.chinese" in ids(answer(Analysis="Good job! Your sentence is correct and complete."))
    quoting = 'You used English well. 可以试着这样说："I would like to visit Yunnan because the mountains are beautiful."'
    assert "analysis.chinese" not in ids(answer(Analysis=quoting.replace("You used English well. ", "")))


@pytest.mark.parametrize("analysis", [
    "你的回答很好，但是 go 的过去式是 went，应该说 I went to the park yesterday。",
    "句子意思清楚。注意 enjoy 后面接动名词：I enjoy playing basketball with my friends.",
    "拼写错误：becuase 应写成 because，其他都很好。",
])
def test_an_analysis_that_quotes_english_without_quotation_marks_is_still_chinese(analysis) -> None:
    assert "analysis.chinese" not in ids(answer(Analysis=analysis))


@pytest.mark.parametrize("analysis", [
    "很好! Your sentence is correct, but you should say went instead of go here.",
    "Good. 不错. You used the past tense correctly and your words are clear.",
])
def test_an_analysis_written_in_english_with_a_chinese_word_or_two_is_not(analysis) -> None:
    assert "analysis.chinese" in ids(answer(Analysis=analysis))


def test_an_analysis_that_describes_the_teachers_own_reply() -> None:
    raw = answer(Analysis="老师的回复先肯定了学生，然后提出一个新问题，引导学生继续谈论徒步。")
    assert "analysis.target" in errors(raw)
    raw = answer(Analysis="接下来我会问学生周末去哪里，以便继续对话。")
    assert "analysis.target" in errors(raw)


def test_an_analysis_that_only_translates() -> None:
    assert "analysis.target" in errors(answer(Analysis="学生说上周末和朋友一起去徒步了。"))
    assert "analysis.target" in errors(answer(Analysis="上周末我和朋友们去徒步了。"))


def test_an_analysis_read_again_is_judged_for_its_own_sample() -> None:
    # an Analysis is read once (remembered by its text); what a sample adds is still its own
    translation = answer(Analysis="学生说上周末和朋友一起去徒步了。")
    assert "analysis.target" in errors(translation)
    assert "analysis.target" not in ids(translation, student=None)  # no student turn: nothing to translate
    assert "analysis.target" in errors(translation)
    praise = answer(Analysis="表达很好，\"hiking\" 用得对，没有明显的语法和拼写错误。")
    assert "fault.praised_error" not in ids(praise)  # nothing wrong to praise
    assert "fault.praised_error" in errors(praise, student=Student("I realy like hiking becuase it is fun."))
    assert "fault.praised_error" not in ids(praise)


# -- faults ----------------------------------------------------------------------------------
def test_a_chinese_student_answer_praised() -> None:
    student = Student("我上周末和朋友去爬山了。", FaultKind.CHINESE)
    raw = answer(Reply="Great! Where did you go?", Analysis="回答得很好，表达非常流畅，没有语法错误。")
    found = errors(raw, student=student)
    assert {"fault.language", "fault.praised_error"} <= found
    fixed = answer(Reply="Can you say that in English?", Analysis="你用中文回答了，请尝试使用英语回答。")
    assert errors(fixed, student=student) == set()


def test_chinese_is_detected_without_a_label() -> None:
    assert "fault.language" in errors(answer(Analysis="回答很好，内容具体。"), student=Student("我不知道怎么说。"))


def test_off_topic_needs_a_redirect() -> None:
    student = Student("My cat is sleeping on my bed now.", FaultKind.OFF_TOPIC)
    assert "fault.off_topic" in errors(answer(Reply="Cats are lovely! What colour is it?", Analysis="句子正确，表达清楚。"), student=student)
    assert "fault.off_topic" not in errors(answer(Reply="Let's get back to our topic. What do you pack?",
                                                  Analysis="您跑题了，我们现在讨论的是关于徒步的内容。"), student=student)


def test_i_not_know_left_uncorrected() -> None:
    student = Student("I not know the word.")
    raw = answer(Analysis="回答切题，句子很完整。")
    assert "fault.uncorrected" in errors(raw, student=student)
    good = answer(Analysis="注意：\"I not know\" 应改为 \"I don't know\"，否定句需要助动词。")
    assert "fault.uncorrected" not in ids(good, student=student)


def test_labelled_corrections_are_required_each() -> None:
    student = Student("I go to park yesterday.", FaultKind.GRAMMAR, corrections=[("I go", "I went"), ("to park", "to the park")])
    partial = answer(Analysis="注意时态：应改为 \"I went\"。")
    result = check_turn(partial, TurnKind.REPLY, student)
    assert [(r.id, r.severity) for r in result.results if r.id == "fault.uncorrected"] == [("fault.uncorrected", "warning")]
    assert "fault.uncorrected" in errors(answer(Analysis="回答切题，很好。"), student=student)


def test_spelling_error_praised_as_correct() -> None:
    student = Student("I realy like hiking becuase it is fun.")
    raw = answer(Analysis="表达很好，没有明显的语法和拼写错误。")
    assert {"fault.uncorrected", "fault.praised_error"} <= errors(raw, student=student)


def test_every_check_id_is_documented() -> None:
    assert len(CHECK_IDS) == 18 and len(set(CHECK_IDS)) == 18
    assert CHECK_IDS[:16] == ("format.json", "format.fence", "format.keys", "reply.words", "reply.english",
                              "suggestion.count", "suggestion.words", "suggestion.english", "suggestion.distinct",
                              "suggestion.voice", "analysis.chinese", "analysis.target", "fault.language",
                              "fault.off_topic", "fault.uncorrected", "fault.praised_error"), "ids stay stable"


# -- rubric ----------------------------------------------------------------------------------
def test_rubric_compliance_and_limits() -> None:
    assert compliance([]) == 3 and compliance(["reply.words"]) == 2 and compliance(["format.json"]) == 1
    assert compliance(["reply.english"]) == 1 and compliance(["format.fence"]) == 3
    assert limits(["suggestion.voice"]).suggestion == 1
    assert limits(["fault.uncorrected"]).analysis == 2
    assert limits(["analysis.target"]).analysis == 1
    assert limits(["fault.off_topic"]).reply == 1
    judge = Scores(compliance=3, reply=3, suggestion=3, analysis=3)
    assert judge.capped(limits(["fault.uncorrected"])).analysis == 2


# -- robustness ------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(list(TurnKind)), st.none() | st.text())
def test_arbitrary_text_never_crashes(raw, kind, utterance) -> None:
    result = check_turn(raw, kind, Student(utterance) if utterance is not None else None)
    assert all(r.id in CHECK_IDS for r in result.results)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["Reply", "Suggestion", "Analysis", "x"]), inner, max_size=4),
                    max_leaves=12))
def test_arbitrary_json_never_crashes(value) -> None:
    check_turn(json.dumps(value, ensure_ascii=False), TurnKind.REPLY, STUDENT)


def test_the_one_word_counter_counts_as_its_pattern_says() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from studio.domain.text import CJK, english_words, word_count

    assert word_count("I'm sure we don't need 3 tickets.") == 6
    assert word_count("我喜欢 basketball") == 4

    @settings(max_examples=500, deadline=None)
    @given(st.text(alphabet="ab' -,.!3_\tZ\n我们", max_size=40))
    def same(text: str) -> None:
        assert word_count(text) == len(english_words(text)) + len(CJK.findall(text))

    same()


@pytest.mark.parametrize("reply", ["", "   "])
def test_an_empty_reply_fails(reply) -> None:
    assert "reply.words" in errors(answer(Reply=reply))
