"""Check results as an id, a variant and parameters: the same English lines as before, each in
Chinese when the studio speaks it, and results stored as text read back to their variant."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Iterator

import pytest

from studio.domain import CheckResult, FaultKind, TurnKind
from studio.domain.check_messages import (
    CHECK_TEXTS,
    LITERAL,
    PARTS,
    part,
    phrase,
    read_back,
    read_parts,
)
from studio.domain.contract import Student, check_turn
from studio.domain.parse import parse_answer
from studio.i18n import set_language
from studio.turn.shown import check_message, fault_label, parse_problems
from studio.turn.verdict import failed_call, judge_answer

CJK = re.compile(r"[\u4e00-\u9fff]")
LONG = " ".join(["word"] * 40)
GRAMMAR = Student(text="I goed to the park with my friends yesterday.", fault=FaultKind.GRAMMAR,
                  corrections=[("goed", "went")])
CHINESE = Student(text="我喜欢打篮球", fault=FaultKind.CHINESE)


@pytest.fixture
def chinese(monkeypatch, tmp_path) -> Iterator[None]:
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path / "cache"))
    assert set_language("zh") == "zh"
    yield
    set_language("en")


def answer(**fields: object) -> str:
    return json.dumps(fields, ensure_ascii=False)


#: Answers and the exact English lines the checks said of them before results had ids.
BEFORE = [
    ("", TurnKind.REPLY, None, [("format.json", "error", "not exactly one JSON object: the answer is empty")]),
    ("[" * 70, TurnKind.REPLY, None,
     [("format.json", "error", "not exactly one JSON object: the answer nests 70 levels deep (at most 64 are read)")]),
    ("[1, 2]", TurnKind.REPLY, None,
     [("format.json", "error", "not exactly one JSON object: the answer is JSON but not an object (a list)")]),
    ('Sure! {"Reply": "Hi.", "Suggestion": ["I went home.", "I stayed in.", "I read a book."]} Student: ok',
     TurnKind.OPENING, None,
     [("format.json", "error", "not exactly one JSON object: the answer continues the dialogue itself: 'Student: ok'; "
                               "text before the JSON: 'Sure!' (the object was recovered for the other checks)")]),
    ('{"Reply": 3, "Suggestion": "no", "Analysis": 5} {"x": 1} tail', TurnKind.OPENING, None,
     [("format.json", "error", "not exactly one JSON object: 2 JSON objects instead of one; text after the JSON: 'tail' "
                               "(the object was recovered for the other checks)"),
      ("format.keys", "error", "unexpected Analysis (an opening turn has no Analysis); Reply must be a string; "
                               "Suggestion must be a list of strings; Analysis must be a string")]),
    ("```json\n" + answer(Reply="Hi.", Suggestion=["I went home.", "I stayed in.", "I read a book."]) + "\n```",
     TurnKind.OPENING, None, [("format.fence", "warning", "the JSON is wrapped in a code fence")]),
    (answer(Reply=LONG, Suggestion=[LONG, "你好你好你好", "You should say hello."], Analysis="The student is good."),
     TurnKind.REPLY, GRAMMAR,
     [("reply.words", "error", f"Reply has 40 words (at most 30): '{LONG[:49]}…'"),
      ("suggestion.words", "error", f"suggestion 1 has 40 words (at most 30): '{LONG[:49]}…'"),
      ("suggestion.english", "error", "suggestion 2 is not in English: '你好你好你好'"),
      ("suggestion.voice", "error", "suggestion 3 coaches the student instead of being something the student says: "
                                    "'You should say hello.'"),
      ("analysis.chinese", "error", "Analysis is not mainly Chinese: 'The student is good.'"),
      ("analysis.target", "error", "Analysis only translates or restates the student's words; it does not assess them"),
      ("fault.uncorrected", "error", "the student's errors are not corrected in the Analysis ('goed' → 'went')")]),
    (answer(Reply="你好吗我很好", Suggestion=["What is your name?", "I went home.", "I went home!"], Analysis=""),
     TurnKind.REPLY, CHINESE,
     [("reply.english", "error", "Reply is not in English: '你好吗我很好'"),
      ("suggestion.voice", "error", "suggestion 1 asks the student a question, as the teacher would: 'What is your name?'"),
      ("suggestion.distinct", "error", "suggestions 2 and 3 are nearly the same: 'I went home.'"),
      ("analysis.chinese", "error", "Analysis is empty"),
      ("fault.language", "error", "the student answered in Chinese, but the teacher neither asks for English nor says "
                                  "so in the Analysis")]),
    (answer(Reply="Nice.", Suggestion=["I went to the park.", "I stayed home."], Analysis="我会引导学生继续说下去。"),
     TurnKind.REPLY, Student(text="What should I say now?", fault=FaultKind.OFF_TOPIC, off_topic=True),
     [("suggestion.count", "error", "2 suggestions instead of exactly 3"),
      ("analysis.target", "error", "Analysis talks about the teacher's own answer or next move ('我会引导学生继续说下去') "
                                   "instead of the student's utterance"),
      ("fault.off_topic", "error", "the student went off topic, but the teacher does not bring them back to it")]),
    (answer(Reply="Nice.", Suggestion=["I went to the park.", "I stayed home.", "I read a book."],
            Analysis="你的表达完全正确，语法没有错误。"),
     TurnKind.REPLY, Student(text="My dog likes pizza a lot, I think.", off_topic=True, off_topic_sure=False),
     [("fault.off_topic", "warning", "the student's words seem to leave the topic, but the teacher does not bring "
                                     "them back to it")]),
    (answer(Reply="Nice.", Suggestion=["I went to the park.", "I stayed home.", "I read a book."],
            Analysis="你的表达完全正确，非常流畅。"),
     TurnKind.REPLY, GRAMMAR,
     [("fault.uncorrected", "error", "the student's errors are not corrected in the Analysis ('goed' → 'went')"),
      ("fault.praised_error", "error", "Analysis calls an erroneous utterance correct: '完全正确'")]),
    (answer(Reply="Nice.", Suggestion=["I went to the park.", "I stayed home.", "I read a book."]),
     TurnKind.REPLY, None, [("format.keys", "error", "missing Analysis")]),
    (answer(Reply="Nice.", Suggestion=["I go.", "I stay.", "I read."], Analysis="很好", Extra=1),
     TurnKind.REPLY, None, [("format.keys", "error", "unexpected Extra")]),
    (answer(Reply="Good.", Suggestion=["I like it.", "It was fun.", "We played."], Analysis="注意 goed 应改为 went，电影写成 interesting。"),
     TurnKind.REPLY, Student(text="I think 这个 movie is very 有意思, we goed there.", fault=FaultKind.MIXED,
                             corrections=[("这个", "this"), ("有意思", "interesting")]),
     [("fault.language", "error", "the student mixed Chinese words into the answer, but the teacher neither asks for "
                                  "English nor says so in the Analysis"),
      ("fault.uncorrected", "warning", "the Analysis does not give the English for the student's Chinese words "
                                       "('这个' → 'this')")]),
]


def _ids(results: list[CheckResult]) -> list[tuple[str, str, str]]:
    return [(r.id, r.severity, r.message) for r in results]


@pytest.mark.parametrize("raw,kind,student,expected", BEFORE)
def test_the_english_lines_are_those_of_before(raw, kind, student, expected) -> None:
    got = _ids(check_turn(raw, kind, student).results)
    assert [g for g in got if g[0] in {e[0] for e in expected}] == expected


def test_the_recovered_note_and_a_failed_call_say_what_they_said() -> None:
    raw = 'Here: {"Reply": "Hi.", "Suggestion": ["I went home.", "I stayed in.", "I read a book."]}'
    _, results = judge_answer(raw, TurnKind.OPENING, None)
    assert _ids(results)[0] == ("format.json", "warning", "recovered from a non-strict answer: text before the JSON: 'Here:'")
    failed = failed_call("timeout after 30 s")
    assert {r.message for r in failed.results} == {"no answer to check: timeout after 30 s"}
    assert parse_answer("nope").problems == ["not valid JSON"]


def _results() -> list[CheckResult]:
    out = [r for raw, kind, student, _ in BEFORE for r in judge_answer(raw, kind, student)[1]]
    out += [r for raw, kind, student, _ in BEFORE for r in judge_answer(raw, kind, student, strict=True)[1]]
    return out + failed_call("no route to host").results


def test_a_result_read_back_from_its_english_is_the_same_result() -> None:
    for r in _results():
        assert read_back(r.id, r.message) == (r.variant, r.params), r.message
        stored = {"id": r.id, "severity": r.severity, "message": r.message}  # as a store of before holds it
        assert CheckResult.model_validate(stored) == r
        assert CheckResult.model_validate_json(r.model_dump_json()) == r


def _sample(field: str) -> object:
    return {"n": 40, "i": 2, "j": 3, "most": 30, "depth": 70, "said": phrase("answered in Chinese"),
            "problems": [part("answer.invalid"), part("answer.after", text="ok")], "keys": "Analysis",
            "type": "list", "error": "timeout", "shown": "'goed' → 'went'"}.get(field, "I goed there")


def _fields(text: str) -> list[str]:
    return [name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name]


@pytest.mark.parametrize("check_id,variant", sorted(CHECK_TEXTS))
def test_every_message_in_chinese_and_read_back_from_english(chinese, check_id, variant) -> None:
    params = {name: _sample(name) for name in _fields(CHECK_TEXTS[check_id, variant])}
    result = CheckResult.of("reply.words" if check_id == "*" else check_id, variant, **params)
    shown = check_message(result)
    assert CJK.search(shown) and shown != result.message, shown
    assert read_back(result.id, result.message) == (variant, params)
    for value in params.values():
        if isinstance(value, int) or value in ("I goed there", "'goed' → 'went'", "Analysis", "timeout"):
            assert str(value) in shown  # the parameters themselves are never translated
    set_language("en")
    assert check_message(result) == result.message


@pytest.mark.parametrize("key", sorted(PARTS))
def test_every_part_in_chinese_and_read_back(chinese, key) -> None:
    params = {name: _sample(name) for name in _fields(PARTS[key])}
    english = PARTS[key].format(**params)
    assert read_parts(english) == [part(key, **params)]
    shown = parse_problems(english)
    assert CJK.search(shown) and shown != english


def test_the_chinese_uses_the_tutorials_words(chinese) -> None:
    raw = answer(Reply="Nice.", Suggestion=["I went to the park.", "I stayed home."], Analysis="我会引导学生继续说下去。")
    results = check_turn(raw, TurnKind.REPLY, Student(text="What should I say?", off_topic=True)).results
    shown = {r.id: check_message(r) for r in results}
    assert shown["suggestion.count"] == "建议（Suggestion）有 2 条，应该正好 3 条"
    assert shown["analysis.target"].startswith("分析（Analysis）讲的是老师自己的回答或下一步")
    assert shown["fault.off_topic"] == "学生跑题了，但老师没有把学生拉回主题"
    chinese = check_turn(answer(Reply="你好", Suggestion=["a"]), TurnKind.REPLY, CHINESE).results
    assert "学生用中文回答了，但老师既没有请学生用英语回答" in check_message(next(r for r in chinese
                                                                         if r.id == "fault.language"))
    assert check_message(next(r for r in chinese if r.id == "format.keys")) == "缺少 Analysis"


def test_a_text_no_template_makes_is_kept_and_shown_as_it_is(chinese) -> None:
    old = CheckResult.model_validate({"id": "reply.words", "severity": "warning", "message": "ok"})
    assert (old.variant, old.params, old.message) == (LITERAL, {"text": "ok"}, "ok")
    assert check_message(old) == "ok"
    unknown = CheckResult.model_validate({"id": "some.future_check", "message": "Reply is empty"})
    assert unknown.variant == LITERAL and check_message(unknown) == "Reply is empty"
    # a template's text with parts no longer known: the known wording around the text as it is
    odd = CheckResult.model_validate({"id": "format.json", "message": "not exactly one JSON object: the moon is full"})
    assert odd.variant == "not_one" and odd.message == "not exactly one JSON object: the moon is full"
    assert check_message(odd) == "不是恰好一个 JSON 对象：the moon is full"
    assert parse_problems("keys missing") == "keys missing"


def test_fault_kinds_are_named_as_the_tutorial_names_them(chinese) -> None:
    assert [fault_label(k) for k in FaultKind] == ["正常", "简短", "跑题", "中文回答", "中英混杂", "拼写错误", "语法错误",
                                                   "开场"]
    assert fault_label("unrecognised") == "unrecognised"
    set_language("en")
    assert [fault_label(k) for k in FaultKind] == [k.label for k in FaultKind] == [
        "normal", "short", "off-topic", "Chinese", "mixed", "spelling", "grammar", "opening"]


def test_a_check_without_its_message_is_refused() -> None:
    with pytest.raises(KeyError, match="reply.words"):
        CheckResult.of("reply.words", "no_such_variant")
