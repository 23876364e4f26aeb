"""The offline simulator: contract-valid, recognises faults, varies, streams."""

from __future__ import annotations

import json
import re

import pytest

from studio.domain.inject import inject_grammar, inject_spelling
from studio.domain.layout import format_history
from studio.llm.base import ChatRequest, ChatResult, Delta, Message
from studio.llm.offline import LABEL, OfflineProvider
from studio.llm.offline.frames import match
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


def test_a_mixed_answer_is_asked_for_in_english_with_its_english_words(sim) -> None:
    from studio.domain.contract import Student, check_turn

    asked = "What do you usually pack for a trip?"
    said = "I always pack a map and some 零食, because hiking makes me 累."
    answer = teacher(sim, [("teacher", asked), ("student", said)])
    assert "请尝试使用英语回答" in answer["Analysis"] and "English" in answer["Reply"]
    assert "snacks" in answer["Analysis"] and "tired/tiring" in answer["Analysis"]  # the English for its Chinese words
    assert check_turn(json.dumps(answer), student=Student(said)).passed


def test_off_topic_bank_line_is_redirected_with_the_chinese_topic_name(sim) -> None:
    asked = "What do you like most about the hiking trip?"
    answer = teacher(sim, [("teacher", asked), ("student", "I saw a spider on my window last night, and it was huge.")])
    assert answer["Analysis"].startswith("你跑题了，我们现在讨论的是关于徒步的内容")
    assert answer["Reply"].endswith(asked) and asked in answer["Analysis"]  # the same question again


def test_the_workspace_off_topic_file_is_recognised() -> None:
    tutorial = ["I like, uh, enjoy.", "5 minutes later, what should I say?"]
    history = [("teacher", "What do you like most about the hiking trip?"), ("student", tutorial[0])]
    plain = teacher(OfflineProvider(seed=7), history)
    own = teacher(OfflineProvider(seed=7, off_topic=tutorial), history)
    assert not plain["Analysis"].startswith("你跑题了")
    assert own["Analysis"].startswith("你跑题了，我们现在讨论的是关于徒步的内容")


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
    topics = [line.split("｜")[0] for line in out.splitlines()]
    assert len(topics) == 8 == len(set(topics)) and all(t.endswith("。") for t in topics)


def test_output_is_deterministic_per_seed_and_varies_across_seeds_and_variants() -> None:
    a, b = OfflineProvider(seed=1), OfflineProvider(seed=2)
    outs_a = [ask(a, "teacher_opening", variant=str(i), topic=TOPIC) for i in range(20)]
    assert outs_a == [ask(OfflineProvider(seed=1), "teacher_opening", variant=str(i), topic=TOPIC) for i in range(20)]
    assert len(set(outs_a)) > 5
    assert outs_a != [ask(b, "teacher_opening", variant=str(i), topic=TOPIC) for i in range(20)]


def test_questions_follow_the_scenario(sim) -> None:
    topics = {"两位同学在食堂评价今天的午饭。": ("canteen", "lunch", "food", "dish", "meal", "eat", "cook", "noodles",
                                       "vegetables", "dumplings", "fish", "dessert"),
              "两位同学回顾昨晚的篮球比赛。": ("basketball", "game", "match"),
              "周末你和同学参观历史博物馆，讨论最感兴趣的展品。": ("museum", "exhibit", "history", "culture"),
              "春节快到了，你向外国笔友介绍中国过年的习俗和你家的安排。": ("Spring Festival", "reunion", "dumplings",
                                                                  "fireworks", "relatives", "couplets", "temple")}
    for topic, words in topics.items():
        for v in range(6):
            opening = json.loads(ask(sim, "teacher_opening", variant=str(v), topic=topic))
            said = opening["Reply"] + " " + " ".join(opening["Suggestion"])
            assert any(w.lower() in said.lower() for w in words), (topic, opening)
            assert "mooncake" not in said.lower() or "春节" not in topic


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


BASKETBALL = "两位同学对一场激动人心的篮球比赛进行回顾和分析。"
ASKED = "What do you like most about the basketball game?"


def test_suggestions_answer_the_replys_own_question(sim) -> None:
    for v in range(20):
        opening = json.loads(ask(sim, "teacher_opening", variant=str(v), topic=BASKETBALL))
        asked = match(opening["Reply"])
        assert asked is not None, opening["Reply"]
        if asked.frame.id == "choice":
            a, b = asked.slots["a"], asked.slots["b"]
            assert all(a in s or b in s for s in opening["Suggestion"]), opening
        if asked.frame.id == "last_time":
            assert all(re.search(r"\b(last|ago|was)\b", s) for s in opening["Suggestion"]), opening
        student = ask(sim, "student_normal", variant=str(v), topic=BASKETBALL, chat=format_history([("teacher", opening["Reply"])]))
        assert match(opening["Reply"]).frame.id == asked.frame.id and len(student.split()) > 6


def test_a_short_answer_gets_a_follow_up_on_the_same_thing(sim) -> None:
    for v in range(10):
        text = ask(sim, "teacher_reply", variant=str(v), topic=BASKETBALL, title="篮球比赛",
                   chat=format_history([("teacher", ASKED), ("student", "The final shot.")]))
        answer = json.loads(text)
        assert "tell me more" not in answer["Reply"].lower()
        assert "final shot" in answer["Reply"] or "that" in answer["Reply"], answer["Reply"]
        assert "I like the final shot most." in answer["Analysis"] or "完整" in answer["Analysis"]
        assert "切题" not in answer["Analysis"] and "用得" not in answer["Analysis"]  # a fragment is not praised


def test_a_non_answer_is_not_called_on_topic_and_gets_an_easier_question(sim) -> None:
    for v in range(10):
        answer = json.loads(ask(sim, "teacher_reply", variant=str(v), topic=BASKETBALL, title="篮球比赛",
                                chat=format_history([("teacher", ASKED), ("student", "I don't know.")])))
        assert "切题" not in answer["Analysis"] and "I don't know" in answer["Analysis"]
        assert " or " in answer["Reply"] and answer["Reply"].endswith("?")


def test_a_full_answer_is_judged_on_what_it_uses(sim) -> None:
    answer = json.loads(ask(sim, "teacher_reply", topic=BASKETBALL, title="篮球比赛", chat=format_history(
        [("teacher", ASKED), ("student", "I like the final shot most, because it was really exciting.")])))
    assert "because" in answer["Analysis"] and "错误" not in answer["Analysis"].replace("没有", "")


def test_slips_at_the_configured_rate_and_the_repair_fixes_them() -> None:
    from studio.domain import TurnKind
    from studio.domain.contract import Student, check_turn
    from studio.turn.context import render_repair_prompt

    history = [("teacher", ASKED), ("student", "I like the final shot most, because it was really exciting.")]
    prompt = PROMPTS.render("teacher_reply", topic=BASKETBALL, title="篮球比赛", chat=format_history(history))
    student = Student(history[-1][1])
    for rate, failing in ((0.0, 0), (1.0, 12)):
        sim = OfflineProvider(seed=5, error_rate=rate)
        first = [sim.respond(ChatRequest([Message("user", prompt)], variant=str(v))) for v in range(12)]
        checks = [check_turn(raw, TurnKind.REPLY, student) for raw in first]
        assert sum(not c.passed for c in checks) == failing
    repaired = [check_turn(sim.respond(ChatRequest([Message("user", render_repair_prompt(
        PROMPTS, prompt, raw, check.results))], variant=f"{v}:1")), TurnKind.REPLY, student).passed
        for v, (raw, check) in enumerate(zip(first, checks, strict=True))]
    assert 0.5 <= sum(repaired) / len(repaired) < 1  # a repair usually fixes the slip, not always
    some = OfflineProvider(seed=5, error_rate=0.25)
    slips = [not check_turn(some.respond(ChatRequest([Message("user", prompt)], variant=str(v))), TurnKind.REPLY,
                            student).passed for v in range(200)]
    assert 20 <= sum(slips) <= 80  # about a quarter, the same on every run
    assert slips == [not check_turn(OfflineProvider(seed=5, error_rate=0.25).respond(
        ChatRequest([Message("user", prompt)], variant=str(v))), TurnKind.REPLY, student).passed for v in range(200)]
    with pytest.raises(ValueError, match="error_rate"):
        OfflineProvider(error_rate=1.5)


def test_the_offline_judge_scores_through_the_one_verdict(sim) -> None:
    """Its caps are those of studio.turn.verdict for the same answer, meaning checks and strictness included."""
    from studio.domain import TurnKind
    from studio.domain.contract import Student
    from studio.turn.verdict import answer_verdict

    student = "I want to bring a big water bottle and some snacks."
    chat = format_history([("teacher", "What will you take on the hike?"), ("student", student)])
    good = {"Reply": "Good idea! What snacks will you take?", "Analysis": "句子完整，语法正确，表达自然。",
            "Suggestion": ["I will take some apples.", "Maybe chocolate bars.", "I like nuts and bread."]}
    off_question = dict(good, Reply="Sounds fun! What is your favourite food?",
                        Suggestion=["I like playing basketball.", "I went to the park yesterday.", "My school is very big."])
    answers = [json.dumps(good), json.dumps(off_question), "Sure, here it is: " + json.dumps(good), ""]
    seen = set()
    for raw in answers:
        judged = json.loads(ask(sim, "judge", rubric="1-3", topic=TOPIC, chat=chat, answer=raw, checks="-"))
        verdict = answer_verdict(raw, TurnKind.REPLY, Student(student))
        caps = verdict.caps(TurnKind.REPLY)
        assert (judged["reply"], judged["suggestion"], judged["analysis"]) == (caps.reply, caps.suggestion,
                                                                               caps.analysis), raw
        assert all(i in judged["reason"] for i in verdict.failed)
        seen.add((caps.reply, caps.suggestion, caps.analysis))
    assert "suggestion.answers" in answer_verdict(answers[1], TurnKind.REPLY, Student(student)).failed
    assert len(seen) >= 3, "the answers are judged differently"
