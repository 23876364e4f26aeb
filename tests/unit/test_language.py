"""The one language classifier: english, mixed or chinese, names and titles being English."""

from __future__ import annotations

import pytest

from studio.domain.language import Language, chinese_words, language_of


@pytest.mark.parametrize("text", [
    "I went hiking with my friends last weekend.",
    "My friend 李明 likes basketball.",  # a Chinese name in an English sentence
    "I often play chess with 欧阳娜娜 after school.",  # a compound surname
    "Last summer I went to 北京 with my family.",  # a well-known place
    "My favourite book is 《红楼梦》, it is very long.",  # a title
    "OK！I like it，really.",  # full-width punctuation is not Chinese
    "",
])
def test_english(text: str) -> None:
    assert language_of(text) is Language.ENGLISH


@pytest.mark.parametrize("text, words", [
    ("I think 这个 movie is very 有意思.", ["这个", "有意思"]),
    ("I am very 高兴 today because we won.", ["高兴"]),  # begins like a surname, but is a word
    ("周末 I played football with 王芳.", ["周末"]),  # the name stays a name beside a word
    ("My favourite food is 饺子, my mother makes them every week.", ["饺子"]),
])
def test_mixed(text: str, words: list[str]) -> None:
    assert language_of(text) is Language.MIXED
    assert chinese_words(text) == words


@pytest.mark.parametrize("text", [
    "我上周末和朋友去爬山了。",
    "我喜欢 basketball",  # Chinese with one English word
    "这个 movie 很好看。",
    "王小明",  # a name with nothing English around it
    "Yes, 我觉得很好玩，因为可以和朋友一起去。",
])
def test_chinese(text: str) -> None:
    assert language_of(text) is Language.CHINESE
