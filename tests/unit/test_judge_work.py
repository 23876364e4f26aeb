"""What the off-topic judge computes: a text already seen runs through the sentence model no more,
a verdict already made is read back, answers prepared together get the verdicts judged one by one,
and the cheaper stages decide clear answers with fewer passes, to the full check's verdicts."""

from __future__ import annotations

import pytest

from studio.semantic import cascade, encoder, offtopic

TOPIC = "两位同学对一场激动人心的篮球比赛进行回顾和分析。"
TITLE = "The basketball game"
HISTORY = [("teacher", "What a game last night! Which moment did you like best?")]
ANSWERS = [
    "I liked the last three seconds when our team scored the winning basket.",
    "The best moment was when our tall player blocked the shot and the whole crowd cheered.",
    "Our point guard passed the ball so fast, and the fans shouted his name after the game.",
    "My grandmother grows tomatoes and peppers in her small garden every summer.",
    "I played video games on my new console all weekend and reached level ten in Minecraft.",
    "The game was great, but by the way my cat is sick and we took her to the vet yesterday.",
]


def _fresh() -> None:
    """What a new process knows: no vector, no verdict in memory (the disk's verdicts stay)."""
    encoder.forget()
    offtopic.forget()


def _judge_all() -> list[offtopic.TopicFit]:
    return [offtopic.topic_fit(a, topic=TOPIC, title=TITLE, history=HISTORY) for a in ANSWERS]


def test_judging_the_same_answers_again_runs_nothing_through_the_model(monkeypatch, tmp_path):
    _fresh()
    first = _judge_all()
    ran = encoder.passes()
    assert ran > 0
    offtopic.forget()  # verdicts forgotten in memory: read back from the disk, no vector needed
    assert _judge_all() == first
    assert encoder.passes() == ran
    monkeypatch.setenv("STUDIO_VERDICTS", str(tmp_path / "elsewhere.sqlite3"))  # no verdict anywhere now
    offtopic.forget()
    assert _judge_all() == first  # judged again, every sentence's vector remembered
    assert encoder.passes() == ran


def _verdicts(fits: list[offtopic.TopicFit]) -> list[tuple[bool, float | None, str]]:
    return [(f.off_topic, None if f.score is None else round(f.score, 3), f.other) for f in fits]


def test_answers_prepared_together_get_the_verdicts_judged_one_by_one(monkeypatch):
    monkeypatch.setenv("STUDIO_VERDICTS", "off")
    _fresh()
    alone = _judge_all()
    _fresh()
    before = encoder.passes()
    offtopic.prepare((a, TOPIC, TITLE, HISTORY) for a in ANSWERS)
    prepared = encoder.passes() - before
    together = _judge_all()
    assert encoder.passes() - before == prepared, "every vector the verdicts needed was run in the batch"
    assert _verdicts(together) == _verdicts(alone)
    assert [f.off_topic for f in alone] == [False, False, False, True, True, True]


#: Answers on the game, each to its own question: clear from their words alone.
ASKED = [
    ("Who scored the winning basket at the end?", "Our captain scored the winning basket in the last three seconds."),
    ("How did the players defend the tall centre?", "Two players guarded him all game, so he could not shoot near the basket."),
    ("What did the fans do after the final whistle?", "The fans jumped and cheered for the team after the final whistle."),
]


@pytest.mark.parametrize("prepared", [False, True])
def test_the_cheaper_stages_decide_clear_answers_without_the_full_check_to_the_same_verdicts(monkeypatch, prepared):
    monkeypatch.setenv("STUDIO_VERDICTS", "off")
    items = [(a, [("teacher", q)]) for q, a in ASKED] + [(a, HISTORY) for a in ANSWERS[3:]]

    def judged() -> tuple[list[offtopic.TopicFit], int]:
        _fresh()
        before = encoder.passes()
        if prepared:
            offtopic.prepare((a, TOPIC, TITLE, h) for a, h in items)
        return [offtopic.topic_fit(a, topic=TOPIC, title=TITLE, history=h) for a, h in items], encoder.passes() - before

    staged, staged_passes = judged()
    one = items[0]
    _fresh()
    offtopic.topic_fit(items[3][0], topic=TOPIC, title=TITLE, history=items[3][1])  # the topic's own vectors
    before = encoder.passes()
    assert not offtopic.topic_fit(one[0], topic=TOPIC, title=TITLE, history=one[1]).off_topic
    assert encoder.passes() == before, "an answer that shares the question's words is decided by its words alone"
    monkeypatch.setattr(cascade, "FITTED", {})  # no stage: every answer the full way
    full, full_passes = judged()
    assert [f.off_topic for f in full] == [False, False, False, True, True, True]
    assert [f.off_topic for f in staged] == [f.off_topic for f in full]
    assert all(f.score is not None for f in staged)
    assert staged_passes < full_passes
