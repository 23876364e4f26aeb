"""Generation runs on the offline provider and against the loopback server with failures."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest

from studio.domain import DialogueStatus, FaultKind, RunConfig, RunStatus, StudentTurn, TeacherTurn
from studio.domain.contract import CHECK_IDS
from studio.synth.run import run_dialogues
from studio.synth.service import execute, prepare
from tests.llm.fakeserver import FakeServer, Fault, simulated
from tests.workspaces import seeded_workspace

open_ws = seeded_workspace


def generate(ws, **config):
    config.setdefault("mix", {FaultKind(k): v for k, v in ws.config.mix.items()})
    run, _ = prepare(ws, RunConfig(**config))
    return asyncio.run(execute(ws, run))


def texts(ws, run_id):
    return [[t.text if isinstance(t, StudentTurn) else t.raw for t in d.turns] for d in run_dialogues(ws.store, run_id)]


def test_offline_run_of_200_is_exact_clean_varied_and_deterministic(tmp_path) -> None:
    a = open_ws(tmp_path / "a")
    run = generate(a, dialogues=200, seed=11)
    assert run.status == RunStatus.SUCCEEDED and run.completed == 200 and run.failed == 0
    assert run.counts == run.quotas == {"normal": 275, "short": 200, "off_topic": 25, "chinese": 25, "mixed": 25,
                                        "spelling": 25, "grammar": 25}
    dialogues = run_dialogues(a.store, run.id)
    teacher = [t for d in dialogues for t in d.turns if isinstance(t, TeacherTurn)]
    assert len(teacher) == 800
    # The offline teacher slips on a few first answers (error_rate) and a repair usually fixes them;
    # the few left wait in the review queue.
    assert sum(t.passed for t in teacher) / len(teacher) >= 0.98
    students = [t for d in dialogues for t in d.turns if isinstance(t, StudentTurn)]
    assert all(t.observed_fault == t.intended_fault for t in students), [
        (t.intended_fault, t.observed_fault, t.text) for t in students if t.observed_fault != t.intended_fault][:3]
    signatures = {tuple(d) for d in texts(a, run.id)}
    assert len(signatures) == 200, "no two dialogues identical"
    first = texts(a, run.id)
    a.close()
    b = open_ws(tmp_path / "b")
    again = generate(b, dialogues=200, seed=11)
    assert texts(b, again.id) == first, "deterministic per seed"
    b.close()


CLEAN_OFFLINE = """
[providers.clean]
kind = "offline"
model = "offline-simulator"
error_rate = 0
"""


def test_injected_faults_carry_their_corrections(tmp_path) -> None:
    ws = open_ws(tmp_path / "w", CLEAN_OFFLINE)  # no simulated slips: every answer is the teacher's best
    run = generate(ws, dialogues=30, seed=2, mix={FaultKind.SPELLING: 1, FaultKind.GRAMMAR: 1},
                   teacher_provider="clean", student_provider="clean")
    for d in run_dialogues(ws.store, run.id):
        for i, t in enumerate(d.turns):
            if isinstance(t, StudentTurn):
                assert t.injection and t.injection.corrections and t.injection.original != t.text
                reply = d.turns[i + 1]
                assert reply.parsed and any(right in reply.parsed.analysis for _, right in t.injection.corrections)
    ws.close()


@pytest.mark.parametrize("option", [{"rewrite": "llm"}, {"chinese": "translate"}, {"off_topic": "llm"}])
def test_alternative_fault_sources(tmp_path, option) -> None:
    ws = open_ws(tmp_path / "w")
    mix = {FaultKind.SPELLING: 1, FaultKind.GRAMMAR: 1} if "rewrite" in option else (
        {FaultKind.CHINESE: 1} if "chinese" in option else {FaultKind.OFF_TOPIC: 1})
    run = generate(ws, dialogues=10, seed=4, mix=mix, **option)
    assert run.status == RunStatus.SUCCEEDED
    students = [t for d in run_dialogues(ws.store, run.id) for t in d.turns if isinstance(t, StudentTurn)]
    methods = Counter(t.injection.method for t in students if t.injection)
    assert methods and all(m.endswith((".llm", ".translate", ".other_topic")) for m in methods)
    ws.close()


CHAOS_CONFIG = """
[providers.remote]
kind = "openai"
model = "sim-over-http"
base_url = "{base}/v1"
backoff = 0.01
retries = 6
concurrency = 8
"""


def chaos_server(rate: float, seed: int = 7) -> FakeServer:
    rng = random.Random(seed)
    bad_teacher = '{"Reply": "' + " ".join(["long"] * 40) + '", "Suggestion": ["What do you think?"], "Analysis": "Good."}'
    faults = [Fault("status", 429, {"error": {"code": "rate_limit"}}, {"Retry-After": "0.01"}),
              Fault("status", 503, {}), Fault("reset"), Fault("answer", body={"text": "not json at all"}),
              Fault("answer", body={"text": "Sure! " + bad_teacher + "\nstudent: ok"})]

    def chaos() -> Fault | None:
        return rng.choice(faults) if rng.random() < rate else None

    return simulated(chaos=chaos)


def test_run_survives_20_percent_failures(tmp_path) -> None:
    server = chaos_server(0.2)
    try:
        ws = open_ws(tmp_path / "w", CHAOS_CONFIG.format(base=server.base))
        run = generate(ws, dialogues=30, seed=5, teacher_provider="remote", student_provider="remote", concurrency=8)
        assert run.status == RunStatus.SUCCEEDED and run.completed == 30
        assert run.counts == run.quotas
        calls = ws.store.calls.all()
        assert any(c.attempts > 1 for c in calls), "retries appear in the ledger"
        assert sum(c.attempts for c in calls) >= len(server.seen) - 5
        teacher = [t for d in run_dialogues(ws.store, run.id) for t in d.turns if isinstance(t, TeacherTurn)]
        assert any(t.attempts > 1 for t in teacher), "repairs happened"
        assert len(teacher) == 120 and all(r.id in CHECK_IDS for t in teacher for r in t.checks)
        ws.close()
    finally:
        server.stop()


def test_failed_dialogues_are_kept_and_topped_up(tmp_path) -> None:
    server = chaos_server(0.0)
    try:
        ws = open_ws(tmp_path / "w", CHAOS_CONFIG.format(base=server.base))
        server.fail(*[Fault("status", 400, {"error": {"code": "invalid_argument", "message": "bad"}})] * 2)
        run = generate(ws, dialogues=12, seed=6, teacher_provider="remote", student_provider="remote", concurrency=1)
        dialogues = run_dialogues(ws.store, run.id)
        failed = [d for d in dialogues if d.status == DialogueStatus.FAILED]
        assert run.status == RunStatus.SUCCEEDED and run.completed == 12 and run.topped_up == 2 == len(failed)
        assert all("bad_request" in d.error for d in failed)
        assert run.counts == run.quotas
        ws.close()
    finally:
        server.stop()


def test_a_fatal_error_stops_the_run_at_once(tmp_path) -> None:
    server = chaos_server(0.0)
    try:
        ws = open_ws(tmp_path / "w", CHAOS_CONFIG.format(base=server.base))
        server.fail(Fault("status", 401, {"error": {"code": "invalid_api_key", "message": "bad key"}}))
        run = generate(ws, dialogues=40, seed=6, teacher_provider="remote", student_provider="remote", concurrency=8)
        assert run.status == RunStatus.FAILED and "auth" in run.error and "check the API key" in run.error
        assert len(server.seen) <= 8, "no hammering after a fatal error"
        ws.close()
    finally:
        server.stop()


def test_budget_pauses_and_resume_finishes(tmp_path) -> None:
    ws = open_ws(tmp_path / "w")
    run = generate(ws, dialogues=10, seed=1, max_calls=20)
    assert run.status == RunStatus.PARTIAL and "call budget" in run.error
    run.config = run.config.model_copy(update={"max_calls": None})
    done = asyncio.run(execute(ws, run))
    assert done.status == RunStatus.SUCCEEDED and done.counts == done.quotas and done.completed == 10
    ws.close()


def test_plain_rerun_resumes_the_same_run(tmp_path) -> None:
    ws = open_ws(tmp_path / "w")
    first = generate(ws, dialogues=6, seed=1, max_calls=5)
    mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
    again, resumed = prepare(ws, RunConfig(mix=mix, dialogues=6, seed=1, max_calls=5))
    assert resumed and again.id == first.id
    ws.close()
