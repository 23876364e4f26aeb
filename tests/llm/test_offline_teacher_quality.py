"""What a teacher reading the offline data would edit, kept out: a reaction that names what the student
did not say or calls a worry a good choice, a short answer not asked to say more, Suggestions that say
the same answer twice or lean on "The main reason is that", Analyses that misname a structure, and a
learner whose grammar error is an added sentence. The figures a script can count on a generated run
(follow-ups, filler tails, letter swaps, topic names) are checked on a small run through the pipeline."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from studio.domain.inject import inject_grammar
from studio.domain.layout import format_history
from studio.domain.text import word_count
from studio.llm.base import ChatRequest, Message
from studio.llm.offline import OfflineProvider
from studio.llm.offline.cards import Card, load_cards
from studio.llm.offline.phrases import to_you
from studio.llm.offline.talk import full, option_in, then_in, whole_answers
from studio.resources import read_data
from studio.turn.prompts import Prompts
from tests.llm.offline_asking import ask_teacher as _teacher

PROMPTS = Prompts()
CARDS = load_cards()
NAME_ZH = {" ".join(r.split("\t")[0].split()): r.split("\t")[-1] for r in read_data("topics.tsv").splitlines()[1:]}
#: A reaction that says nothing ("I see.") or only echoes the answer flatly ("Online courses, okay.", "X, got it.").
GENERIC = re.compile(r"good choice|^I see\.|That sounds good|^That's interesting\.|^Okay, I understand\.|\. Nice\.|"
                     r"got it\b|, okay\.|that's clear|, simple\.|Okay, good to know", re.I)
WORD = re.compile(r"[a-z']{4,}")
#: The words of the comments said with an answer said back ("You feel a bit nervous, that's quite normal.").
COMMENT_WORDS = set(WORD.findall("that's quite normal don't worry, that's normal. oh, i'm sorry to hear that. oh dear. "
                                 "that sounds great! that's great! i'm sorry that how nice! okay. fair enough. "
                                 "that's quite possible, that could well be. sounds like a good plan. interesting! "
                                 "that's interesting. interesting choice! that makes sense. good thinking! "
                                 "and for a good reason."))
ASK_MORE = {"full", "whole", "sentence", "time", "this", "let's", "hear", "try"}
STOP = set("with will that this your have from they them very what when about into make made would could".split())


@pytest.fixture
def sim() -> OfflineProvider:
    return OfflineProvider(seed=3)


def _student(sim: OfflineProvider, card: Card, asked: str, variant: str) -> str:
    prompt = PROMPTS.render("student_normal", topic=card.topic, chat=format_history([("teacher", asked)]))
    return sim.respond(ChatRequest([Message("user", prompt)], variant=variant)).strip()


#: A question a yes or a no answers: never asked just after a whole sentence was asked for.
YES_NO = re.compile(r"^(?:Will|Would|Do|Does|Did|Are|Is|Was|Were|Can|Could|Have|Has|Should|Shall)\b")


def _before_question(reply: str) -> str:
    return reply[: reply.rfind(re.findall(r"[^.!?]*\?", reply)[-1])] if "?" in reply else reply


def _roots(words) -> set[str]:
    """Words cut to a crude root: another form of a word the student said ("waters" of "watering") is no news."""
    return {w[:5] if len(w) >= 5 else w.rstrip("s") for w in words}


def test_a_short_answer_hears_its_own_choice_back_and_is_asked_for_more(sim) -> None:
    for card in list(CARDS.values())[::3]:
        for q in card.questions:
            for o in q.options:
                said = o.item[:1].upper() + o.item[1:] + "."
                reply = _teacher(sim, card, [("teacher", q.ask), ("student", said)])["Reply"]
                react = _before_question(reply)
                if len(whole_answers(q, o)) >= 3 and not YES_NO.match(q.more):  # the follow-up about that very choice
                    assert reply.endswith(q.more), (card.title, reply)
                else:  # a follow-up with too few answers for it said in full, or one a yes or a no answers: the
                    # scene's next question instead
                    assert any(reply.endswith(other.ask) for other in card.questions if other is not q), reply
                assert not GENERIC.search(react), reply
                assert re.search(r"full sentence|whole sentence", react), reply  # asked to say it in full
                assert not re.search(r"tell me more", reply, re.I)  # and never told to say more, then asked another
                unsaid = _roots(WORD.findall(" ".join((o.say, *o.why)).lower())) - _roots(WORD.findall(to_you(said).lower()))
                named = _roots(set(WORD.findall(react.lower())) - ASK_MORE - STOP - set(WORD.findall(q.more.lower())))
                assert not named & unsaid, (said, react)


def test_a_brief_answer_to_a_follow_up_is_reacted_to_on_what_it_says(sim) -> None:
    for card in list(CARDS.values())[::2]:
        q = card.questions[0]
        for t in q.then:
            reply = _teacher(sim, card, [("teacher", q.more), ("student", t.short)])["Reply"]
            react = re.sub(rf" ?(?:Now, back to|Let's go back to) {re.escape(card.about)}\.", "", _before_question(reply))
            react = " ".join(s for s in re.split(r"(?<=[.!])\s+", react)  # the request and its encouragement
                             if "sentence" not in s and s not in ("Good start!", "Nice try!", "That's a start!"))
            encouraged = re.match(r"(?:Good start|Nice try|That's a start)! ", reply)  # a bare "Yes.": no "Okay."
            assert (react.strip() or encouraged) and not GENERIC.search(react), reply
            if react.strip() != t.react:  # the card's reaction only when it names nothing the brief left out
                said = {w for text in (to_you(t.short), to_you(t.short.lower()), t.short) for w in WORD.findall(text.lower())}
                assert set(WORD.findall(react.lower())) <= said | COMMENT_WORDS, (t.short, react)


def test_a_chinese_answers_suggestions_are_three_different_answers(sim) -> None:
    for card in CARDS.values():
        for q in card.questions:
            for o in (o for o in q.options if o.zh):
                answer = _teacher(sim, card, [("teacher", q.ask), ("student", o.zh)])
                first, *others = answer["Suggestion"]
                assert first == o.english and len(others) == 2
                assert all(option_in(q, s) != o for s in others), (card.title, answer["Suggestion"])
            said = _teacher(sim, card, [("teacher", q.more), ("student", q.then_zh)])["Suggestion"]
            assert said[0] == q.then[0].text and all(then_in(q, s) != q.then[0] for s in said[1:]), said


def test_suggestions_and_student_answers_do_not_lean_on_one_formula(sim) -> None:
    said = []
    for i, card in enumerate(CARDS.values()):
        for q in card.questions:
            said += _teacher(sim, card, [("teacher", q.ask), ("student", full(q.options[0], random.Random(i)))],
                             str(i))["Suggestion"]
            said.append(_student(sim, card, q.ask, str(i)))
    assert not [s for s in said if "The main reason is that" in s or "mainly because" in s]
    assert len(said) > 400


def test_analyses_name_the_structure_the_student_used(sim) -> None:
    card = CARDS[next(iter(CARDS))]
    q = card.questions[0]
    for variant in range(12):
        got_used = _teacher(sim, card, [("teacher", q.ask), ("student", "I read aloud at home every day, so I get "
                                                                        "used to the sounds of English.")],
                            str(variant))["Analysis"]
        assert "used to do" not in got_used and "过去常常" not in got_used, got_used
        loving = _teacher(sim, card, [("teacher", q.ask), ("student", "I love helping my grandparents in the "
                                                                      "garden, because they are old.")],
                          str(variant))["Analysis"]
        assert "like / enjoy" not in loving and not re.search(r"你(?:would|be going|频率|when|条件|比较|make|so|形式)",
                                                              loving), loving
        if "动名词" in loving:
            assert "love" in loving and "helping" in loving
        no = _teacher(sim, card, [("teacher", q.ask), ("student", "Not really, because my parents think it is too "
                                                                  "far for us.")], str(variant))["Analysis"]
        assert not re.search(r"\"(?:Not really|No|Yes|I think so)\" (?:很完整|这句)", no), no
        assert "和谁一起、在哪里" not in loving + no + got_used


def test_an_off_topic_line_is_told_so_as_a_pupil_is_told(sim) -> None:
    card = CARDS[next(iter(CARDS))]
    line = read_data("off_topic.txt").splitlines()[-1].strip()
    analysis = _teacher(sim, card, [("teacher", card.questions[0].ask), ("student", line)])["Analysis"]
    assert analysis.startswith("你跑题了，我们现在讨论的是关于") and "您" not in analysis


def test_the_offline_student_gives_answers_a_grammar_slip_can_be_made_in(sim) -> None:
    answers = [_student(sim, card, q.ask, f"{i}{k}") for i, card in enumerate(CARDS.values())
               for k, q in enumerate(card.questions)]
    fits = [a for a in answers if inject_grammar(a, random.Random(0), fallback=False)[1]]
    assert len(fits) >= 0.9 * len(answers), [a for a in answers if a not in fits][:5]


def test_what_a_script_can_count_on_a_generated_run(tmp_path: Path) -> None:
    from tests.bench.reading_counts import count
    from tests.bench.reading_sample import generate

    _, figures = count(generate(tmp_path / "ws", 40, 4))
    # follow-ups: about half of the replies to full answers on 200 dialogues; a small run is let off a little
    assert figures["full"] >= 40 and figures["followed"] >= 0.45 * figures["full"], figures
    assert figures["fillers"] == 0 and figures["like_us"] == 0 and figures["broken_names"] == 0
    assert 3 * figures["swaps"] <= figures["slips"], figures  # letter swaps: at most a third of the misspellings
    assert figures["added_sentences"] * 10 <= max(figures["grammar_turns"], 1), figures
    assert figures["answered_back"] == figures["asks_back"]
    assert figures["chinese_english"] == figures["chinese"]


def test_no_card_sentence_says_because_and_so_together() -> None:
    """因为…所以… said in English ("Because it is fun, so …") is the error a teacher corrects first."""
    said = [s for card in CARDS.values() for q in card.questions
            for s in [t.text for t in q.then] + [f"{o.say} because {w}" for o in q.options for w in o.why]]
    assert [s for s in said if re.search(r"\bbecause\b[^.!?]*, so\b", s, re.I)] == []


def test_an_easier_either_or_question_gets_three_different_answers(sim) -> None:
    for card in list(CARDS.values())[::2]:
        q = card.questions[0]
        answer = _teacher(sim, card, [("teacher", q.ask), ("student", "I don't know.")])
        assert " or " in answer["Reply"] and answer["Reply"].endswith("?"), answer["Reply"]
        chosen = [option_in(q, s.removeprefix("Neither, actually. ")) for s in answer["Suggestion"]]
        assert None not in chosen and len(set(chosen)) == 3, (card.title, answer["Suggestion"])


def test_the_scenes_next_question_after_a_follow_up_is_asked_without_a_way_back(sim) -> None:
    """The student answered the follow-up on the scene: the next question is asked straight on ("Now, back to …"
    is for a Reply that leaves the student's answer, as the teacher's own answer to a question does)."""
    asked = 0
    for card in list(CARDS.values())[::4]:
        q = card.questions[0]
        t = q.then[0]
        reply = _teacher(sim, card, [("teacher", q.ask), ("student", q.options[0].say), ("teacher", q.more),
                                     ("student", t.text)])["Reply"]
        assert word_count(reply) <= 30
        assert not re.search(r"\b(?:Now, back to|Let's go back to)\b", reply), reply
        asked += reply.endswith("?")
    assert asked == len(list(CARDS.values())[::4])
