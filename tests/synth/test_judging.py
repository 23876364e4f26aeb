"""The one thread that judges student answers: each caller gets its own judge's result or error, and
answers that wait together are judged with what they would get alone."""

from __future__ import annotations

import threading

import pytest

from studio.semantic.offtopic import topic_fit
from studio.synth.judging import BatchJudge

TOPIC, TITLE = "两位同学对一场激动人心的篮球比赛进行回顾和分析。", "A basketball game"
HISTORY = [("teacher", "What a game! Which moment of the basketball game did you like best?")]
ANSWERS = ["My cat likes to sleep on my bed all afternoon.",
           "The last three-point shot was amazing, everyone stood up and shouted.",
           "I think our team's defence was much better in the second half.",
           "We are going to visit my aunt in Hainan next week by plane."]


def test_answers_judged_together_get_what_each_gets_alone():
    alone = [topic_fit(a + " ", topic=TOPIC, title=TITLE, history=HISTORY).off_topic for a in ANSWERS]
    judge, gate = BatchJudge(workers=1), threading.Event()
    first = judge.submit(gate.wait, "", topic=TOPIC, title=TITLE, history=HISTORY)  # holds the worker: the rest queue
    futures = [judge.submit(lambda a=a: topic_fit(a, topic=TOPIC, title=TITLE, history=HISTORY).off_topic, a,
                            topic=TOPIC, title=TITLE, history=HISTORY) for a in ANSWERS]
    gate.set()
    assert first.result(timeout=60) is True
    assert [f.result(timeout=60) for f in futures] == alone == [True, False, False, True]


def test_a_judge_that_fails_fails_only_its_own_caller():
    judge = BatchJudge()

    def broken() -> bool:
        raise ValueError("bad answer")

    bad = judge.submit(broken, ANSWERS[0], topic=TOPIC, title=TITLE, history=HISTORY)
    good = judge.submit(lambda: "fine", ANSWERS[1], topic=TOPIC, title=TITLE, history=HISTORY)
    with pytest.raises(ValueError, match="bad answer"):
        bad.result(timeout=60)
    assert good.result(timeout=60) == "fine"
