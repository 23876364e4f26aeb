"""The offline simulator: contract-valid, recognises faults, varies, streams."""

from __future__ import annotations

import json

import pytest

from studio.domain.inject import inject_grammar, inject_spelling
from studio.domain.layout import format_history
from studio.llm.base import ChatRequest, ChatResult, Delta, Message
from studio.llm.offline import LABEL, OfflineProvider
from studio.turn.prompts import Prompts

PROMPTS = Prompts()
TOPIC = "两位朋友计划周末去郊外徒步，讨论路线、装备和安全注意事项。"


def ask(provider: OfflineProvider, name: str, variant: str | None = None, **values) -> str:
    return provider.respond(ChatRequest([Message("user", PROMPTS.render(name, **values))], variant=variant))


def teacher(provider, history, topic=TOPIC) -> dict:
    text = ask(provider, "teacher_reply", topic=topic, title="徒步", chat=format_history(history))
    return json.loads(text)


@pytest.fixture
def sim() -> OfflineProvider:
    return OfflineProvider(seed=7)


def test_opening_is_reply_and_three_suggestions(sim) -> None:
    opening = json.loads(ask(sim, "teacher_opening", topic=TOPIC))
    assert set(opening) == {"Reply", "Suggestion"}
    assert len(opening["Reply"].split()) <= 30 and len(opening["Suggestion"]) == 3
    assert len(set(opening["Suggestion"])) == 3


def test_reply_turn_keeps_the_contract(sim) -> None:
    answer = teacher(sim, [("teacher", "What do you usually pack for a trip?"), ("student", "I always pack a map and some water.")])
    assert set(answer) == {"Reply", "Suggestion", "Analysis"}
    assert len(answer["Reply"].split()) <= 30
    assert all(not s.endswith("?") for s in answer["Suggestion"])
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in answer["Analysis"]) > 10


def test_chinese_answer_is_asked_for_in_english(sim) -> None:
    answer = teacher(sim, [("teacher", "What do you usually pack for a trip?"), ("student", "我一般会带水和零食。")])
    assert "请尝试使用英语回答" in answer["Analysis"]
    assert "English" in answer["Reply"]


def test_off_topic_bank_line_is_redirected(sim) -> None:
    answer = teacher(sim, [("teacher", "What do you usually pack for a trip?"), ("student", "My cat is sleeping on my bed now.")])
    assert answer["Analysis"].startswith("您跑题了，我们现在讨论的是关于两位朋友计划周末去郊外徒步的内容")
    assert "What do you usually pack for a trip?" in answer["Reply"]


def test_injected_grammar_and_spelling_errors_are_corrected(sim) -> None:
    import random

    rng = random.Random(3)
    base = "Last weekend we went to the park and I really like the view."
    for inject in (inject_grammar, lambda t, r: inject_spelling(t, r, 2)):
        wrong, corrections = inject(base, rng)
        answer = teacher(sim, [("teacher", "How was your weekend?"), ("student", wrong)])
        for c in corrections:
            assert c.wrong in answer["Analysis"] and c.right in answer["Analysis"], (wrong, answer["Analysis"])
        assert "没有明显的语法和拼写错误" not in answer["Analysis"]


def test_student_levels_and_languages(sim) -> None:
    chat = format_history([("teacher", "What do you usually pack for a trip?")])
    normal = ask(sim, "student_normal", topic=TOPIC, chat=chat)
    short = ask(sim, "student_short", topic=TOPIC, chat=chat)
    chinese = ask(sim, "student_chinese", topic=TOPIC, chat=chat)
    assert 6 < len(normal.split()) <= 30
    assert len(short.split()) <= 10
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in chinese) > 5


def test_rewrite_tasks_record_the_correction(sim) -> None:
    out = ask(sim, "rewrite_grammar", utterance="I don't know the way to the museum.")
    sentence, fixes = out.split("\n更正：")
    assert "I not know" in sentence and "I not know=>I don't know" in fixes
    out = ask(sim, "rewrite_spelling", utterance="I really like swimming with my friends.")
    sentence, fixes = out.split("\n更正：")
    assert sentence != "I really like swimming with my friends." and "=>" in fixes


def test_topic_expansion_makes_new_distinct_topics(sim) -> None:
    out = ask(sim, "expand_topics", n=8, examples="两位同学讨论考试。")
    topics = out.splitlines()
    assert len(topics) == 8 == len(set(topics)) and all(t.endswith("。") for t in topics)


def test_output_is_deterministic_per_seed_and_varies_across_seeds_and_variants() -> None:
    a, b = OfflineProvider(seed=1), OfflineProvider(seed=2)
    outs_a = [ask(a, "teacher_opening", variant=str(i), topic=TOPIC) for i in range(20)]
    assert outs_a == [ask(OfflineProvider(seed=1), "teacher_opening", variant=str(i), topic=TOPIC) for i in range(20)]
    assert len(set(outs_a)) > 5
    assert outs_a != [ask(b, "teacher_opening", variant=str(i), topic=TOPIC) for i in range(20)]


def test_varies_across_topics(sim) -> None:
    from studio.llm.offline.banks import load_banks

    banks = load_banks()
    topics = ["两位同学在食堂评价今天的午饭。", "你和朋友讨论如何保护环境、减少塑料垃圾。", "两位同学回顾昨晚的篮球比赛。"]
    cats = {banks.category_for(t).name for t in topics}
    assert cats == {"food", "environment", "sport"}


async def test_streams_in_pieces_with_latency() -> None:
    sim = OfflineProvider(seed=1, latency=0.05)
    request = ChatRequest([Message("user", PROMPTS.render("teacher_opening", topic=TOPIC))])
    events = [e async for e in sim.stream(request)]
    deltas = [e.text for e in events if isinstance(e, Delta)]
    final = events[-1]
    assert len(deltas) > 5 and "".join(deltas) == final.text and isinstance(final, ChatResult)
    assert final.latency_s >= 0.05 and final.usage.estimated


def test_labelled_as_a_simulator(sim) -> None:
    assert "not a model" in LABEL
    assert "simulator" in sim.respond(ChatRequest([Message("user", "Say hello")]))
