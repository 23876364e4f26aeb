"""The off-topic check's cross-encoder: the answer read with the question (studio/semantic/offtopic_cross.py)."""

from __future__ import annotations

import numpy as np
import pytest

from studio.semantic import offtopic, offtopic_cross

PAIRS = [("Rolling Tangyuan with Grandma. Which filling do you want to wrap first?",
          "Black sesame, please, it is my favourite since I was little."),
         ("Rolling Tangyuan with Grandma. Which filling do you want to wrap first?",
          "Grandma, did you watch the magic show at the Spring Festival Gala last night?"),
         ("Buying a Train Ticket. Where would you like to go?", "To Hangzhou, a return ticket for Friday, please.")]


def test_the_numpy_reading_is_the_tuned_models_own(tmp_path, monkeypatch) -> None:
    """Tuned layers written by the fit (here the sentence model's own, changed at random) read in numpy give
    what torch gives: the file's names, the mark, the head and the pooling agree."""
    torch = pytest.importorskip("torch")
    from tests.bench import offtopic_cross_fit as fit

    w = fit._weights(torch)
    model = fit._model(torch, w)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.02 * torch.randn(p.shape, generator=gen))
    model.eval()
    path = tmp_path / "cross.npz"
    fit.write(model, path)
    rows = [{"context": c, "answer": a, "off": False} for c, a in PAIRS]
    states = fit.lower_states(torch, w, [c for c, _ in PAIRS] + [a for _, a in PAIRS])
    with torch.no_grad():  # the written weights are float16: read the torch model back at that precision
        for p in model.parameters():
            p.copy_(p.half().float())
    expected = fit.read(model, rows, states, torch)
    monkeypatch.setattr(offtopic_cross, "CROSS_FILE", path)
    offtopic_cross.forget()
    try:
        got = offtopic_cross.probabilities(PAIRS)
    finally:
        offtopic_cross.forget()
    assert np.abs(got - expected).max() < 2e-3, (got, expected)


def test_the_shipped_cross_encoder_reads_an_answer_against_its_question() -> None:
    """Examples written for this test: the same family scene, an answer to the question and an answer to
    someone in the scene about another matter; probabilities are remembered and batched alike."""
    assert offtopic_cross.shipped() and offtopic_cross.digest()
    offtopic_cross.forget()
    one = [offtopic_cross.probability(c, a) for c, a in PAIRS]
    offtopic_cross.forget()
    offtopic_cross.prepare(PAIRS)
    assert [offtopic_cross.probability(c, a) for c, a in PAIRS] == pytest.approx(one, abs=1e-5)
    on, off, ticket = one
    assert off > 0.5 > on and ticket < 0.5
    assert offtopic_cross.probabilities([]).shape == (0,)


def test_where_the_full_model_is_unsure_the_cross_encoder_decides_with_it(monkeypatch) -> None:
    """Inside the band the two probabilities are mixed (the verdict follows a sure cross-encoder); outside
    it the cross-encoder is not asked; its settings are part of the check's version."""
    monkeypatch.setenv("STUDIO_OFFTOPIC_LM", "off")
    monkeypatch.setenv("STUDIO_VERDICTS", "off")
    asked: list[tuple[str, str]] = []
    said = {"value": 0.0}

    def fake(context: str, answer: str) -> float:
        asked.append((context, answer))
        return said["value"]

    monkeypatch.setattr(offtopic_cross, "probability", fake)
    monkeypatch.setattr(offtopic_cross, "BAND", (0.0, 1.0))  # every answer the full model reads
    topic, title = "学生放学后去看望膝盖手术后的奶奶。", "Visiting Grandma After Her Knee Operation"
    history = [("teacher", "Oh, you came all the way here after school! My knee still hurts a little. "
                           "What did you bring in that bag?")]
    answer = "Some oranges from Mum, and a big-print novel from the library so you won't be bored."
    verdicts = []
    for value in (0.999, 0.001):
        said["value"] = value
        offtopic.forget()
        fit = offtopic.topic_fit(answer, topic=topic, title=title, history=history)
        verdicts.append(fit)
    assert asked, "no cheaper stage is sure of this answer: the full model reads it"
    assert asked[0] == ("Visiting Grandma After Her Knee Operation. " + history[0][1], answer)
    assert verdicts[0].cross == 0.999 and verdicts[1].cross == 0.001
    assert verdicts[0].probability > verdicts[1].probability
    assert "read with the question" in verdicts[0].explain()
    before = offtopic.version()
    monkeypatch.setattr(offtopic_cross, "AT", 0.45)
    assert offtopic.version() != before
    asked.clear()
    monkeypatch.setattr(offtopic_cross, "BAND", (2.0, 3.0))  # no answer is unsure enough
    offtopic.forget()
    assert offtopic.topic_fit(answer, topic=topic, title=title, history=history).cross is None and not asked


def test_where_the_teacher_talks_as_themselves_an_opening_teacher_says_nothing_of_the_topic(monkeypatch) -> None:
    """Examples written for this test: in a lesson where the teacher and the student discuss a question (the
    topic names the teacher, in no role), "Teacher, …" followed by what the student thinks is judged by what
    follows it; a question to the teacher stays addressed, and so does every answer in a role-play or in a
    lesson whose topic does not name the teacher."""
    from studio.semantic.offtopic_features import unaddressed

    monkeypatch.setenv("STUDIO_OFFTOPIC_LM", "off")
    monkeypatch.setenv("STUDIO_VERDICTS", "off")
    discuss = "老师和学生讨论中学生是否应该带手机进校园。"
    said = "Teacher, I think yes, but only for calling parents after school."
    assert unaddressed(said, discuss) == "I think yes, but only for calling parents after school."
    assert unaddressed("Dear teacher: my cousin's school keeps phones in lockers.", discuss).startswith("My cousin's")
    for asked in ("Teacher, how old are you?", "Teacher, what's your favourite film?"):
        assert unaddressed(asked, discuss) == asked
    for topic in ("学生去医院看病，老师扮演医生。", "两位同学讨论是否应该带手机进校园。"):
        assert unaddressed(said, topic) == said
    assert unaddressed("Teacher,", discuss) == "Teacher,"
    history = [("teacher", "Do you think students should be allowed to bring phones to school? Why or why not?")]
    offtopic.forget()
    on = offtopic.topic_fit(said, topic=discuss, title="Phones at School", history=history)
    off = offtopic.topic_fit("Teacher, I really want to watch the basketball final tonight, my team is playing.",
                             topic=discuss, title="Phones at School", history=history)
    assert not on.off_topic and off.off_topic
