"""What a teacher reading the offline Analyses would send back, kept out: advice that its own example does not show
("再用 because 加一个理由" before an example with "so", "补充一个具体的例子" before a reason, "一个简单的句子" before the
longest one), several pieces of advice stacked before one example, a reason or a feeling asked for that the student
already gave, a one-word "Yes." called a complete sentence, praise of a structure the student never used ("there"
the adverb taken for there-be, "like" the preposition taken for a verb, "always full" for an adverb before a verb),
and an example left as a template ("It makes me feel …"). All asked of the offline teacher as a run asks it."""

from __future__ import annotations

import re

import pytest

from studio.llm.offline import OfflineProvider
from studio.llm.offline.cards import Card, load_cards
from studio.llm.offline.praise import gives_reason
from tests.llm.offline_asking import ask_teacher

CARDS = {c.title: c for c in load_cards().values()}
QUOTED = re.compile(r"\"[^\"]*\"")
#: The example an Analysis ends with, after the words that lead into it.
EXAMPLE = re.compile(r"：\"([^\"]+)\"$")
ASK_REASON = re.compile("用 because 补充|再说说为什么|because 引出的理由|说出原因会更好|加上理由|补充原因|加一个理由|说明原因|"
                        "把理由说出来|把原因也说出来")
CALLED_WHOLE = re.compile("句子也完整|(?<!不)是完整的句子|句子完整|完整的句子回答了")
VARIANTS = [str(n) for n in range(8)]


@pytest.fixture(scope="module")
def sim() -> OfflineProvider:
    return OfflineProvider(seed=5)


def _analysis(sim: OfflineProvider, card: Card, history: list[tuple[str, str]], variant: str = "") -> str:
    return ask_teacher(sim, card, history, variant)["Analysis"]


def _question(card: Card, text: str):
    return next(q for q in card.questions if text in (q.ask, q.more))


def advice_problem(analysis: str) -> str | None:
    """What makes an Analysis's advice disagree with its own example, or None."""
    found = EXAMPLE.search(analysis)
    if found is None:
        return None
    example = found.group(1)
    advice = QUOTED.sub("", analysis)
    named = re.search(r"用 (because|since|as|so that) ", advice)
    if named and not re.search(rf"\b{named.group(1)}\b", example):
        return f"names {named.group(1)}, the example does not use it"
    if "例子" in advice and not re.search(r"for example|for instance|such as", example, re.I):
        return "asks for an example, the example gives none"
    if "简单" in advice and (len(re.findall(r"[^.!?]+", example)) > 1 or "," in example or len(example.split()) > 10):
        return "asks for a simple sentence, the example is not one"
    if re.search("原因|理由", advice) and not gives_reason(example):
        return "asks for a reason, the example gives none"
    if "目的" in advice and not re.search(r"\bso that\b|\bso [\w']+ (?:can|could)\b", example):
        return "asks for a purpose, the example gives none"
    if "细节或原因" in advice or "原因或感受" in advice:
        return "offers two kinds of advice for one example"
    return None


def test_the_seed_turns_a_reader_sent_back_are_answered_as_a_teacher_would(sim) -> None:
    grandparents, job, campus = CARDS["Grandparents' visit"], CARDS["A summer job"], CARDS["Plastic-free campus"]
    cook = _question(grandparents, "Who will help you in the kitchen?")
    why_job = _question(job, "Why do you want a summer job in the first place?")
    rule = _question(campus, "Which rule would you suggest to the student union?")
    for variant in VARIANTS:
        # a reason said as a sentence of its own: praised and shown joined, never asked for
        helped = _analysis(sim, grandparents, [("teacher", cook.ask), ("student", "I'd like to make dumplings for them."),
                                               ("teacher", f"Dumplings, a perfect family dish. {cook.more}"),
                                               ("student", "Grandma will probably want to help. She loves cooking for "
                                                           "the family.")], variant)
        assert not ASK_REASON.search(QUOTED.sub("", helped)), helped
        assert "Grandma will probably want to help, because she loves cooking for the family." in helped, helped
        # a feeling already said: never asked for, never with an unfinished template
        curious = _analysis(sim, job, [("teacher", why_job.ask), ("student", "A job in a bookshop."),
                                       ("teacher", f"A bookshop job sounds lovely. {why_job.more}"),
                                       ("student", "That's because I want to learn about books, and I am really "
                                                   "curious.")], variant)
        assert "感受，比如" not in curious and "It makes me feel" not in curious, curious
        assert "I am really curious" in curious and "感受" in curious, curious
        assert not ASK_REASON.search(QUOTED.sub("", curious)), curious
        # a short answer: one piece of advice, and its example shows it
        straws = _analysis(sim, campus, [("teacher", rule.ask), ("student", "Maybe paper straws.")], variant)
        assert advice_problem(straws) is None, (advice_problem(straws), straws)


def test_a_one_word_yes_is_never_called_a_complete_sentence(sim) -> None:
    card = CARDS["Volunteering at a hospital"]
    q = _question(card, "Will you volunteer again next year?")
    checked = 0
    for said in ("Yes.", "Of course.", "No.", "Sure."):
        for variant in VARIANTS:
            history = [("teacher", q.ask), ("student", "How a hospital works."),
                       ("teacher", f"Interesting. Try a full sentence this time. {q.more}"), ("student", said)]
            analysis = _analysis(sim, card, history, variant)
            assert not CALLED_WHOLE.search(QUOTED.sub("", analysis)), analysis
            assert re.search("一个词|一两个词", analysis), analysis
            assert advice_problem(analysis) is None, (advice_problem(analysis), analysis)
            checked += 1
    assert checked == 32


def test_there_the_adverb_is_never_praised_as_there_be(sim) -> None:
    card = CARDS["Hotel check-in"]
    q = _question(card, "Which places near the hotel would you like to visit?")
    for variant in VARIANTS:
        wrong = _analysis(sim, card, [("teacher", q.ask), ("student", "Well, I want visit the seafood market. The fish "
                                                                       "there is very fresh.")], variant)
        assert "there be" not in wrong and "there is very fresh\"" not in wrong, wrong
        assert "\"want visit\" 应改为 \"want to visit\"" in wrong, wrong
    q = card.questions[0]
    praised = 0
    for variant in VARIANTS:
        for said, never in (("I usually go to the school library, since the books there are more reliable.", "there be"),
                            ("Well, we should bring a packed lunch, because the food there is expensive.", "there be"),
                            ("I see the most plastic at the drink machines, since the bins are always full.", "频率副词"),
                            ("Students should learn skills that AI can't do, like working with people.", "动名词")):
            assert never not in _analysis(sim, card, [("teacher", q.ask), ("student", said)], variant), said
        good = _analysis(sim, card, [("teacher", q.ask), ("student", "I think there is a small museum near the hotel, "
                                                                      "so we could walk there.")], variant)
        praised += "there be" in good
    assert praised  # a real there-be clause is still praised


def test_every_short_answer_gets_one_piece_of_advice_its_example_shows(sim) -> None:
    checked = 0
    for card in load_cards().values():
        for q in card.questions:
            for n, o in enumerate(q.options):
                said = o.item[:1].upper() + o.item[1:] + "."
                analysis = _analysis(sim, card, [("teacher", q.ask), ("student", said)], str(n))
                assert advice_problem(analysis) is None, (advice_problem(analysis), said, analysis)
                checked += 1
            for n, t in enumerate(q.then):
                analysis = _analysis(sim, card, [("teacher", q.more), ("student", t.short)], str(n))
                assert advice_problem(analysis) is None, (advice_problem(analysis), t.short, analysis)
            non = _analysis(sim, card, [("teacher", q.ask), ("student", "I don't know.")])
            assert advice_problem(non) is None, (advice_problem(non), non)
    assert checked > 500


def test_every_card_reason_said_apart_is_joined_and_never_asked_for(sim) -> None:
    joined = 0
    for card in load_cards().values():
        for q in card.questions:
            for n, t in enumerate(q.then):
                m = re.match(r"^(?P<head>[^,]+), because (?P<tail>[^,]+)\.$", t.text)
                if m is None or re.match(r"(?:Yes|No|Not|Maybe)\b", t.text):
                    continue
                apart = f"{m.group('head')}. {m.group('tail')[:1].upper()}{m.group('tail')[1:]}."
                analysis = _analysis(sim, card, [("teacher", q.more), ("student", apart)], str(n))
                assert not ASK_REASON.search(QUOTED.sub("", analysis)), (apart, analysis)
                joined += "because" in analysis and "连" in analysis
    assert joined > 50


def test_a_mixed_answer_is_shown_in_english_as_the_student_said_it(sim) -> None:
    card = CARDS["Cooking a traditional dish"]
    q = card.questions[0]
    for variant in VARIANTS:
        for said, own in (("We make them at home with my mum, 因为 it is 好玩.",
                           "We make them at home with my mum, because it is fun."),
                          ("其实 Yes, they agree with me.", "Actually, yes, they agree with me.")):
            analysis = _analysis(sim, card, [("teacher", q.ask), ("student", said)], variant)
            assert "请尝试使用英语回答" in analysis and analysis.endswith(f"\"{own}\""), analysis


def test_i_think_so_is_never_told_to_become_in_my_opinion_so(sim) -> None:
    card = CARDS["Using a smartphone wisely"]
    q = card.questions[0]
    for variant in VARIANTS:
        analysis = _analysis(sim, card, [("teacher", q.ask), ("student", "I think so, because many students want to "
                                                                         "use their phones less.")], variant)
        assert "In my opinion" not in analysis and "I believe" not in analysis, analysis


def test_a_clause_on_its_own_is_shown_with_a_main_clause(sim) -> None:
    card = CARDS["Cultural exchange student"]
    q = next(q for q in card.questions if q.more.startswith(("Why", "What made you")))
    for variant in VARIANTS:
        for t in q.then:
            if t.text.startswith("Because"):
                analysis = _analysis(sim, card, [("teacher", q.more), ("student", t.short)], variant)
                example = EXAMPLE.search(analysis)
                assert example and not example.group(1).startswith("Because"), analysis
