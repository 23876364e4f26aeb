"""The offline teacher never asks for what the student just said, and reads the student's words right: a guess before
a noun phrase ("Maybe a sketchbook and coloured pencils.") is no sentence; a reason already given is not asked for,
nor a judgement already made; a Reply says no content word in two of its parts; "that person" is said as "her" of a
student's mum; an off-topic remark is brought back to what the open question is about; a card's reasons are causes
and its choices fit a student who performs."""

from __future__ import annotations

import re

import pytest

from studio.llm.offline import OfflineProvider
from studio.llm.offline.cards import load_cards
from studio.llm.offline.reading import is_fragment, opens_with_phrase
from tests.llm.offline_asking import ask_teacher

CARDS = {c.title: c for c in load_cards().values()}
#: Words two parts of one Reply may both say.
FUNCTION = frozenset("""this that these those your what which when where have will would could should about there
they them their then from with just very much more some like want think it's i'm don't that's let's""".split())


@pytest.fixture
def sim() -> OfflineProvider:
    return OfflineProvider(seed=89)


def _question(title: str, starts: str):
    return next(q for q in CARDS[title].questions if q.ask.startswith(starts))


def _content(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z']+", text.lower()) if len(w) > 3 and w not in FUNCTION}


def test_a_guess_before_any_cards_answer_is_a_fragment_and_the_analysis_says_so(sim) -> None:
    scanned = 0
    for card in CARDS.values():
        for q in card.questions:
            for o in q.options:
                for guess in ("Maybe", "Perhaps", "Probably"):
                    said = f"{guess} {o.item}."
                    scanned += 1
                    assert is_fragment(said) and opens_with_phrase(said, strict=True), (card.title, said)
    assert scanned > 1000
    gift = _question("Shopping for a gift", "What do you want to buy")
    for variant in range(6):
        answer = ask_teacher(sim, CARDS["Shopping for a gift"],
                             [("teacher", gift.ask), ("student", "Maybe a sketchbook and coloured pencils.")], str(variant))
        assert "句子也完整" not in answer["Analysis"] and re.search("短语|词组|不完整|主语和动词", answer["Analysis"]), \
            answer["Analysis"]


def test_a_reason_or_a_judgement_already_given_is_not_asked_for(sim) -> None:
    book = _question("Reading club", "What book would you choose")
    museum = _question("A museum visit", "How did you learn")
    for variant in range(8):
        reply = ask_teacher(sim, CARDS["Reading club"], [("teacher", book.ask), (
            "student", "Hmm, I would choose a mystery novel because everyone wants to know the ending.")], str(variant))
        assert book.more not in reply["Reply"] and not any("funny" in s for s in reply["Suggestion"]), reply
        pick = museum.pick.format(a="the signs", b="a tour guide")
        reply = ask_teacher(sim, CARDS["A museum visit"], [("teacher", museum.ask), ("student", "I don't know."),
                                                           ("teacher", f"No problem. {pick}"),
                                                           ("student", "I think a tour guide is better, because she "
                                                                       "knew so many stories.")], str(variant))
        assert museum.more not in reply["Reply"] and not any(s.startswith("Not really") for s in reply["Suggestion"]), \
            reply
    asked = 0
    for card in CARDS.values():  # every "Why …?" follow-up, after an answer with its reason
        for q in card.questions:
            if not q.more.startswith("Why"):
                continue
            for o in q.options[:2]:
                asked += 1
                said = f"{o.say[:-1]}, because {o.why[0]}."
                reply = ask_teacher(sim, card, [("teacher", q.ask), ("student", said)], "0")["Reply"]
                assert q.more not in reply, (card.title, said, reply)
    assert asked >= 4


def test_no_reply_says_a_content_word_in_two_of_its_parts(sim) -> None:
    trees = CARDS["Tree planting day"]
    for variant in range(12):
        reply = ask_teacher(sim, trees, [], str(variant))["Reply"]
        question = reply[reply.rstrip("?").rfind(". ") + 2:] if ". " in reply else reply
        lead = reply[: len(reply) - len(question)]
        assert not _content(lead) & _content(question), reply
    dish = CARDS["Cooking a traditional dish"]
    filling = _question("Cooking a traditional dish", "What filling")
    for variant in range(8):
        reply = ask_teacher(sim, dish, [("teacher", f"Oh, pork and cabbage. Try a full sentence this time. {filling.more}"),
                                        ("student", "We will make it together.")], str(variant))["Reply"]
        assert len(re.findall(r"\bgood\b", reply, re.I)) <= 1 and "good teaching" not in reply, reply


def test_the_person_the_student_named_is_her_or_him_not_that_person(sim) -> None:
    jobs = CARDS["Dream jobs"]
    who = _question("Dream jobs", "Who has influenced")
    followed = 0
    for variant in range(10):
        reply = ask_teacher(sim, jobs, [("teacher", who.ask), ("student", "My mum.")], str(variant))["Reply"]
        assert "that person" not in reply, reply
        if reply.endswith("What have you learned from her?"):
            followed += 1
            then = ask_teacher(sim, jobs, [("teacher", who.ask), ("student", "My mum."), ("teacher", reply),
                                           ("student", "I learned to be patient, because success takes time.")],
                               str(variant))["Reply"]
            assert "learned from" not in then, then  # read back as the follow-up: answered, the talk goes on
    assert followed >= 1


def test_an_off_topic_remark_is_brought_back_to_what_the_open_question_is_about(sim) -> None:
    bake = CARDS["Learning to bake"]
    one_day = _question("Learning to bake", "What kind of cake")
    for variant in range(8):
        reply = ask_teacher(sim, bake, [("teacher", one_day.ask), ("student", "What is your name? Where do you live?")],
                            str(variant))["Reply"]
        assert "first cake" not in reply and reply.endswith(one_day.ask), reply


def test_a_cards_reasons_are_causes_and_a_performer_is_offered_acts(sim) -> None:
    likes = _question("Shopping for a gift", "What does your friend like")
    assert not any(re.search(r"\b(?:phone is full|watches every game|draws in every)\b", w) for o in likes.options
                   for w in o.why)
    community = next(q for c in CARDS.values() for q in c.questions for o in q.options if o.item == "the new library")
    assert "it opened last spring" not in [w for o in community.options for w in o.why]
    concert = CARDS["The school concert"]
    feel = _question("The school concert", "How do you feel about performing")
    show = _question("The school concert", "What will you do for the show")
    for variant in range(8):
        answer = ask_teacher(sim, concert, [("teacher", feel.more), ("student", "My friends cheering for me will help.")],
                             str(variant))
        if answer["Reply"].endswith(show.ask):
            assert not any(re.search(r"costume|lights|sewing", s) for s in answer["Suggestion"]), answer
    for o in show.options:
        assert not re.search(r"costume|lights", o.say), o.say


def test_a_full_sentence_asked_for_never_says_the_questions_time_again(sim) -> None:
    card = CARDS["A new classmate"]
    show = next(q for q in card.questions if q.ask.startswith("Which places"))
    asked = 0
    for variant in range(16):
        reply = ask_teacher(sim, card, [("teacher", show.ask), ("student", "The sports field, I think.")],
                            str(variant))["Reply"]
        if "have time" in reply and "sentence" in reply:
            asked += 1
            assert len(re.findall(r"\btime\b", reply)) == 1, reply
    assert asked >= 1
