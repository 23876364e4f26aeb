"""The off-topic check's stages: a stage decides only where it is sure, and an answer with a rest
after a turn of the talk is on topic at a stage only where the rest is too."""

from __future__ import annotations

from studio.semantic import cascade

cascade.measure("test: words")(lambda a: [float(len(a.utterance.split()))])
#: Off-topic probability 1 / (1 + e^words): three words 0.05, one word 0.27.
FEWER_IS_OFF = cascade.Stage("test", ("test: words",), (), ((0.0,), (1.0,), (-1.0,), 0.0), on_below=0.1, off_from=0.25)


def answer(text: str) -> cascade.Answer:
    return cascade.Answer(text, "两位同学讨论周末计划", "Weekend plans", "What will you do this weekend?")


def test_a_stage_decides_each_side_only_beyond_its_bounds() -> None:
    assert cascade.decide(FEWER_IS_OFF, answer("one two three"), ()) == (False, FEWER_IS_OFF.probability(answer("one two three")))
    assert cascade.decide(FEWER_IS_OFF, answer("one"), ())[0] is True
    assert cascade.decide(FEWER_IS_OFF, answer("one two"), ())[0] is None  # 0.12: unsure, the next stage reads it


def test_an_answer_is_on_topic_at_a_stage_only_where_each_rest_is_too() -> None:
    assert cascade.decide(FEWER_IS_OFF, answer("one two three four"), [answer("one two three")])[0] is False
    assert cascade.decide(FEWER_IS_OFF, answer("one two three four"), [answer("one two")])[0] is None


def test_a_stage_without_a_model_decides_nothing() -> None:
    assert cascade.decide(cascade.Stage("unfitted", ("test: words",), ()), answer("one"), ())[0] is None


def test_every_shipped_stage_reads_registered_measures_and_is_fitted() -> None:
    from studio.semantic import offtopic  # noqa: F401 - registers the measures that read sentence vectors

    for stage in cascade.stages():
        assert set(stage.reads) <= set(cascade.MEASURES), stage.name
        assert stage.model and len(stage.model[0]) == len(stage.features(answer("We will go hiking in the hills."))), stage.name
        assert 0 < stage.on_below < 1 and stage.on_below < stage.off_from, stage.name


def test_the_full_check_weighs_every_measure_and_the_answers_vector() -> None:
    from studio.semantic import offtopic
    from studio.semantic.backends import DIM

    feats = offtopic.features("We will go hiking in the hills.", topic="两位同学讨论周末计划", title="Weekend plans",
                              question="What will you do this weekend?")
    assert len(feats) == len(offtopic.FEATURES) + DIM
    assert len(offtopic.MODEL[0]) == len(feats) and all(s > 0 for s in offtopic.MODEL[1])
    assert not offtopic.MODEL_LM or len(offtopic.MODEL_LM[0]) == len(feats) + 1
    assert 0.0 <= offtopic.probability(feats) <= 1.0
