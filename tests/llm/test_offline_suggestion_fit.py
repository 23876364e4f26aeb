"""Suggestions and Replies a teacher would edit, kept out: a Suggestion that names what the student did not choose
(a desk in the guest room, Charlotte's web to a Harry Potter reader), a reason said first that makes a judgement
read back to front, a card line a reader marks as unnatural, an opening that asks "what else", a bare "Okay." to
a second one-word answer, a short whole sentence asked for a whole sentence, and an answer only parroted back."""

from __future__ import annotations

import random
import re

import pytest

from studio.llm.offline import OfflineProvider
from studio.llm.offline.cards import load_cards
from studio.llm.offline.talk import full, opening, then_said
from tests.llm.offline_asking import ask_teacher

CARDS = load_cards()
BY_TITLE = {c.title: c for c in CARDS.values()}
#: Card English a reader marked as unnatural or wrong, and the like of it: never in a line a student is offered.
UNNATURAL = re.compile(r"from start to end|when it is polite|\bare far\.|\bis far\.|since then\b|"
                       r"\bwas when\b[^.]*\b(?:tells|says|finds|gets|comes|goes|makes|does)\b", re.I)
#: A judgement ("… is the hardest thing", "I like … most"), which a reason said first cannot lead to with "so".
JUDGEMENT = re.compile(r"\b(?:best|most|favourite|hardest|difficult|like|love|enjoy)\b", re.I)


@pytest.fixture
def sim() -> OfflineProvider:
    return OfflineProvider(seed=5)


def _lines(card):
    for q in card.questions:
        for o in q.options:
            yield o.say
            yield from (f"{o.say.rstrip('.')}, because {w}." for w in o.why)
        yield from (t.text for t in q.then)


def test_no_card_line_a_student_is_offered_has_english_a_reader_marked() -> None:
    found = [(c.title, s) for c in CARDS.values() for s in _lines(c) if UNNATURAL.search(s)]
    assert found == []


def test_a_reason_said_first_never_makes_a_judgement_read_back_to_front() -> None:
    for card in CARDS.values():
        for q in card.questions:
            for o in (o for o in q.options if JUDGEMENT.search(o.say)):
                head = o.say.rstrip(".!")
                for seed in range(12):
                    said = full(o, random.Random(seed))
                    assert not said.lower().endswith(f"so {head.lower()}.") and "That's why" not in said, said
            for t in q.then:
                m = re.match(r"^(?P<head>[^,]+), because", t.text)
                if m and JUDGEMENT.search(m.group("head")):
                    for seed in range(12):
                        said = then_said(t, random.Random(seed), because=seed % 2 == 0)
                        assert f", so {m.group('head')[:1].lower()}" not in said, said


def test_an_opening_never_asks_what_else() -> None:
    for card in CARDS.values():
        for seed in range(8):
            reply = opening(card, random.Random(seed))["Reply"]
            assert not re.search(r"\b(?:else|another)\b[^.!]*\?$", reply), (card.title, reply)


def test_a_follow_ups_suggestions_never_name_what_the_student_did_not_choose(sim) -> None:
    card = BY_TITLE["Reading club"]
    q = card.questions[0]
    for seed in range(6):
        answer = ask_teacher(OfflineProvider(seed=seed), card, [("teacher", q.ask),
                                                                 ("student", "I read the first Harry Potter book.")])
        assert answer["Reply"].endswith(q.more), answer
        said = " ".join(answer["Suggestion"])
        assert not re.search(r"Charlotte|little prince|\bfox\b", said), answer["Suggestion"]
    card = BY_TITLE["Grandparents' visit"]
    q = next(q for q in card.questions if q.more.startswith("How will you prepare the room"))
    for seed in range(6):
        answer = ask_teacher(OfflineProvider(seed=seed), card, [
            ("teacher", q.ask), ("student", "They will sleep in the small guest room, because it is next to the bathroom.")])
        assert answer["Reply"].endswith(q.more), answer
        assert not [s for s in answer["Suggestion"] if re.search(r"\bmy (?:desk|bedroom)\b", s)], answer["Suggestion"]


def test_the_soup_of_the_day_is_asked_about(sim) -> None:
    card = BY_TITLE["Ordering at a restaurant"]
    q = next(q for q in card.questions if q.ask.startswith("Which dish on the menu"))
    seen = set()
    for seed in range(4):
        answer = ask_teacher(OfflineProvider(seed=seed), card, [
            ("teacher", q.ask), ("student", "I don't know what the soup of the day is, since it is not written on the menu.")])
        seen |= set(answer["Suggestion"])
        assert len([s for s in answer["Suggestion"] if re.search(r"\bhow big|big enough\b", s)]) <= 1, answer
    assert any("what kind of soup" in s for s in seen), seen


def test_a_second_one_word_answer_is_encouraged_and_asked_for_a_sentence_again(sim) -> None:
    card = BY_TITLE["Volunteering at a hospital"]
    first = card.questions[0]
    q = next(q for q in card.questions if q.more == "Will you volunteer again next year?")
    history = [("teacher", first.ask), ("student", f"{first.options[0].item.capitalize()}."),
               ("teacher", f"Nice. Try a full sentence this time. {q.more}"), ("student", "Yes.")]
    answer = ask_teacher(sim, card, history)
    before = answer["Reply"][: answer["Reply"].rfind(re.findall(r"[^.!?]*\?", answer["Reply"])[-1])]
    assert re.search(r"whole sentence|full sentence", before), answer["Reply"]
    assert not before.startswith("Okay."), answer["Reply"]
    assert not [s for s in answer["Suggestion"] if re.match(r"(?:Yes|No|Not|Maybe)\b", s)], answer["Suggestion"]


def test_a_short_whole_sentence_is_not_asked_for_a_whole_sentence(sim) -> None:
    card = BY_TITLE["Learning to swim"]
    q = card.questions[0]
    answer = ask_teacher(sim, card, [("teacher", q.more), ("student", "I feel proud of myself.")])
    assert not re.search(r"whole sentence|full sentence", answer["Reply"]), answer["Reply"]


def test_a_guess_or_a_plan_is_said_back_with_a_comment_not_parroted(sim) -> None:
    card = BY_TITLE["Shopping for a gift"]
    q = next(q for q in card.questions if q.more == "How do you think your friend will react?")
    for said in ("She might cry a little.", "I think she will be very surprised."):
        reply = ask_teacher(sim, card, [("teacher", q.more), ("student", said)])["Reply"]
        assert not re.match(r"(?:Oh, )?So ", reply), reply


def test_no_card_reaction_asks_a_question_of_its_own() -> None:
    """A Reply asks one question: a reaction before it never asks another ("A coin in a dumpling, who found it?")."""
    asking = [(c.title, r) for c in CARDS.values() for q in c.questions
              for r in (*(o.wow for o in q.options), *(t.react for t in q.then)) if "?" in r]
    assert asking == []


def test_a_sick_student_hears_sympathy_not_a_problem(sim) -> None:
    card = BY_TITLE["Catching a cold"]
    q = next(q for q in card.questions if q.ask == "How are you feeling today?")
    for seed in range(6):
        reply = ask_teacher(OfflineProvider(seed=seed), card, [("teacher", q.ask), ("student", "A headache.")])["Reply"]
        assert "real problem" not in reply and re.search(r"sorry|poor you|feel better", reply), reply


def test_a_short_sentence_with_a_name_for_its_subject_is_a_whole_sentence(sim) -> None:
    card = BY_TITLE["Grandparents' visit"]
    q = next(q for q in card.questions if q.more == "Who will help you in the kitchen?")
    reply = ask_teacher(sim, card, [("teacher", q.more), ("student", "Grandma will probably want to help.")])["Reply"]
    assert not re.search(r"whole sentence|full sentence", reply), reply
    reply = ask_teacher(sim, card, [("teacher", q.more), ("student", "With my mum.")])["Reply"]
    assert re.search(r"whole sentence|full sentence", reply), reply


def test_a_first_bare_yes_to_a_follow_up_is_encouraged_not_met_with_okay(sim) -> None:
    card = BY_TITLE["Volunteering at a hospital"]
    q = next(q for q in card.questions if q.more == "Will you volunteer again next year?")
    for seed in range(4):
        reply = ask_teacher(OfflineProvider(seed=seed), card, [("teacher", q.more), ("student", "Yes.")])["Reply"]
        assert not reply.startswith("Okay.") and re.search(r"whole sentence|full sentence", reply), reply
