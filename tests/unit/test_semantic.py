"""studio.semantic: offline similarity between topic texts and relatedness of an utterance to a dialogue."""

from __future__ import annotations

import numpy as np
import pytest

from studio import semantic

BASKETBALL = "两位同学对一场激动人心的篮球比赛进行回顾和分析。"


def test_embed_gives_one_unit_row_per_text_and_zeros_for_no_content():
    m = semantic.embed([BASKETBALL, "We watched an exciting basketball match", "OK."])
    assert m.shape == (3, semantic.DIM)
    assert np.allclose(np.linalg.norm(m[:2], axis=1), 1, atol=1e-5)
    assert not m[2].any()


def test_a_chinese_paraphrase_is_closer_than_another_scene():
    paraphrase = "两个同学一起回顾并分析了一场精彩的篮球赛。"
    other = "两位学生讨论了他们的家庭旅行和假期计划。"
    assert semantic.similarity(BASKETBALL, BASKETBALL) == 1.0
    assert semantic.similarity(BASKETBALL, paraphrase) > semantic.similarity(BASKETBALL, other) + 0.1
    assert semantic.similarity(BASKETBALL, other) == semantic.similarity(other, BASKETBALL)


def test_chinese_and_english_meet_in_one_vocabulary():
    words = semantic.content_words(BASKETBALL)
    assert "basketball" in words and "的" not in words
    assert semantic.similarity(BASKETBALL, "Two classmates review an exciting basketball game") > \
        semantic.similarity(BASKETBALL, "Two classmates plan a family holiday by the sea")


def test_relatedness_has_no_opinion_on_an_answer_without_content():
    assert semantic.relatedness("Yes, I do.", [BASKETBALL]) is None
    assert semantic.relatedness("The basketball match was exciting", [BASKETBALL]) > \
        semantic.relatedness("My cat is sleeping on my bed now", [BASKETBALL])


def test_a_word_shared_through_a_compound_of_another_sense_does_not_make_an_answer_on_topic():
    from studio.semantic.offtopic import topic_fit

    context = dict(topic=BASKETBALL, title="Reviewing a basketball game",
                   history=[("teacher", "What did you think of the game last night?")])
    assert topic_fit("My favourite video game is Minecraft.", **context).off_topic
    assert not topic_fit("The basketball game was great, we won by ten points.", **context).off_topic
    assert topic_fit("Yes, I do.", **context).score is None, "nothing to judge is not off topic"
    assert topic_fit("我喜欢打篮球", **context).score is None, "Chinese is a fault of its own"


def test_the_fit_finds_the_direction_of_the_evidence_and_its_probability_follows():
    from studio.semantic.offtopic import probability
    from studio.semantic.offtopic_model import fit

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    y = x[:, 0] - 0.2 * rng.normal(size=200) > 0  # only the first feature carries the label
    model = fit(x.tolist(), y.tolist())
    assert model[2][0] > 2 * abs(model[2][1])
    assert probability([2.0, 0.0], model) > 0.9 > 0.1 > probability([-2.0, 0.0], model)


def test_a_topic_word_in_another_sense_or_a_turn_to_something_else_is_off_topic():
    from studio.semantic.offtopic import topic_fit

    golf = dict(topic="学生加入了学校的高尔夫球俱乐部，和老师聊训练和比赛。", title="The school golf club",
                history=[("teacher", "What do you practise at the golf club?")])
    assert topic_fit("My book club reads a mystery novel every month, I love it.", **golf).off_topic
    assert topic_fit("We hit balls for an hour, and by the way my cousin is getting married next month in Hangzhou.",
                     **golf).off_topic
    for on in ("We practise putting on the green and the coach shows us how to swing.",
               "I hit the ball too hard and it flew over the fence into the lake."):
        assert not topic_fit(on, **golf).off_topic, on


@pytest.mark.lm
def test_the_labelled_sets_are_judged_with_few_false_alarms():
    """All four labelled sets (572 answers on 41 topics); the benchmark prints the same figures per set,
    in-sample and with each topic held out of the fit."""
    import json
    from pathlib import Path

    from studio.semantic.offtopic import prepare, topic_fit

    flagged: dict[str, list[bool]] = {"on": [], "loose": [], "off": []}
    groups = []
    for name in ("off_topic_cases.json", "off_topic_new_topics.json", "off_topic_holdout.json", "off_topic_asides.json"):
        for g in json.loads((Path(__file__).resolve().parents[1] / "data" / name).read_text("utf-8")):
            groups.append((g, [tuple(h) for h in g.get("history", [])] + [("teacher", g["teacher"])]))
    prepare((u, g["topic"], g["title"], history) for g, history in groups for label in flagged for u in g[label])
    for g, history in groups:  # as an import judges them: readied together, then one by one
        for label in flagged:
            flagged[label] += [topic_fit(u, topic=g["topic"], title=g["title"], history=history).off_topic
                               for u in g[label]]
    tp, fp = sum(flagged["off"]), sum(flagged["on"]) + sum(flagged["loose"])
    assert sum(flagged["on"]) <= 0.06 * len(flagged["on"]), "answers on topic flagged"
    assert tp / (tp + fp) >= 0.85 and tp / len(flagged["off"]) >= 0.85


def test_stepping_out_of_the_conversation_is_off_topic_and_a_plea_for_help_is_not():
    from studio.semantic.offtopic import topic_fit

    hiking = "两位朋友计划周末去郊外徒步，讨论路线、装备和安全注意事项。"
    asked = [("teacher", "Where would you like to go hiking this weekend?")]
    for aside in ("Good morning teacher, nice to see you again. How was your day?",
                  "Teacher, what is your hometown like? Do you enjoy teaching us?"):
        fit = topic_fit(aside, topic=hiking, history=asked)
        assert fit.off_topic and fit.other, (aside, fit)
    plea = topic_fit("Sorry, I not know the word for that.", topic=hiking, history=asked)
    assert plea.score is None and not plea.off_topic  # the teacher helps; it is no step off the topic
    assert not topic_fit("I would like to walk to the lake and have a picnic there.", topic=hiking,
                         history=asked).off_topic
    english = "在学习了一段时间的英语后，两位同学开始就他们的英语学习进步进行交谈。"
    assert not topic_fit("My English is still poor, I can only speak a little.", topic=english,
                         history=[("teacher", "How is your English going this term?")]).off_topic


@pytest.mark.lm
def test_where_the_sentence_vectors_are_unsure_the_language_model_decides():
    from studio.semantic.offtopic import ASK_LM, topic_fit

    festival = dict(topic="中秋节晚上，一家人在院子里赏月吃月饼。", title="The Mid-Autumn Festival",
                    history=[("teacher", "What does your family do on the night of the festival?")])
    legend = topic_fit("My little brother plays with a paper lantern shaped like a rabbit.", **festival)
    violin = topic_fit("My brother is learning to cook from a video on his phone.", **festival)
    for fit in (legend, violin):
        assert fit.pointwise is not None, "unsure from the vectors alone: the language model was asked"
        assert "language model" in fit.explain()
    assert not legend.off_topic and legend.pointwise > 0, "the rabbit lantern belongs to the festival's world"
    assert violin.off_topic and violin.pointwise < 0
    clear = topic_fit("We sit in the yard, eat mooncakes and look at the full moon.", **festival)
    assert clear.pointwise is None and not clear.off_topic and not ASK_LM[0] <= clear.probability < ASK_LM[1]


def test_without_its_language_model_the_check_judges_by_the_sentence_model_alone(monkeypatch):
    from studio.semantic.offtopic import forget, topic_fit

    monkeypatch.setenv("STUDIO_OFFTOPIC_LM", "off")
    forget()
    fit = topic_fit("My grandma tells us the story of Chang'e and the rabbit.", topic="中秋节晚上，一家人在院子里赏月吃月饼。",
                    title="The Mid-Autumn Festival", history=[("teacher", "What does your family do on the night of the festival?")])
    assert fit.pointwise is None and fit.probability is not None


def test_unless_asked_for_the_check_leaves_its_language_model_out(monkeypatch):
    """The studio ships without the language-model step (it costs ten times the CPU for 0.01–0.04 of F1
    on sets nothing was fitted on): an answer the sentence model is unsure of is not read by it."""
    from studio.semantic import offtopic

    monkeypatch.delenv("STUDIO_OFFTOPIC_LM", raising=False)
    offtopic.forget()
    assert not offtopic.asks_lm()
    fit = offtopic.topic_fit("My grandma tells us the story of Chang'e and the rabbit.",
                             topic="中秋节晚上，一家人在院子里赏月吃月饼。", title="The Mid-Autumn Festival",
                             history=[("teacher", "What does your family do on the night of the festival?")])
    assert fit.pointwise is None and fit.probability is not None
    monkeypatch.setenv("STUDIO_OFFTOPIC_LM", "on")
    assert offtopic.asks_lm()


def test_an_opening_actually_announces_no_turn_of_the_talk() -> None:
    from studio.semantic.offtopic import announces_turn

    assert not announces_turn("Actually, I always feel sleepy in the first lesson, so I want to wake up.")
    assert not announces_turn("Well, actually I like it because the air is fresh.")
    assert announces_turn("I like it, actually my cousin is getting married next month.")
    assert announces_turn("By the way, my cousin is getting married next month.")
    assert announces_turn("Actually, by the way, my cat is ill.")


def test_a_word_of_the_question_echoed_and_taken_elsewhere_is_off_topic_and_an_echo_answered_is_not() -> None:
    """Examples written for this test (none is in a labelled set): the echoed word keeps every measure
    close to the dialogue, so the rest is judged without the dialogue's words."""
    from studio.semantic.offtopic import topic_fit

    photo = dict(topic="毕业前全班在操场拍毕业照，摄影师安排同学们站位。", title="The class graduation photo",
                 history=[("teacher", "You're tall. Would you like to stand in the back row or the front row?")])
    fit = topic_fit("Row? Last summer my uncle taught me to row a boat on the lake near his village.", **photo)
    assert fit.off_topic and fit.echoed == "Row"
    assert "'Row' taken elsewhere" in fit.explain()
    for on in ("Row? The back row, please, because I am taller than most of my classmates.",
               "Row? Yes, I'll stand in the back row next to my best friend Lily.",
               "Why? Because the photographer said the tall students stand at the back."):
        assert not topic_fit(on, **photo).off_topic, on


def test_the_marks_of_a_step_out_are_measured() -> None:
    """Examples written for this test: "talking about", "reminds me" and "I forgot to tell you" announce
    a turn of the talk; an answer opening with "Teacher," speaks to the teacher; one opening with the
    question's word and a pause echoes it."""
    from studio.semantic.offtopic_features import (
        announces_turn,
        echo_and_pause,
        echoes,
        opens_to_teacher,
    )

    for turn in ("Talking about trains, my uncle drives a truck.", "Speaking about maths, I failed again.",
                 "Cake reminds me, my aunt opened a shop.", "Oh, I forgot to tell you, we have a test."):
        assert announces_turn(turn), turn
    for no_turn in ("I forgot my ticket at home, can I still get in?", "It reminded the class of the rules"):
        assert not announces_turn(no_turn), no_turn
    assert opens_to_teacher("Teacher, can you play the piano?")
    assert not opens_to_teacher("My teacher says I should practise every day.")
    asked = "Which ticket would you like, the morning one or the evening one?"
    assert echo_and_pause("Ticket... oh, did you see the new film?", asked)
    assert not echo_and_pause("Em... the morning one, please.", asked)
    assert not echo_and_pause("Ticket? The morning one, please.", asked)
    assert echoes("Evening? In the evening I usually play basketball with my friends in the park.", asked)
    assert echoes("Ticket... oh, did you see the new film?", asked)
    assert not echoes("Evening? Yes, the evening one, please, I have class in the morning.", asked)


def test_stepping_out_of_a_role_play_is_off_topic_and_the_errand_is_not() -> None:
    """Examples written for this test: the marks of a step out, in a role-play at a sports centre's desk."""
    from studio.semantic.offtopic import topic_fit

    desk = dict(topic="学生在体育中心前台办游泳卡，工作人员介绍次卡和月卡。", title="Buying a swimming card",
                history=[("teacher", "We have a 10-time card and a monthly card. Which one would you like?")])
    for out in ("Teacher, can you swim? What is your best stroke?",
                "Talking about cards, I collect football cards and I have two hundred now.",
                "Card... oh, my phone card has no money, can I use your phone?"):
        assert topic_fit(out, **desk).off_topic, out
    assert not topic_fit("The monthly card, please, because I want to swim every day in the summer.",
                         **desk).off_topic


def test_a_question_back_to_the_teacher_after_an_answer_is_not_a_step_out() -> None:
    """Examples written for this test: in a talk about fireworks, "Teacher, …" opening the answer steps out of
    it; after an answer, about the talk, it is a question back (the mark is not read in a rest)."""
    from studio.semantic.offtopic import topic_fit
    from studio.semantic.offtopic_features import FEATURES, features

    talk = dict(topic="英语老师和学生讨论春节放鞭炮的习俗，以及城市里是否应该禁止放鞭炮。", title="Fireworks at Spring Festival",
                history=[("teacher", "Many cities ban fireworks now. Do you think that is a good idea?")])
    back = "Teacher, do people in your country set off fireworks at New Year too?"
    mark = FEATURES.index("opens to the teacher")
    assert features(back, topic=talk["topic"], title=talk["title"])[mark] == 1.0
    assert features(back, topic=talk["topic"], title=talk["title"], rest=True)[mark] == 0.0
    assert not topic_fit(f"Yes, it is a good idea, the air is much cleaner after the holiday. {back}", **talk).off_topic
    assert topic_fit("Teacher, what is your favourite band? I love Mayday.", **talk).off_topic


def test_a_reason_after_a_sentence_break_keeps_the_answer_on_topic() -> None:
    """A known false alarm until the refit on thirty-six sets: the reason after the sentence break, judged
    alone, keeps no word of the scene."""
    from studio.semantic.offtopic import topic_fit

    desk = dict(topic="学生在体育中心前台办游泳卡，工作人员介绍次卡和月卡。", title="Buying a swimming card",
                history=[("teacher", "We have a 10-time card and a monthly card. Which one would you like?")])
    assert not topic_fit("The 10-time card, I think. I can only come on Saturdays because of school.", **desk).off_topic


def test_an_answer_like_other_lessons_drifts_reads_close_to_the_bank_and_one_about_this_lesson_does_not() -> None:
    """Examples written for this test: against a bank of drifts from other lessons (a chemistry test, a phone
    game, a pop concert), a drift of the same kind reads close; an answer about a lesson whose own subject is
    one of the banked drifts (a talk about exams) does not read it as one, since that banked answer is not far
    from the dialogue."""
    from studio.semantic import offtopic_bank
    from studio.semantic.encoder import sentence_vector, sentence_vectors

    drifts = ["We have a chemistry test tomorrow and I didn't review at all.",
              "Do you play Honor of Kings? I got a new skin yesterday.",
              "My favourite singer is coming to our city for a concert in May."]
    zoo = ("Do you think zoos should still keep big animals like elephants?", "Should Zoos Keep Elephants?",
           "students discuss whether zoos should keep elephants")
    exams = ("How do you prepare for a chemistry test?", "Getting Ready for Exams",
             "students talk about reviewing for exams")
    offtopic_bank.use(sentence_vectors(drifts))
    try:
        drift = sentence_vector("I have a physics exam next week and I am so worried about it.")
        on = sentence_vector("I think zoos should keep them only if they have a lot of space.")
        assert offtopic_bank.drift_likeness(drift, zoo) > offtopic_bank.drift_likeness(on, zoo) + 0.1
        with_test = offtopic_bank.drift_likeness(drift, exams)
        assert with_test < offtopic_bank.drift_likeness(drift, zoo)  # the chemistry test is this lesson's own
        offtopic_bank.use(np.zeros((0, 384)))
        assert offtopic_bank.drift_likeness(drift, zoo) == 0.0
    finally:
        offtopic_bank.use(None)
    assert len(offtopic_bank.bank()) > 1000 and offtopic_bank.digest()


def test_the_labelled_answers_most_like_an_answer_vote_by_their_labels() -> None:
    """Examples written for this test: against labelled answers of two kinds (questions to the teacher about
    other school matters, labelled off topic; plans in answer to a question, labelled on topic), an answer
    of the first kind finds mostly off-topic neighbours and one of the second mostly on-topic ones; the
    vote reads the nearest answers only; no labelled answers gives 0; a mismatched label list is refused;
    the shipped answers are loaded and are part of the check's version."""
    from studio.semantic import offtopic, offtopic_neighbours
    from studio.semantic.encoder import sentence_vector, sentence_vectors

    asides = ["Mr Chen, when will we get the results of the mid-term exam?",
              "Ms Li, will there be a lot of homework this weekend?",
              "Teacher, can our class have the spring outing after the finals?"]
    plans = ["I will write down every mistake and review them on Sunday.",
             "I plan to practise listening for twenty minutes every night.",
             "I'll ask my deskmate to check my notes after class."]
    off = np.array([True] * 3 + [False] * 3)
    old = offtopic.version()
    offtopic_neighbours.use((sentence_vectors(asides + plans), off))
    try:
        saved = offtopic_neighbours.NEAREST
        offtopic_neighbours.NEAREST = 3
        try:
            aside = sentence_vector("Mr Wang, do you know when the sports meeting will be held?")
            plan = sentence_vector("I will review my vocabulary notebook before I go to bed.")
            assert offtopic_neighbours.off_share(aside) > offtopic_neighbours.off_share(plan)
            assert offtopic_neighbours.off_share(aside) >= 2 / 3 and offtopic_neighbours.off_share(plan) <= 1 / 3
        finally:
            offtopic_neighbours.NEAREST = saved
        assert offtopic_neighbours.off_share(aside) == 0.5  # all six vote when fewer than NEAREST are kept
        assert offtopic.version() != old
        offtopic_neighbours.use((np.zeros((0, 384)), np.zeros(0, dtype=bool)))
        assert offtopic_neighbours.off_share(aside) == 0.0
        with pytest.raises(ValueError, match="6 labelled answers but 2 labels"):
            offtopic_neighbours.use((sentence_vectors(asides + plans), off[:2]))
    finally:
        offtopic_neighbours.use(None)
    vectors, labels = offtopic_neighbours.answers()
    assert len(vectors) > 5000 and labels.any() and not labels.all() and offtopic.version() == old
