"""The live simulation engine: streamed steps, a person's answers, forks, keeping, fault plans."""

from __future__ import annotations

import asyncio

import pytest

from studio.domain import DEFAULT_MIX, FaultKind, StudentTurn, TeacherTurn
from studio.llm.registry import build_client
from studio.synth.review import all_rows
from studio.synth.run import load_off_topic
from studio.synth.simulate import Simulation, fault_plan
from studio.turn.prompts import Prompts
from tests.workspaces import seeded_workspace


def make(ws, faults="normal,chinese,spelling", turns=3) -> Simulation:
    client = build_client(ws.config, ws.secrets, "offline", store=ws.store, workspace=ws.root)
    topic = next(iter(ws.store.topics))
    return Simulation(topic, client, client, Prompts(ws.root), fault_plan(faults, DEFAULT_MIX, turns), teacher_turns=turns,
                      off_topic_lines=load_off_topic(ws.root))


def test_steps_stream_alternate_roles_and_finish(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "w")
    sim = make(ws)
    seen: list[tuple[str, str]] = []
    while not sim.finished:
        asyncio.run(sim.step(lambda role, text: seen.append((role, text))))
    roles = ["teacher" if isinstance(t, TeacherTurn) else "student" for t in sim.turns]
    assert roles == ["teacher", "student", "teacher", "student", "teacher"]
    assert [t.intended_fault for t in sim.turns if isinstance(t, StudentTurn)] == [FaultKind.NORMAL, FaultKind.CHINESE]
    teacher_texts = [text for role, text in seen if role == "teacher"]
    assert len(teacher_texts) > 3 and len(teacher_texts[0]) < len(teacher_texts[-1]), "text arrives in pieces"
    assert all(t.passed for t in sim.turns if isinstance(t, TeacherTurn))
    ws.close()


def test_person_in_the_students_seat_gets_a_teacher_answer(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "w")
    sim = make(ws)
    with pytest.raises(ValueError, match="teacher's turn"):
        sim.say("hello")
    asyncio.run(sim.step())
    turn = sim.say("我不知道怎么说")
    assert turn.intended_fault == FaultKind.CHINESE == turn.observed_fault
    reply = asyncio.run(sim.step())
    assert isinstance(reply, TeacherTurn) and reply.parsed is not None
    assert "英语" in (reply.parsed.analysis or "") or "English" in (reply.parsed.analysis or "")
    ws.close()


def test_fork_keeps_the_original_branch_until_discarded(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "w")
    sim = make(ws)
    for _ in range(4):
        asyncio.run(sim.step())
    original = [t.model_dump() for t in sim.turns]
    sim.fork(1, "I goed to the park yesterday with my freind.")
    assert len(sim.turns) == 2 and sim.turns[1].text.startswith("I goed")
    assert sim.turns[1].intended_fault in (FaultKind.GRAMMAR, FaultKind.SPELLING)
    asyncio.run(sim.step())
    assert len(sim.turns) == 3
    assert sim.switch_branch() == 1
    assert [t.model_dump() for t in sim.turns] == original
    sim.switch_branch()
    assert sim.discard_branches() == 1 and not sim.branches
    with pytest.raises(ValueError, match="no turn 9"):
        sim.fork(8, "x")
    ws.close()


def test_keep_saves_a_manual_run_whose_turns_are_samples(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "w")
    sim = make(ws)
    with pytest.raises(ValueError, match="nothing to keep"):
        sim.keep(ws.store)
    while not sim.finished:
        asyncio.run(sim.step())
    run = sim.keep(ws.store)
    stored = ws.store.runs.get(run.id)
    assert stored is not None and stored.kind == "manual" and stored.completed == 1
    rows = [r for r in all_rows(ws.store) if r.run_id == run.id]
    assert len(rows) == 3 and {r.review for r in rows} == {"pending"}
    ws.close()


def test_fault_plans() -> None:
    plan = fault_plan("mix", DEFAULT_MIX, 23, seed=1)
    assert len(plan) == 23 and plan.count(FaultKind.NORMAL) == 10 and plan.count(FaultKind.MIXED) == 1
    assert fault_plan("short,chinese", DEFAULT_MIX, 4) == [FaultKind.SHORT, FaultKind.CHINESE, FaultKind.CHINESE,
                                                             FaultKind.CHINESE]
    with pytest.raises(ValueError, match="unknown fault kind 'rude'"):
        fault_plan("normal,rude", DEFAULT_MIX, 2)
