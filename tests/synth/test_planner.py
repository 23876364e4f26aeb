from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.domain import DEFAULT_MIX, STUDENT_FAULTS, Mix
from studio.synth.planner import counts, plan
from studio.turn.prompts import Prompts, TemplateError, render

weights = st.dictionaries(st.sampled_from([f.value for f in STUDENT_FAULTS]), st.integers(0, 100), min_size=1).filter(
    lambda w: any(v > 0 for v in w.values()))


@settings(max_examples=150, deadline=None)
@given(weights, st.integers(1, 300), st.integers(2, 6), st.integers(0, 10))
def test_plan_hits_the_quotas_exactly_and_spreads_faults(w, n, turns, seed) -> None:
    mix = Mix.of(w)
    topics = [f"t{i}" for i in range(7)]
    planned = plan(n, topics, mix, turns, seed)
    assert len(planned) == n and all(len(p.faults) == turns - 1 for p in planned)
    assert counts(planned) == mix.quotas(n * (turns - 1))
    shares = mix.shares()
    for position in range(turns - 1):
        at = Counter(p.faults[position] for p in planned)
        for kind, share in shares.items():
            assert abs(at[kind] - share * n) <= 2, (position, kind)
    used = Counter(p.topic_id for p in planned)
    assert max(used.values()) - min(used.values()) <= 1 or len(used) < len(topics)


def test_plan_is_deterministic_per_seed() -> None:
    topics = [f"t{i}" for i in range(5)]
    assert plan(50, topics, DEFAULT_MIX, 4, 1) == plan(50, topics, DEFAULT_MIX, 4, 1)
    assert plan(50, topics, DEFAULT_MIX, 4, 1) != plan(50, topics, DEFAULT_MIX, 4, 2)


def test_plan_refuses_nothing_to_do() -> None:
    with pytest.raises(ValueError, match="no enabled topics"):
        plan(5, [], DEFAULT_MIX, 4, 0)


def test_rendering_cannot_be_injected() -> None:
    tricky = "两位同学{chat}讨论{topic}和 {\"Reply\": 1} 以及 {title}"
    out = Prompts().render("teacher_reply", topic=tricky, title="T", chat="teacher: Hi {topic}\nstudent: {chat}")
    assert tricky in out and "teacher: Hi {topic}\nstudent: {chat}" in out
    assert out.count("\n[对话历史]\n") == 1 and "{title}" in out  # the one inside the topic stays literal


def test_rendering_names_missing_values() -> None:
    with pytest.raises(TemplateError, match="needs values for: chat, topic_name"):
        Prompts().render("teacher_reply", topic="x")
    assert render("{a} {b}", a="{b}", b="1") == "{b} 1"


def test_workspace_prompt_overrides_the_shipped_one(tmp_path) -> None:
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "student_short.txt").write_text("[学生角色]\n短：{topic} {chat}", encoding="utf-8")
    assert Prompts(tmp_path).render("student_short", topic="A", chat="B") == "[学生角色]\n短：A B"
    with pytest.raises(TemplateError, match="no prompt template named 'nope'"):
        Prompts(tmp_path).template("nope")
