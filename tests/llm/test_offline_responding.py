"""The offline teacher responds to what the student said and felt, and offers nothing that contradicts it: a yes or
no before a whole sentence is a whole sentence; a parent's objection and "I feel much better" are reacted to; an
answer of its own to an either-or question hears the question itself again; a remark still in the scene is brought
back to the question, not told it left the scene; a follow-up's Suggestions never say another option's doing; a
reason never runs on into "but", and a proposal's result is linked with "so"; an Analysis neither calls a gerund
phrase a noun phrase nor models a sentence that says the opposite of the complaint before it."""

from __future__ import annotations

import random
import re

import pytest

from studio.llm.offline import OfflineProvider
from studio.llm.offline.cards import load_cards
from studio.llm.offline.talk import full
from tests.llm.offline_asking import ask_teacher

CARDS = {c.title: c for c in load_cards().values()}
#: Gerunds' stems that say little of their own ("getting fitter", "making friends").
LIGHT = {"gett", "mak", "tak", "do", "hav", "go", "be", "com", "putt", "keep", "giv", "lett", "us", "se", "try"}


@pytest.fixture
def sim() -> OfflineProvider:
    return OfflineProvider(seed=83)


def _question(title: str, starts: str):
    return next(q for q in CARDS[title].questions if q.ask.startswith(starts))


def test_a_yes_or_no_before_a_whole_sentence_is_not_asked_for_one_again(sim) -> None:
    card = CARDS["Spring Festival traditions"]
    q = card.questions[0]
    history = [("teacher", f"Red envelopes, very modern. Let's hear a full sentence this time. {q.more}"),
               ("student", "Not really, I miss the old ways.")]
    for variant in range(8):
        reply = ask_teacher(sim, card, history, str(variant))["Reply"]
        assert not re.search(r"now let's hear|try to answer in a whole|remember to answer", reply, re.I), reply


def test_a_parents_objection_and_feeling_better_are_reacted_to(sim) -> None:
    games = CARDS["Video games and study"]
    asked = next(q for q in games.questions if "parents" in q.more)
    cold = CARDS["Catching a cold"]
    back = next(q for q in cold.questions if "go back" in q.ask)
    for variant in range(6):
        mum = ask_teacher(sim, games, [("teacher", asked.more), ("student", "My mum thinks it is too much.")],
                          str(variant))["Reply"]
        assert re.search(r"worry", mum), mum
        better = ask_teacher(sim, cold, [("teacher", back.ask), ("student", "Actually, I think I can go back tomorrow "
                                                                 "because I feel much better tonight.")], str(variant))
        assert "feeling better" in better["Reply"], better["Reply"]


def test_an_answer_of_its_own_to_an_either_or_question_hears_the_question_itself(sim) -> None:
    card = CARDS["Learning a musical instrument"]
    q = next(q for q in card.questions if any(o.zh.startswith("它能给你自信") for o in q.options))
    confidence = next(o for o in q.options if o.zh.startswith("它能给你自信"))
    a, b = [o for o in q.options if o is not confidence][:2]
    pick = q.pick.format(a=a.item, b=b.item)
    for variant in range(6):
        answer = ask_teacher(sim, card, [("teacher", q.ask), ("student", "I don't know."),
                                         ("teacher", f"No problem. {pick}"), ("student", confidence.zh)], str(variant))
        assert answer["Reply"].endswith(q.ask), answer["Reply"]
        assert confidence.english in answer["Suggestion"], answer["Suggestion"]


def test_a_remark_still_in_the_scene_is_brought_back_to_the_question(sim) -> None:
    card = CARDS["Public transport"]
    q = card.questions[0]
    for variant in range(4):
        # a bank remark the check finds clearly in the scene (0.14; "I saw a man riding a unicycle in the street
        # today." was 0.08 until the cross-encoder read it with the question: 0.37 now, at the offline teacher's
        # border, where the reply names the scene)
        reply = ask_teacher(sim, card, [("teacher", q.ask), ("student", "The lift in my building broke, so I walked "
                                                                        "up to the tenth floor.")], str(variant))["Reply"]
        assert card.about not in reply and "different topic" not in reply and reply.endswith(q.ask), reply
        assert re.search(r"back to my question", reply), reply


def test_a_follow_up_never_offers_another_options_doing(sim) -> None:
    checked = 0
    for card in CARDS.values():
        for q in card.questions:
            doings = {o.item.split()[0].lower(): o for o in q.options
                      if re.match(r"[a-z]+ing\b", o.item) and re.match(r"(?:I|We)\b", o.say)}
            if len(doings) < 2:
                continue
            for o in doings.values():
                if not q.follows(o):
                    continue
                others = [w[:-3] for w in doings if doings[w] is not o and w[:-3] not in LIGHT
                          and w[:-3] not in f"{o.say} {q.more} {q.ask}".lower()]
                for variant in range(3):
                    answer = ask_teacher(sim, card, [("teacher", q.ask), ("student", f"{o.item[:1].upper()}{o.item[1:]}, "
                                                                                     "I think.")], str(variant))
                    if not answer["Reply"].endswith(q.more):
                        continue
                    checked += 1
                    for s in answer["Suggestion"]:
                        assert not any(re.search(rf"\b{w}", s, re.I) for w in others), (card.title, o.item, s)
    assert checked >= 3


def test_a_reason_never_runs_on_into_but_and_a_result_is_linked_with_so() -> None:
    because_but = re.compile(r"^(?:yes and no|yes|no|not really|maybe),? because [^,]+, but", re.I)
    for card in CARDS.values():
        for q in card.questions:
            assert not any(because_but.match(t.text) for t in q.then), (card.title, q.more)
    transport = CARDS["Public transport"]
    cheaper = next(o for q in transport.questions for o in q.options if o.say.startswith("Tickets should be cheaper"))
    why = next(w for w in cheaper.why if w.startswith("more students"))
    for seed in range(12):
        said = full(cheaper, random.Random(seed), why)
        assert "because" not in said and not re.search(r"\b(?:as|since) more", said), said
    assert "because" not in cheaper.english or not cheaper.why[0].startswith("more")


def test_an_analysis_names_a_gerund_phrase_and_never_models_the_opposite_of_a_complaint(sim) -> None:
    pet = CARDS["Raising a pet"]
    jobs = _question("Raising a pet", "Which jobs")
    shop = CARDS["Online shopping problem"]
    size = next(q for q in shop.questions if "size" in q.ask)
    for variant in range(10):
        feeding = ask_teacher(sim, pet, [("teacher", jobs.ask), ("student", "Feeding him, I think.")], str(variant))
        assert "名词短语" not in feeding["Analysis"].replace("动名词短语", ""), feeding["Analysis"]
        small = ask_teacher(sim, shop, [("teacher", size.ask), ("student", "They are one size too small, since my toes "
                                                                           "touch the front. It a good experience for me.")],
                            str(variant))
        assert "It is a good experience" not in small["Analysis"], small["Analysis"]
        assert "It is not a good experience for me." in small["Analysis"], small["Analysis"]
