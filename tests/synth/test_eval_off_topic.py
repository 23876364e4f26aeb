"""An eval run's judge also says whether the student went off topic; its verdict is used, the
offline one otherwise, and the report counts both. Driven through ``studio eval`` with the model
under test and the judge served over the OpenAI chat-completions wire by a loopback server."""

from __future__ import annotations

import asyncio
import json

import pytest

from studio.cli import main
from studio.domain import FaultKind, RunConfig
from studio.domain.layout import last_said, parse_history
from studio.evaluate.judge import read_off_topic
from studio.synth.service import execute, prepare
from studio.workspace import open_workspace
from tests.llm.fakeserver import REPLY, FakeServer
from tests.workspaces import openai_profiles, seeded_workspace

#: A judge's answers are replayed from the call cache for the same prompt (its verdicts are stable);
#: a run that must see the judge answer differently uses the other judge profile.


def _plain(text: str) -> str:
    return " ".join(text.split())


class Served:
    """The model under test answers every teacher prompt with the same contract-shaped answer (one
    that never brings a student back to the topic); the judge scores 3/3/3 and says whether the
    student went off topic as ``verdicts`` (student text → value) says. With ``verdicts`` None the
    judge's answer has no ``student_off_topic`` at all."""

    def __init__(self) -> None:
        self.verdicts: dict[str, object] | None = None
        self.judge_prompts: list[str] = []

    def __call__(self, body: dict) -> str:
        prompt = body["messages"][-1]["content"]
        if not prompt.startswith("[评分任务]"):
            return REPLY
        self.judge_prompts.append(prompt)
        answer: dict[str, object] = {"reply": 3, "suggestion": 3, "analysis": 3, "reason": "好"}
        if self.verdicts is not None:
            chat = prompt.split("[对话历史]\n", 1)[1].split("\n[老师的回答]", 1)[0]
            student = last_said(parse_history(chat), "student")
            answer["student_off_topic"] = self.verdicts.get(_plain(student)) if student else None
        return json.dumps(answer, ensure_ascii=False)


@pytest.fixture
def served(tmp_path, capsys):
    responder = Served()
    server = FakeServer(responder=responder).start()
    path = tmp_path / "w"
    ws = seeded_workspace(path, openai_profiles(server.base, under_test="model-under-test", judge="judge-over-http",
                                                    judge2="another-judge-over-http"))
    mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
    run, _ = prepare(ws, RunConfig(dialogues=12, seed=3, mix=mix))
    asyncio.run(execute(ws, run))
    ws.close()

    def studio(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["--workspace", str(path), *args])
        out, err = capsys.readouterr()
        assert code == 0, err
        return code, out

    studio("eval", "make", "--n", "12", "--seed", "2")
    try:
        yield responder, studio, path
    finally:
        server.stop()


def _set_and_runs(path):
    ws = open_workspace(path)
    try:
        (eval_set,) = ws.store.eval_sets.all()
        return eval_set, sorted(ws.store.evals.all(), key=lambda r: r.created)
    finally:
        ws.close()


def _students(eval_set) -> dict[str, bool]:
    """Each item with a student turn: whether its label (the offline check) says off topic."""
    return {i.id: i.fault == "off_topic" for i in eval_set.items if i.kind == "reply" and i.student}


def test_the_judges_off_topic_verdict_is_used_checked_and_counted(served) -> None:
    responder, studio, path = served
    eval_set, _ = _set_and_runs(path)
    offline = _students(eval_set)
    items = {i.id: i for i in eval_set.items}
    n, k = len(offline), sum(offline.values())
    assert k >= 1 and n - k >= 2, "the set has off-topic and on-topic student turns"
    flipped = next(i for i, off in offline.items() if items[i].fault == "normal")
    verdicts: dict[str, object] = {_plain(items[i].student): off for i, off in offline.items()}  # type: ignore[arg-type]
    verdicts[_plain(items[flipped].student)] = True  # type: ignore[arg-type]
    responder.verdicts = verdicts

    _, out = studio("eval", "run", "--model", "under_test", "--judge", "judge", "--json")
    summary = json.loads(out)
    assert summary["off_topic"]["judge"] == k + 1 and summary["off_topic"]["offline"] == k
    assert summary["off_topic"]["agree"] == n - 1 and summary["off_topic"]["judged"] == n
    _, judged_run = _set_and_runs(path)
    results = judged_run[-1].results
    r = results[flipped]
    assert (r.off_topic_offline, r.off_topic_judge, r.off_topic_by) == (False, True, "judge")
    assert "fault.off_topic" in r.failed, "checked against an off-topic student: the answer does not bring them back"
    assert r.caps["reply"] == 1 and r.scores["reply"] == 1 and r.judge["reply"] == 3, "the cap follows the judge"
    for item_id, off in offline.items():
        assert results[item_id].off_topic_by == "judge" and results[item_id].off_topic_offline == off
        assert ("fault.off_topic" in results[item_id].failed) == (off or item_id == flipped)
    opening = next(i.id for i in eval_set.items if i.kind == "opening")
    assert (results[opening].off_topic_offline, results[opening].off_topic_by) == (None, None)
    assert responder.judge_prompts and all("student_off_topic" in p for p in responder.judge_prompts)
    assert not any("fault.off_topic" in p for p in responder.judge_prompts), \
        "the judge is not told the offline verdict: it decides on its own"

    _, text = studio("eval", "report")
    assert f"off-topic: judge {k + 1}, offline {k}, agree {n - 1}/{n}" in text
    assert f"- {flipped} · judge: off topic, offline: on topic" in text

    # the other way round: the judge calls an offline off-topic turn on topic, and the check follows
    back = next(i for i, off in offline.items() if off)
    verdicts[_plain(items[flipped].student)] = False  # type: ignore[arg-type]
    verdicts[_plain(items[back].student)] = False  # type: ignore[arg-type]
    _, out = studio("eval", "run", "--model", "under_test", "--judge", "judge2", "--json")
    assert json.loads(out)["off_topic"] | {"disagreements": None} == {
        "student_turns": n, "offline": k, "judged": n, "judge": k - 1, "agree": n - 1, "decided_by_judge": n,
        "disagreements": None, "no_verdict_reasons": []}
    _, runs = _set_and_runs(path)
    r = runs[-1].results[back]
    assert (r.off_topic_offline, r.off_topic_judge, r.off_topic_by) == (True, False, "judge")
    assert "fault.off_topic" not in r.failed and "fault.off_topic" in judged_run[-1].results[back].failed


def test_a_judge_that_gives_no_verdict_leaves_the_offline_one_and_the_report_says_so(served) -> None:
    responder, studio, path = served
    _, out = studio("eval", "run", "--model", "under_test", "--json")  # no judge
    eval_set, (plain,) = _set_and_runs(path)
    offline = _students(eval_set)
    n, k = len(offline), sum(offline.values())
    assert json.loads(out)["off_topic"]["judged"] is None
    for item_id, off in offline.items():
        r = plain.results[item_id]
        assert (r.off_topic_offline, r.off_topic_judge, r.off_topic_by) == (off, None, "offline")
        assert ("fault.off_topic" in r.failed) == off, "without a judge the set's label decides, as before"
    _, text = studio("eval", "report")
    assert f"off-topic: no judge, so the offline check decided whether the student went off topic ({k} of {n} " \
           f"student turns)" in text

    responder.verdicts = None  # the judge's answers have no student_off_topic
    _, out = studio("eval", "run", "--model", "under_test", "--judge", "judge", "--json")
    summary = json.loads(out)["off_topic"]
    assert summary["judged"] == 0 and summary["judge"] is None and summary["agree"] is None
    _, (_, judged) = _set_and_runs(path)
    for item_id, off in offline.items():
        r = judged.results[item_id]
        assert (r.off_topic_offline, r.off_topic_judge, r.off_topic_by) == (off, None, "offline")
        assert r.off_topic_note == "the judge's answer has no student_off_topic"
        assert r.failed == plain.results[item_id].failed and r.caps == plain.results[item_id].caps
    _, text = studio("eval", "report", judged.id)
    assert (f"off-topic: the judge (judge) gave no verdict on any of the {n} student turns (the judge's answer has "
            f"no student_off_topic), so the offline check decided ({k} off topic)") in text

    # one unreadable verdict among good ones: that turn falls back to the offline check, said in words
    items = {i.id: i for i in eval_set.items}
    odd = next(iter(offline))
    responder.verdicts = {_plain(items[i].student): off for i, off in offline.items()}  # type: ignore[arg-type]
    responder.verdicts[_plain(items[odd].student)] = "maybe"  # type: ignore[arg-type]
    _, out = studio("eval", "run", "--model", "under_test", "--judge", "judge2", "--json")
    summary = json.loads(out)["off_topic"]
    assert (summary["judged"], summary["agree"], summary["decided_by_judge"]) == (n - 1, n - 1, n - 1)
    _, runs = _set_and_runs(path)
    assert runs[-1].results[odd].off_topic_by == "offline" and runs[-1].results[odd].off_topic_judge is None
    _, text = studio("eval", "report", runs[-1].id)
    assert f"agree {n - 1}/{n - 1}; the judge's verdict decided on {n - 1} of {n} student turns, the offline check " \
           f"on the other 1 (the judge gave none (the judge's student_off_topic is not true or false: 'maybe'))" in text


@pytest.mark.parametrize(("text", "verdict", "note"), [
    ('{"reply": 2, "student_off_topic": true}', True, ""),
    ('{"reply": 2, "student_off_topic": false}', False, ""),
    ('{"reply": 2, "student_off_topic": "True"}', True, ""),
    ('{"reply": 2}', None, "the judge's answer has no student_off_topic"),
    ('{"reply": 2, "student_off_topic": null}', None, "the judge said student_off_topic: null"),
    ('{"reply": 2, "student_off_topic": 1}', None, "is not true or false: '1'"),
    ('{"reply": 2, "student_off_topic": "maybe"}', None, "is not true or false: 'maybe'"),
    ("I think the student is off topic.", None, "the judge's answer is not a JSON object"),
])
def test_the_judges_verdict_is_read_only_when_it_is_true_or_false(text, verdict, note) -> None:
    got, why = read_off_topic(text)
    assert got is verdict and note in why and (why == "") == (verdict is not None)


def test_a_warning_caps_nothing_with_a_judge_or_without() -> None:
    """The judge's scores are capped by the same failed checks the checks-only verdict counts: errors.
    A suspicion (an off-topic verdict from the words alone is a warning) lowers no score."""
    from studio.domain import TurnKind
    from studio.domain.contract import Student
    from studio.domain.rubric import Scores
    from studio.evaluate.judge import capped
    from studio.turn.verdict import answer_verdict, judge_answer

    student = Student("My favourite video game is Minecraft.", off_topic=True, off_topic_sure=False)
    answer = json.dumps({"Reply": "Cool! What else do you like to do in your free time?",
                         "Suggestion": ["I like reading comics.", "I often play chess.", "I enjoy drawing."],
                         "Analysis": "句子完整，语法正确，表达自然。"}, ensure_ascii=False)  # follows the student away
    check, _ = judge_answer(answer, TurnKind.REPLY, student, strict=True)
    assert check is not None and check.results and not check.errors, "the suspicion is a warning only"
    verdict = answer_verdict(answer, TurnKind.REPLY, student)
    top = Scores(compliance=3, reply=3, suggestion=3, analysis=3)
    assert capped(top, check, TurnKind.REPLY) == verdict.caps(TurnKind.REPLY)
