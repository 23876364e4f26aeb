"""The offline teacher's follow-ups fit what the student chose: its Suggestions, and the student's own answer,
come from the follow-up answers that fit that choice (``fits`` on a card's answer); a choice the follow-up
has no answer for hears the scene's next question; a student asked for a full sentence answers in one; a
reason after a liking is never "corrected" to a purpose; a phrase is never called a complete sentence."""

from __future__ import annotations

import random
import re

import pytest

from studio.domain.layout import format_history
from studio.llm.base import ChatRequest, Message
from studio.llm.offline import OfflineProvider
from studio.llm.offline.analysis import analysis_normal
from studio.llm.offline.cards import Card, CardError, load_cards, parse_cards, shipped_topics
from studio.llm.offline.reading import opens_with_phrase
from studio.llm.offline.talk import answered_already, full, then_in, then_said, whole_answers
from studio.resources import read_data
from studio.turn.prompts import Prompts
from tests.llm.offline_asking import ask_teacher as _teacher

PROMPTS = Prompts()
CARDS = load_cards()


@pytest.fixture
def sim() -> OfflineProvider:
    return OfflineProvider(seed=5)


def _card(title: str) -> Card:
    return next(c for c in CARDS.values() if c.title == title)


def _student(sim: OfflineProvider, card: Card, history: list[tuple[str, str]], variant: str) -> str:
    prompt = PROMPTS.render("student_normal", topic=card.topic, chat=format_history(history))
    return sim.respond(ChatRequest([Message("user", prompt)], variant=variant)).strip()


def test_a_follow_ups_suggestions_fit_the_choice_the_student_made(sim) -> None:
    checked = 0
    for card in CARDS.values():
        for q in card.questions:
            for o in (o for o in q.options if o.fits):
                for variant in range(3):
                    said = full(o, random.Random(variant))
                    answer = _teacher(sim, card, [("teacher", q.ask), ("student", said)], str(variant))
                    if answered_already(q.more, said):  # "Why …?" after a reason: the next question instead
                        assert not answer["Reply"].endswith(q.more), answer["Reply"]
                        continue
                    assert answer["Reply"].endswith(q.more), answer["Reply"]
                    fit = set(q.then_for(o))
                    assert all(then_in(q, s) in fit for s in answer["Suggestion"]), (card.title, o.item,
                                                                                      answer["Suggestion"])
                    checked += 1
    assert checked > 200
    concert = _card("The school concert").questions[1]
    singing = next(o for o in concert.options if o.item == "singing a song")
    answer = _teacher(sim, _card("The school concert"), [("teacher", concert.ask), ("student", full(singing,
                                                                                                   random.Random(1)))])
    assert not [s for s in answer["Suggestion"] if re.search(r"\bplay\b|mirror", s)], answer["Suggestion"]


def test_the_student_answers_a_follow_up_as_the_one_who_made_that_choice(sim) -> None:
    card = _card("The school concert")
    q = card.questions[1]
    for o in q.options:
        fit = {t.text for t in q.then_for(o)}
        for variant in range(8):
            history = [("teacher", q.ask), ("student", full(o, random.Random(variant))), ("teacher", q.more)]
            said = _student(sim, card, history, str(variant))
            assert any(t.text.rstrip(".") in said or then_in(q, said) is t for t in q.then_for(o)) or \
                then_in(q, said) is None and any(w in said for w in ("because", "so", "since", "as")), (o.item, said)
            assert then_in(q, said) is None or then_in(q, said).text in fit, (o.item, said)


def test_a_choice_the_follow_up_has_no_answer_for_hears_the_next_question(sim) -> None:
    card = _card("First trip abroad")
    q = next(q for q in card.questions if q.more == "What will you do if the answer is no?")
    weight = next(o for o in q.options if o.item == "the weight of my suitcase")
    assert not q.follows(weight)
    for said in (full(weight, random.Random(2)), "The weight of my suitcase, I think."):
        reply = _teacher(sim, card, [("teacher", q.ask), ("student", said)])["Reply"]
        assert q.more not in reply and any(reply.endswith(o.ask) for o in card.questions if o is not q), reply


def test_a_student_asked_for_a_full_sentence_answers_in_one(sim) -> None:
    card = _card("A new classmate")
    q = card.questions[1]
    assert [t for t in q.then if opens_with_phrase(t.text)]  # "Maybe at lunchtime, when …": left out here
    ask_more = f"The sports field, a good place to make friends. Try a full sentence this time. {q.more}"
    said = {_student(sim, card, [("teacher", q.ask), ("student", "The sports field, I think."),
                                 ("teacher", ask_more)], str(variant)) for variant in range(30)}
    assert not [s for s in said if opens_with_phrase(s)], said
    for variant in range(10):
        answer = _teacher(sim, card, [("teacher", q.ask), ("student", "The sports field, I think.")], str(variant))
        assert answer["Reply"].endswith(q.more) and "sentence" in answer["Reply"], answer["Reply"]
        assert not [s for s in answer["Suggestion"] if opens_with_phrase(s)], answer["Suggestion"]


def test_a_full_sentence_is_asked_for_with_a_follow_up_answered_in_estimates_said_whole(sim) -> None:
    card = _card("A summer job")
    q = card.questions[0]
    assert all(opens_with_phrase(t.text) for t in q.then[:2])  # "About fifteen hours a week, because …"
    assert len(whole_answers(q, q.options[0])) >= 3  # said whole: "I'd say about fifteen hours a week, because …"
    answer = _teacher(sim, card, [("teacher", q.ask), ("student", "A job in a bookshop.")])
    assert "sentence" in answer["Reply"] and answer["Reply"].endswith(q.more), answer["Reply"]
    assert not [s for s in answer["Suggestion"] if opens_with_phrase(s, strict=True)], answer["Suggestion"]
    assert "I'd say" in answer["Analysis"] or not opens_with_phrase(answer["Analysis"].rsplit('"', 2)[-2], strict=True)


def test_a_reason_after_a_liking_is_not_corrected_to_a_purpose() -> None:
    said = "I like the recorded lessons, because I can watch the hard parts again."
    for seed in range(30):
        out = analysis_normal(said, random.Random(seed))
        assert "so that" not in out and "不是原因" not in out, out
    plan = "Actually, I will take some free online courses, because I can learn the basics early."
    assert any("so that I can learn the basics early" in analysis_normal(plan, random.Random(s)) for s in range(10))


def test_an_answer_that_opens_with_a_phrase_is_not_called_a_complete_sentence() -> None:
    said = "About three hours a week, mostly on Saturday afternoons after my maths class."
    for seed in range(30):
        out = analysis_normal(said, random.Random(seed))
        assert "完整" not in out.replace("完整的句子", ""), out
        assert "主语和动词" in out, out


def test_a_cards_fits_must_name_its_follow_up_answers() -> None:
    text = read_data("offline_topics.toml")
    bad = text.replace('fits = [1, 6, 7, 8]', 'fits = [1, 6, 12]', 1)
    assert bad != text
    with pytest.raises(CardError, match=r"'fits' names a 'then' answer the question does not have"):
        parse_cards(bad, shipped_topics())
    first_left_out = text.replace('fits = [1, 6, 7, 8]', 'fits = [6, 7, 8]', 1)
    with pytest.raises(CardError, match=r"'fits' needs the first 'then' answer"):
        parse_cards(first_left_out, shipped_topics())
    assert re.search(r"fits = \[\]", text)  # and a choice with no follow-up at all is allowed


def test_a_reason_said_first_never_makes_so_twice() -> None:
    twice = [said for card in CARDS.values() for q in card.questions for o in q.options for why in o.why
             for seed in range(12) if " so " in (said := full(o, random.Random(seed), why)).split(", so ")[0] + " "
             and ", so " in said or re.match(r"There (?:is|are)\b.*, so ", said)]
    assert not twice, twice[:5]  # "My homework takes me so long, so I …"; "There are many …, so I'd like …"


def test_a_yes_or_maybe_is_not_said_back_and_then_is_never_said_first(sim) -> None:
    card = _card("Online learning")
    q = card.questions[0]
    for variant in range(12):
        reply = _teacher(sim, card, [("teacher", q.more), ("student", "I think so.")], str(variant))["Reply"]
        assert "you think so" not in reply.lower(), reply
    turned = [s for c in CARDS.values() for q in c.questions for t in q.then for seed in range(8)
              if (s := then_said(t, random.Random(seed))) != t.text]  # said otherwise than the card has it
    assert not [s for s in turned if re.match(r"(?:Then|There)\b[^.]*, so ", s)], turned[:3]


def test_only_a_plans_own_purpose_is_pointed_at_and_never_as_wrong() -> None:
    advice = "I would tell him to try a breakfast plan for the week, because he can try a different breakfast each day."
    plan = "Well, I will take the bus, because I can read on it."
    for seed in range(20):
        assert "so that" not in analysis_normal(advice, random.Random(seed))
        out = analysis_normal(plan, random.Random(seed))
        assert "so that I can read on it" in out and "不是原因" not in out, out
        assert "honest" not in analysis_normal("To be honest, my phone keeps me up, because short videos are hard "
                                               "to stop.", random.Random(seed))


def test_a_brief_answer_hears_no_reaction_to_what_only_the_full_answer_says(sim) -> None:
    card = _card("Sibling rivalry")
    q = card.questions[0]
    for variant in range(6):
        reply = _teacher(sim, card, [("teacher", q.more), ("student", "He usually wins.")], str(variant))["Reply"]
        assert "older one" not in reply, reply  # "Ah, the older one often has to give in." is about letting him win
        full_reply = _teacher(sim, card, [("teacher", q.more), ("student", q.then[0].text)], str(variant))["Reply"]
        assert full_reply.startswith(q.then[0].react), full_reply


def test_an_either_or_question_offers_two_real_choices(sim) -> None:
    card = _card("Climate and weather")
    q = next(q for q in card.questions if any(o.item == "not sure" for o in q.options))
    for variant in range(12):
        answer = _teacher(sim, card, [("teacher", q.ask), ("student", "I don't know.")], str(variant))
        assert "Let me make it easier" in answer["Reply"] and "not sure?" not in answer["Reply"], answer["Reply"]
        assert not [s for s in answer["Suggestion"] if re.match(r"Neither, actually\. (?:Yes|No)\b", s)], answer
        assert "Neither" not in answer["Analysis"], answer["Analysis"]  # its example is an answer, not a refusal


def test_what_will_or_can_happen_is_never_said_first_with_so() -> None:
    modal = re.compile(r"\b(?:will|won't|can|can't|could)\b")
    backwards = [s for card in CARDS.values() for q in card.questions for o in q.options for why in o.why
                 if modal.search(why) for seed in range(10)
                 if (s := full(o, random.Random(seed), why)).startswith(why[:1].upper() + why[1:] + ", so ")]
    for card in CARDS.values():
        for q in card.questions:
            for t in q.then:
                tail = t.text.split(", because ", 1)[1].rstrip(".") if ", because " in t.text else ""
                backwards += [s for seed in range(10) if tail and modal.search(tail)
                              and (s := then_said(t, random.Random(seed))).startswith(tail[:1].upper() + tail[1:])]
    assert not backwards, backwards[:3]  # "I won't hear the messages, so I could leave my phone in another room."


def test_a_follow_up_answer_with_then_is_never_said_with_since_or_as() -> None:
    thens = [t for card in load_cards().values() for q in card.questions for t in q.then
             if re.search(r", because then ", t.text)]
    said = [then_said(t, random.Random(seed)) for t in thens for seed in range(30)]
    assert thens and not [s for s in said if re.search(r"\b(?:since|as) then\b", s)]


def test_a_non_answer_to_a_follow_up_is_shown_an_answer_to_that_follow_up(sim) -> None:
    checked = 0
    for card in list(load_cards().values())[:12]:
        for q in card.questions:
            o = next((o for o in q.options if q.follows(o)), None)
            if o is None:
                continue
            history = [("teacher", q.ask), ("student", full(o, random.Random(1))), ("teacher", q.more),
                       ("student", "Em... I don't know.")]
            answer = _teacher(sim, card, history)
            model = re.findall(r"\"([^\"]+)\"", answer["Analysis"])[-1]
            assert model in [t.text for t in q.then], (q.more, answer["Analysis"])  # not an answer to the new question
            assert q.more not in answer["Reply"]
            checked += 1
    assert checked > 20


def test_after_asking_for_a_whole_sentence_no_suggestion_answers_with_a_word_for_yes(sim) -> None:
    """ "Only once, on a school trip, …", "Not yet, but …" answer a yes/no question, but not in the whole
    sentence the teacher just asked for; "No, this is my first time …" does."""
    assert opens_with_phrase("Only once, on a school trip, but I remember it.", strict=True)
    assert not opens_with_phrase("Only once, on a school trip, but I remember it.")
    assert not opens_with_phrase("No, this is my first time, so I am excited.", strict=True)
    for title in ("Train journey", "Watching the Olympics"):
        card = _card(title)
        for q in card.questions:
            for o in q.options:
                for variant in range(3):
                    answer = _teacher(sim, card, [("teacher", q.ask), ("student", f"Maybe {o.item}.")], str(variant))
                    if "sentence" in answer["Reply"]:
                        assert not [s for s in answer["Suggestion"] if opens_with_phrase(s, strict=True)], answer


def test_a_suggestion_calls_the_person_the_student_spoke_of_as_they_did(sim) -> None:
    """The student said 她 of the dentist: no Suggestion says "He told me …"."""
    card = _card("Seeing a dentist")
    for q in card.questions:
        said = " ".join(o.say for o in q.options) + " ".join(t.text for t in q.then)
        if not (re.search(r"\bhe\b", said, re.I) and re.search(r"\bshe\b", said, re.I)):
            continue
        for variant in range(10):
            for student in ("她让我每次刷满两分钟，因为我刷得太快了。", "She told me to brush for two minutes."):
                got = _teacher(sim, card, [("teacher", q.ask), ("student", student)], str(variant))["Suggestion"]
                assert not [s for s in got if re.match(r"He\b", s)], got


def test_two_suggestions_never_say_the_same_instead_of_idea() -> None:
    """ "Ride bikes instead of being driven" and "walk instead of taking the car" are one idea: never both."""
    from studio.llm.offline.talk import Asked, suggestions

    walk = '"We can walk to places that are near, instead of taking the car. | Walking instead of driving, good.",'
    text = read_data("offline_topics.toml").replace(
        '"We can sort our rubbish at home, so more of it can be recycled. | Sorting rubbish is really useful.",', walk, 1)
    assert walk in text
    card = next(c for c in parse_cards(text, shipped_topics()).values() if c.title == "Tree planting day")
    q = next(q for q in card.questions if q.ask == "Why is planting trees important?")
    for seed in range(30):
        got = suggestions(Asked("more", q, q.more), random.Random(seed))
        assert len(got) == 3 and len([s for s in got if "instead of" in s]) <= 1, got


def test_a_reason_that_says_its_answer_again_is_not_praised() -> None:
    said = "Trees are homes for birds and insects, because many animals need forests."
    for seed in range(20):
        out = analysis_normal(said, random.Random(seed))
        assert "because" not in out.replace(said, ""), out
    assert any("because" in analysis_normal(s, random.Random(seed)).replace(s, "") for seed in range(20)
               for s in ("Trees give us cleaner air, because they take in carbon dioxide.",))


def test_a_feeling_chosen_from_two_is_said_as_a_feeling(sim) -> None:
    """ "Confident or a bit nervous?" is answered "I feel confident …", never "I think confident is better"."""
    card = next(c for c in CARDS.values() for q in c.questions if q.ask == "How do you feel about the competition?")
    q = next(q for q in card.questions if q.ask == "How do you feel about the competition?")
    a, b = q.options[:2]
    pick = q.pick.format(a=a.item, b=b.item)
    said = {_student(sim, card, [("teacher", q.ask), ("student", "I don't know."), ("teacher", f"No problem. {pick}")],
                     str(variant)) for variant in range(20)}
    assert said and all(s.startswith("I feel ") for s in said), said
