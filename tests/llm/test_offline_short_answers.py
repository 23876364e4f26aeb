"""A short answer is handled one way throughout a teacher turn: when the Reply asks for a whole sentence, the
Analysis's model answer is a whole sentence, and the question after the request is an open one (never one a
yes or a no answers); the easier either-or question offered for a "Why …?" question still asks for a cause."""

from __future__ import annotations

import re

import pytest

from studio.llm.offline import OfflineProvider
from studio.llm.offline.cards import load_cards
from studio.llm.offline.reading import opens_with_phrase
from tests.llm.offline_asking import ask_teacher

CARDS = {c.title: c for c in load_cards().values()}
ASKS_WHOLE = re.compile(r"(?:full|whole) sentence")
YES_NO = re.compile(r"^(?:Will|Would|Do|Does|Did|Are|Is|Was|Were|Can|Could|Have|Has|Should|Shall)\b")


@pytest.fixture
def sim() -> OfflineProvider:
    return OfflineProvider(seed=97)


def _models(analysis: str) -> list[str]:
    return re.findall(r"\"([^\"]+)\"", analysis)


def test_a_model_answer_after_a_whole_sentence_request_is_a_whole_sentence(sim) -> None:
    """A phrase answer to the follow-up ("About three hours.") and to the question itself ("About fifty yuan a
    month." said to a card question): asked for a whole sentence, the student is never shown a phrase as the model."""
    checked = 0
    for card in CARDS.values():
        for q in card.questions[:2]:
            for then in q.then:
                if not opens_with_phrase(then.text, strict=True):
                    continue
                said = re.split(r",| because | if | so ", then.text, maxsplit=1)[0].rstrip(".") + "."
                for variant in range(2):
                    answer = ask_teacher(sim, card, [("teacher", f"Nice. {q.more}"), ("student", said)], str(variant))
                    if not ASKS_WHOLE.search(answer["Reply"]):
                        continue
                    checked += 1
                    model = _models(answer["Analysis"])[-1]
                    assert not opens_with_phrase(model, strict=True), (card.title, said, answer["Analysis"])
    assert checked > 20


def test_no_yes_no_question_follows_a_whole_sentence_request(sim) -> None:
    checked = 0
    for card in CARDS.values():
        for q in card.questions:
            for o in q.options[:2]:
                answer = ask_teacher(sim, card, [("teacher", q.ask), ("student", f"{o.item[:1].upper()}{o.item[1:]}.")])
                reply = answer["Reply"]
                if not ASKS_WHOLE.search(reply):
                    continue
                checked += 1
                after = re.split(r"(?:full|whole) sentence[^.!?]*[.!?]\s*", reply, maxsplit=1)[-1]
                assert not YES_NO.match(after), (card.title, reply)
    assert checked > 100


def test_the_easier_choice_for_a_why_question_asks_for_a_cause(sim) -> None:
    neighbour = next(c for c in CARDS.values() if c.title.startswith("Helping an elderly neighbour"))
    why = next(q for q in neighbour.questions if q.ask.startswith("Why"))
    for variant in range(4):
        answer = ask_teacher(sim, neighbour, [("teacher", why.ask), ("student", "I'm not sure.")], str(variant))
        if " or " in answer["Reply"]:
            assert "because of" in answer["Reply"], answer["Reply"]
        assert "不知道怎么说" not in answer["Analysis"], answer["Analysis"]
    whys = [q for c in CARDS.values() for q in c.questions if q.ask.startswith("Why")]
    assert whys and all("because of {a} or {b}" in q.pick for q in whys)


def test_a_reaction_that_praises_is_never_followed_by_half_praise(sim) -> None:
    """A second short answer after a whole-sentence request: never "…, well done. Nice try! Now let's hear …"."""
    praises = re.compile(r"\b(?:well done|great|good|nice|wonderful|perfect|excellent|brilliant|smart)\b", re.I)
    half = re.compile(r"Nice try!|Good start!|That's a start!")
    praised = 0
    for card in CARDS.values():
        for q in card.questions:
            for o in q.options:
                said = f"{o.item[:1].upper()}{o.item[1:]}, I think."
                reply = ask_teacher(sim, card, [("teacher", f"Okay. Try a full sentence this time. {q.ask}"),
                                                ("student", said)])["Reply"]
                at = half.search(reply)
                if at is None:
                    praised += bool(praises.search(reply.split("sentence")[0]))
                    continue
                assert not praises.search(reply[: at.start()]), (card.title, reply)
    assert praised > 5
