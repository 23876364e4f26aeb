"""Parsed tables kept in the user cache (studio.semantic.parsed): the kept value is the parsed one, and
a changed source or a cache that cannot be written parses again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.semantic.parsed import cached


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_kept_table_is_read_back_until_its_source_changes(cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "words.txt"
    source.write_text("a b\n", encoding="utf-8")
    parsed: list[int] = []

    def parse() -> dict[str, tuple[str, ...]]:
        parsed.append(1)
        return {w: (w.upper(), "x") for w in source.read_text(encoding="utf-8").split()}

    first = cached("words", [source], parse)
    again = cached("words", [source], parse)
    assert first == again == {"a": ("A", "x"), "b": ("B", "x")}
    assert len(parsed) == 1
    source.write_text("a b c\n", encoding="utf-8")
    assert cached("words", [source], parse) == {"a": ("A", "x"), "b": ("B", "x"), "c": ("C", "x")}
    assert len(parsed) == 2
    assert len(list((cache / "parsed").glob("words-*.marshal"))) == 1  # the stale one is gone


def test_a_cache_that_cannot_be_written_parses_every_time(cache: Path, tmp_path: Path) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text("not a folder", encoding="utf-8")
    source = tmp_path / "words.txt"
    source.write_text("a\n", encoding="utf-8")
    parsed: list[int] = []

    def parse() -> dict[str, int]:
        parsed.append(1)
        return {"a": 1}

    assert cached("words", [source], parse) == {"a": 1}
    assert cached("words", [source], parse) == {"a": 1}
    assert len(parsed) == 2


def test_a_damaged_kept_table_is_parsed_again(cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "words.txt"
    source.write_text("a\n", encoding="utf-8")
    assert cached("words", [source], lambda: {"a": 1}) == {"a": 1}
    (kept,) = (cache / "parsed").glob("words-*.marshal")
    kept.write_bytes(b"\x00garbage")
    assert cached("words", [source], lambda: {"a": 2}) == {"a": 2}


_WORDS = """
from studio.semantic import content_words, similarity
print(content_words("两位同学讨论周末去爬山的计划，聊起各自喜欢的运动。"))
print(content_words("学生们在食堂讨论午饭吃什么"))
print(round(similarity("周末去爬山", "周六去登山"), 6))
"""


def test_the_dictionary_read_back_gives_the_words_parsing_gives(tmp_path: Path) -> None:
    env = {**os.environ, "STUDIO_CACHE": str(tmp_path / "cache")}
    cold = subprocess.run([sys.executable, "-c", _WORDS], env=env, capture_output=True, text=True, check=True)
    assert list((tmp_path / "cache" / "parsed").glob("cedict-*.marshal"))
    warm = subprocess.run([sys.executable, "-c", _WORDS], env=env, capture_output=True, text=True, check=True)
    assert warm.stdout == cold.stdout
    assert "mountain" in cold.stdout or "climb" in cold.stdout
