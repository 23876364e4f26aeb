"""An off-topic student utterance is recognised for any text — typed in Simulate, imported,
linted, in an imported eval set — not only when it is a line of the off-topic bank; and a teacher
that ignores it is caught."""

from __future__ import annotations

import asyncio
import json

from studio.domain import DEFAULT_MIX, FaultKind, Topic, TurnKind
from studio.evaluate import report, runner
from studio.evaluate.lint import lint_file
from studio.evaluate.sets import import_set
from studio.llm.registry import build_client
from studio.synth.detect import observe, student_of
from studio.synth.run import load_off_topic
from studio.synth.simulate import Simulation, fault_plan
from studio.turn.prompts import Prompts
from tests.llm.fakeserver import FakeServer
from tests.workspaces import openai_profiles, seeded_workspace

TOPIC = "两位同学对一场激动人心的篮球比赛进行回顾和分析。"
QUESTION = "What did you think of the basketball game last night?"
OFF = "My favourite video game is Minecraft."
TYPED_OFF = "I had noodles for lunch at home, they were very spicy."
ON = "I think our team played really well, the last shot was amazing."
IGNORES = json.dumps({"Reply": "Cool! What else do you like to do in your free time?",
                      "Suggestion": ["I like reading comics.", "I often play chess.", "I enjoy drawing."],
                      "Analysis": "句子完整，语法正确，表达自然。"}, ensure_ascii=False)
PROMPT = f"你是一位英文口语老师。\n[主题介绍]\n{TOPIC}\n[对话历史]\nteacher: {QUESTION}\nstudent: {{said}}"


def test_observe_judges_any_text_against_the_dialogue() -> None:
    history = [("teacher", QUESTION)]
    assert observe(OFF, topic=TOPIC, history=history) == FaultKind.OFF_TOPIC
    assert observe(ON, topic=TOPIC, history=history) == FaultKind.NORMAL
    assert observe(OFF) != FaultKind.OFF_TOPIC, "without the dialogue there is nothing to leave"
    suspicion = student_of(OFF, topic=TOPIC, history=history)
    assert suspicion.off_topic and not suspicion.off_topic_sure
    bank_line = load_off_topic(None)[0]
    sure = student_of(bank_line, off_topic_bank=frozenset({bank_line.lower().strip(" .!?")}), topic=TOPIC,
                      history=history)
    assert sure.off_topic and sure.off_topic_sure


def test_a_typed_off_topic_answer_in_simulate(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "w")
    try:
        client = build_client(ws.config, ws.secrets, "offline", store=ws.store, workspace=ws.root)
        topic = Topic(text=TOPIC, title="Reviewing a basketball game")
        sim = Simulation(topic, client, client, Prompts(ws.root), fault_plan("normal", DEFAULT_MIX, 2), teacher_turns=2,
                         off_topic_lines=load_off_topic(ws.root))
        asyncio.run(sim.step())  # the offline teacher opens with a question of its own on the game
        assert sim.say(TYPED_OFF).observed_fault == FaultKind.OFF_TOPIC
    finally:
        ws.close()


def test_lint_warns_and_an_imported_eval_set_fails_the_teacher_that_ignores_it(tmp_path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text("\n".join(json.dumps({"prompt": PROMPT.format(said=said), "response": IGNORES},
                                         ensure_ascii=False) for said in (OFF, ON)) + "\n", encoding="utf-8")
    off, on = list(lint_file(data))
    assert [(r.id, r.severity) for r in off.check.results if r.id == "fault.off_topic"] == [("fault.off_topic", "warning")]
    assert "fault.off_topic" not in on.check.failed_ids
    server = FakeServer(reply=IGNORES).start()
    ws = seeded_workspace(tmp_path / "w", openai_profiles(server.base, ignores="ignores"))
    try:
        s = import_set(ws.store, data)
        assert [i.fault for i in s.items] == ["off_topic", "normal"]
        run = asyncio.run(runner.execute(ws, runner.start_run(ws, s.id, "ignores", None)))
        by_item = {i.student: run.results[i.id] for i in s.items}
        assert "fault.off_topic" in by_item[OFF].failed and by_item[OFF].caps["reply"] == 1
        assert "fault.off_topic" not in by_item[ON].failed
        assert report.summarise(run, s).by_fault["off_topic"]["pass"] == 0
    finally:
        ws.close()
        server.stop()


def test_kinds_are_unchanged_for_chinese_answers() -> None:
    assert observe("我觉得比赛很精彩", topic=TOPIC, history=[("teacher", QUESTION)]) == FaultKind.CHINESE
    assert TurnKind.REPLY.value == "reply"


def _wandering_dialogue(tmp_path, teacher_provider: str, on_teacher_prompt=None):  # type: ignore[no-untyped-def]
    """One dialogue of two teacher turns whose student model talks about its lunch whatever it is asked,
    the teacher played by ``teacher_provider`` (the offline one, or the same loopback server, whose
    teacher answers come from the simulator after ``on_teacher_prompt(prompt)``)."""
    from studio.domain import RunConfig
    from studio.synth.service import execute, prepare
    from tests.llm.fakeserver import simulator

    teacher = simulator()

    def respond(body) -> str:  # noqa: ANN001
        prompt = body["messages"][-1]["content"]
        if prompt.startswith("请扮演一个中国高中水平的英语学生"):
            return TYPED_OFF
        if on_teacher_prompt is not None:
            on_teacher_prompt(prompt)
        return teacher(body)

    server = FakeServer(responder=respond).start()
    ws = seeded_workspace(tmp_path / "w", openai_profiles(server.base, wanders="wanders"))
    try:
        run, _ = prepare(ws, RunConfig(dialogues=1, teacher_turns=2, teacher_provider=teacher_provider,
                                       student_provider="wanders", mix={FaultKind.NORMAL: 1.0}, seed=1))
        asyncio.run(execute(ws, run))
        return ws.store.dialogues.all()
    finally:
        ws.close()
        server.stop()


def test_a_model_students_answer_that_wanders_is_observed_off_topic_in_generation(tmp_path) -> None:
    """A student model asked for a normal answer that talks about its lunch instead: the turn is
    observed off topic (the mix counts it so), and the teacher's answer is checked against that."""
    students = [t for d in _wandering_dialogue(tmp_path, "offline") for t in d.turns if t.role == "student"]
    assert students and all(t.intended_fault == FaultKind.NORMAL for t in students)
    assert all(t.observed_fault == FaultKind.OFF_TOPIC for t in students)


def test_the_teacher_is_asked_while_the_students_verdict_is_pending(tmp_path, monkeypatch) -> None:
    """The judge holds every verdict until the teacher has been asked for the next turn: were the
    teacher's call to wait for the verdict, nothing would move. The verdict still reaches the stored
    turn, and the teacher's answer is checked against it."""
    import threading

    from studio.synth import turns
    from studio.synth.judging import BatchJudge

    asked = threading.Event()

    class HeldUntilTheTeacherIsAsked(BatchJudge):
        def submit(self, judge, utterance, **context):  # type: ignore[no-untyped-def]
            def held():  # type: ignore[no-untyped-def]
                assert asked.wait(20), "the teacher was never asked while the verdict was pending"
                return judge()
            return super().submit(held, utterance, **context)

    monkeypatch.setattr(turns, "STUDENTS", HeldUntilTheTeacherIsAsked(workers=1))
    (d,) = _wandering_dialogue(tmp_path, "wanders", lambda prompt: "student:" in prompt and asked.set())
    assert d.status == "complete"
    student, reply = d.turns[1], d.turns[2]
    assert student.observed_fault == FaultKind.OFF_TOPIC and not student.topic_pending
    assert reply.parsed is not None
