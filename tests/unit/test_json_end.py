"""Local generation stops at the end of the answer's JSON object: where that end is."""

from __future__ import annotations

from studio.domain.parse import object_end as json_end
from studio.llm.local_model import _cut


def test_the_end_of_the_first_whole_object() -> None:
    text = '{"Reply": "Hi", "Suggestion": ["a", "b", "c"], "Analysis": "好"}'
    assert json_end(text) == len(text)
    assert json_end(text + "\n{\"Reply\": 1}") == len(text)
    assert _cut(text + "<|im_end|> and more") == text


def test_braces_inside_strings_and_escapes_do_not_count() -> None:
    text = '{"Reply": "a } b { c \\" }", "Suggestion": ["{", "}", "]"], "Analysis": "x"}'
    assert json_end(text) == len(text)
    assert json_end(text[:-1]) is None


def test_unfinished_or_missing_objects_have_no_end() -> None:
    assert json_end('{"Reply": "Hi", "Suggestion": [') is None
    assert json_end("I am a teacher and I like tea.") is None
    assert json_end("") is None
    assert _cut("no json here") == "no json here"


def test_a_preamble_or_fence_before_the_object_is_skipped() -> None:
    body = '{"Reply": "Hi"}'
    assert json_end("```json\n" + body + "\n```") == len("```json\n" + body)
    assert json_end("Sure! " + body) == len("Sure! " + body)
