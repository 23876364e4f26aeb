"""Provider chaos: 30 % mixed failures (429 with Retry-After, 503, resets, truncated and broken
streams, non-JSON and over-long answers) over real HTTP for a 300-dialogue run; and a fatal error
that stops a run quickly, with advice."""

from __future__ import annotations

from collections import Counter

import pytest

from studio.domain import DialogueStatus, FaultKind, RunStatus, TeacherTurn
from studio.synth.run import run_dialogues
from tests.llm.fakeserver import Fault
from tests.synth.test_generate import CHAOS_CONFIG, chaos_server, generate, open_ws


@pytest.mark.xdist_group("heavy")  # CPU-heavy: one worker runs these in turn, not against each other
def test_300_dialogues_through_30_percent_failures(tmp_path) -> None:
    server = chaos_server(0.3, seed=11)
    try:
        ws = open_ws(tmp_path / "w", CHAOS_CONFIG.format(base=server.base))
        run = generate(ws, dialogues=300, seed=8, teacher_provider="remote", student_provider="remote", concurrency=32)
        assert run.status == RunStatus.SUCCEEDED and run.completed == 300, run.error
        assert run.counts == run.quotas
        calls = ws.store.calls.all()
        attempts = sum(c.attempts for c in calls if c.outcome != "cached")
        requests = len([s for s in server.seen if s.path.endswith("/chat/completions")])
        # every attempt the server saw is in the ledger; an attempt can also die on a pooled connection the
        # server had already closed (after a reset fault) before the server read it: counted, never seen
        assert requests <= attempts <= requests * 1.01, "the ledger accounts for every attempt the server saw"
        kinds = Counter(c.outcome for c in calls)
        assert kinds["ok"] > 0 and sum(c.attempts > 1 for c in calls) > 50
        done = [d for d in run_dialogues(ws.store, run.id) if d.status == DialogueStatus.COMPLETE]
        teacher = [t for d in done for t in d.turns if isinstance(t, TeacherTurn)]
        # Chaos also garbles student turns (a teacher-shaped answer where a student line was due), which no
        # teacher repair can fix: about 5 % of teacher turns fail a check in such runs, and they are kept and counted.
        assert len(done) == 300 and len(teacher) == 1200 and sum(t.passed for t in teacher) / len(teacher) > 0.9
        ws.close()
    finally:
        server.stop()


def test_a_fatal_error_stops_the_run_quickly_with_advice(tmp_path) -> None:
    server = chaos_server(0.0)
    try:
        ws = open_ws(tmp_path / "w", CHAOS_CONFIG.format(base=server.base))
        server.fail(*[Fault("status", 401, {"error": {"code": "invalid_api_key", "message": "bad key"}})] * 500)
        run = generate(ws, dialogues=200, seed=1, teacher_provider="remote", student_provider="remote", concurrency=16,
                       mix={FaultKind.NORMAL: 1})
        assert run.status == RunStatus.FAILED and "check the API key" in (run.error or "")
        assert len(server.seen) <= 16, f"stopped at once, not after {len(server.seen)} requests"
        ws.close()
    finally:
        server.stop()
