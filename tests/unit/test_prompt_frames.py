"""A topic's prompt rendered once with its dialogue left open gives, filled, the prompt rendered
whole; the token estimate's CJK count is exact for every code point; an answer's nesting depth skips its strings."""

from __future__ import annotations

import random

import pytest

from studio.llm.base import estimate_tokens, tokens_for, wide_chars
from studio.turn.prompts import TemplateError, frame, render

PIECES = ["{topic}", "{chat}", "{title}", "{topic_name}", "{", "}", "{{chat}}", "{Chat}", "text ", "中文", "\n", "{ chat}"]


def test_a_frame_filled_is_the_template_rendered() -> None:
    rng = random.Random(3)
    values = {"topic": "关于{chat}的话题", "topic_name": "话题"}
    for _ in range(3000):
        template = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 10)))
        chat = rng.choice(["", "student: hi {topic}", "teacher: 你好\nstudent: \\1"])
        assert chat.join(frame(template, "t", "chat", **values)) == render(template, "t", **values, chat=chat)


def test_a_frame_names_what_it_lacks() -> None:
    with pytest.raises(TemplateError, match="needs values for: topic"):
        frame("{topic}: {chat}", "teacher_reply", "chat")
    with pytest.raises(TemplateError, match="another name"):
        frame("{title}", "teacher_reply", "title")


def _reference(text: str) -> int:
    return sum(1 for ch in text if 0x3000 <= ord(ch) <= 0x9FFF or 0xFF00 <= ord(ch) <= 0xFFEF)


def test_cjk_characters_are_counted_exactly() -> None:
    every = [chr(c) for c in range(0x10FFFF + 1) if not 0xD800 <= c <= 0xDFFF]
    assert wide_chars("".join(every)) == _reference("".join(every)) == 0x7000 + 0xF0
    rng = random.Random(1)
    pool = ["a", "中", "，", "\uffef", "\ufff0", "\ufffd", "\uffff", "\U0001f600", "—", "\u3000", "\u9fff", "\ua000",
            "\uff00", "é", "\uf0ff", "\uf5ff"]
    for _ in range(5000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 30)))
        assert wide_chars(text) == _reference(text)
        assert estimate_tokens(text) == tokens_for(_reference(text), len(text))
    assert estimate_tokens("abcde") == 2 and estimate_tokens("你好，world") == 3 + 2


def test_nesting_depth_counts_brackets_outside_json_strings_as_a_scan_of_every_character_does() -> None:
    from studio.domain.parse import _brackets, nesting_depth

    rng = random.Random(4)
    alphabet = ['"', "\\", "[", "]", "{", "}", "a", "\n", '\\"', '"x"', " ", "中"]
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
        assert nesting_depth(text) == max((depth for _, depth in _brackets(text)), default=0)
    assert nesting_depth('{"a": ["[[[", {"b": "\\"]"}]}') == 3 and nesting_depth('"[[') == 0
