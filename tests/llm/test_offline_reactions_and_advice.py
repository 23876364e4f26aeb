"""What a teacher reading the offline data would edit, kept out: stock acknowledgements ("Thanks for sharing
that.", "X, I can picture that.", "That's good to know." said to a nervous patient), an opening that asks two
questions, Suggestions that explain an explanation ("A. That's because B."), say a word of the answer again as
its reason, or put "that day" before the day; an Analysis that asks a sentence for a complete sentence, asks a
model phrase to be one, asks for a reason already given with as/since/so, or joins an example with because."""

from __future__ import annotations

import random
import re

import pytest

from studio.llm.offline import OfflineProvider
from studio.llm.offline.analysis import analysis_normal, analysis_short, gives_reason
from studio.llm.offline.cards import load_cards
from studio.llm.offline.talk import full, opening
from studio.turn.prompts import Prompts
from tests.llm.offline_asking import ask_teacher as _teacher

PROMPTS = Prompts()
CARDS = load_cards()
STOCK = re.compile(r"thanks for sharing|thanks for telling|picture that|good to know|, I see\.", re.I)
ASK_SENTENCE = re.compile("说一个完整的句子|说完整的句子，|组成句子|主语和动词")
ASK_REASON = re.compile("用 because 补充|再说说为什么|because 引出的理由|说出原因会更好|加上理由|补充原因")
JOIN = re.compile("连成一句|关系可以用 because")
WORD = re.compile(r"[a-z']{4,}")
#: Words any answer says, which make no reason a repetition.
PLAIN = set("""will would could should them they their this that these those there want like have with from very
really when what then some every about more much time think going good great nice can't don't it's i'm""".split())


@pytest.fixture
def sim() -> OfflineProvider:
    return OfflineProvider(seed=9)


def test_no_reply_acknowledges_with_a_stock_phrase(sim) -> None:
    checked = 0
    for card in CARDS.values():
        for q in card.questions:
            for n, o in enumerate(q.options):
                for said in (o.item[:1].upper() + o.item[1:] + ".", full(o, random.Random(n))):
                    reply = _teacher(sim, card, [("teacher", q.ask), ("student", said)], str(n))["Reply"]
                    assert not STOCK.search(reply), (card.title, said, reply)
                    checked += 1
            for n, t in enumerate(q.then):
                reply = _teacher(sim, card, [("teacher", q.more), ("student", t.short)], str(n))["Reply"]
                assert not STOCK.search(reply), (card.title, t.short, reply)
    assert checked > 300


def test_a_worry_is_met_as_normal_and_bad_news_is_never_called_great(sim) -> None:
    card = next(iter(CARDS.values()))
    q = card.questions[0]
    for variant in range(6):
        nervous = _teacher(sim, card, [("teacher", q.ask), ("student", "I feel a bit nervous.")], str(variant))
        assert "normal" in nervous["Reply"] and not re.search(r"great|nice|good", nervous["Reply"], re.I), nervous
        bad = _teacher(sim, card, [("teacher", q.ask), ("student", "My phone was broken last week.")], str(variant))
        assert not re.search(r"great|nice|good to", bad["Reply"], re.I), bad["Reply"]


def test_an_opening_asks_one_question() -> None:
    tag = re.compile(r",\s*(?:\w+(?:n't)? (?:it|there|you|they|we|he|she)|don't you think)\?")
    for card in CARDS.values():
        for seed in range(4):
            reply = opening(card, random.Random(seed))["Reply"]
            assert tag.sub(".", reply).count("?") == 1, reply


def test_a_reason_is_linked_without_explaining_an_explanation() -> None:
    for card in CARDS.values():
        for q in card.questions:
            for o in q.options:
                said = set(WORD.findall(o.say.lower())) - PLAIN
                fresh = [w for w in o.why if not set(WORD.findall(w.lower())) & said]
                for seed in range(12):
                    s = full(o, random.Random(seed))
                    assert "That's because" not in s, s
                    if fresh and len(fresh) < len(o.why):  # a reason that says a word of the answer again is not used
                        assert any(re.sub(r"^then ", "", w.lower()) in s.lower() for w in fresh), (o.say, s)
                    first = re.match(r"^(.+?)(?:, so |\. That's why )", s)
                    if first:  # "that day" and "there" never come before what they point back to
                        assert not re.search(r"\bthat (?:day|time)\b|\bthere\b|\bthen\b", first.group(1), re.I), s


def test_a_short_sentence_is_never_asked_for_a_complete_sentence() -> None:
    for seed in range(40):
        rng = random.Random(seed)
        out = analysis_short("I feel a bit nervous.", [], "I feel a bit nervous, because I hate the drill.", rng)
        assert not ASK_SENTENCE.search(out), out


def test_a_model_that_starts_with_a_phrase_comes_with_no_request_for_a_complete_sentence() -> None:
    for seed in range(40):
        out = analysis_short("Maybe once a week.", [], "Maybe once a week, usually on Saturday evening.",
                             random.Random(seed))
        assert not ASK_SENTENCE.search(out), out


@pytest.mark.parametrize("answer", ["I would choose a salad bar, as she can make changes to it.",
                                    "I would choose a salad bar, since she can make changes to it.",
                                    "She likes vegetables, so I would choose a salad bar for her.",
                                    "She likes vegetables. That's why I would choose a salad bar."])
def test_a_reason_already_given_is_not_asked_for(answer: str) -> None:
    assert gives_reason(answer)
    for seed in range(40):
        assert not ASK_REASON.search(analysis_normal(answer, random.Random(seed))), answer


def test_an_example_is_not_told_to_be_joined_with_because_or_so() -> None:
    answer = "Pollution is the biggest problem for wild birds. For example, some birds eat plastic by mistake."
    for seed in range(40):
        assert not JOIN.search(analysis_normal(answer, random.Random(seed)))
    assert not gives_reason("I like it so much.") and not gives_reason("I use it as a hobby.")


def test_a_chinese_answer_after_a_mixed_one_is_given_a_way_to_start(sim) -> None:
    card = next(iter(CARDS.values()))
    q = card.questions[0]
    o = next(o for o in q.options if o.zh)
    mixed = "I think this one is very 有意思, because I like it."
    once = _teacher(sim, card, [("teacher", q.ask), ("student", mixed)])
    twice = _teacher(sim, card, [("teacher", q.ask), ("student", mixed), ("teacher", once["Reply"]), ("student", o.zh)])
    starter = re.search(r'start with "([^"]+)…"', twice["Reply"])
    assert starter and o.english.startswith(starter.group(1)), twice["Reply"]


def test_an_english_answer_after_a_chinese_one_is_praised_for_it(sim) -> None:
    card = next(iter(CARDS.values()))
    q = card.questions[0]
    o = next(o for o in q.options if o.zh)
    once = _teacher(sim, card, [("teacher", q.ask), ("student", o.zh)])
    english = _teacher(sim, card, [("teacher", q.ask), ("student", o.zh), ("teacher", once["Reply"]),
                                   ("student", full(o, random.Random(1)))])
    assert "英语" in english["Analysis"].split("。")[0] + english["Analysis"].split("！")[0], english["Analysis"]
    plain = _teacher(sim, card, [("teacher", q.ask), ("student", full(o, random.Random(1)))])
    assert "英语回答" not in plain["Analysis"] and "换成" not in plain["Analysis"], plain["Analysis"]


def test_an_answer_said_back_is_never_asked_back_as_a_doubtful_question(sim) -> None:
    card = next(iter(CARDS.values()))
    q = card.questions[0]
    said = ("My parents are happy.", "I feel a bit nervous.", "My phone was broken last week.")
    said_back = 0
    for variant in range(8):
        for answer in said:
            reply = _teacher(sim, card, [("teacher", q.ask), ("student", answer)], str(variant))["Reply"]
            last = answer.rstrip(".").rsplit(" ", 1)[-1]
            assert f"{last}?" not in reply, reply  # "Your parents are happy?" sounds doubtful
            said_back += last in reply
    assert said_back
