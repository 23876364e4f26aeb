"""What generation must not do to the data: overwrite a review or an edit made while a dialogue is
still being generated; crash (or crash again on every resume) on an answer nested 10,000 levels
deep; replay a cached answer that broke its reader; keep an oversized answer."""

from __future__ import annotations

import asyncio
import json

from studio.domain import DialogueStatus, ReviewStatus, RunConfig, RunStatus, TeacherTurn
from studio.domain.parse import parse_answer
from studio.synth import review
from studio.synth.run import run_dialogues
from studio.synth.service import execute, prepare
from tests.llm.fakeserver import FakeServer, simulator
from tests.workspaces import seeded_workspace

SLOW = """
[providers.slow]
kind = "offline"
latency = 0.4
"""

REMOTE = """
[providers.remote]
kind = "openai"
model = "m"
base_url = "{base}/v1"
retries = 0
"""


def _config(ws, provider: str, **kw) -> RunConfig:
    mix = {k: v for k, v in ws.config.target_mix.weights.items()}
    return RunConfig(dialogues=kw.pop("dialogues", 1), seed=kw.pop("seed", 1), mix=mix, teacher_provider=provider,
                     student_provider=provider, **kw)


async def test_a_review_edit_made_during_generation_survives(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "w", SLOW)
    run, _ = prepare(ws, _config(ws, "slow", teacher_turns=4))
    task = asyncio.ensure_future(execute(ws, run))
    key = None
    for _ in range(400):  # until the first teacher turn is stored, while the rest is still coming
        await asyncio.sleep(0.02)
        [d] = run_dialogues(ws.store, run.id)
        if d.turns and isinstance(d.turns[0], TeacherTurn) and len(d.turns) < 3:
            key = review.sample_key(d.id, 0)
            break
    assert key is not None and not task.done()
    _, _, before = review.load_sample(ws.store, key)
    edited = json.dumps({**before.parsed.to_contract(), "Reply": "Edited while the run went on."}, ensure_ascii=False)
    review.edit_answer(ws.store, key, edited, "reviewer")
    review.set_review(ws.store, [key], ReviewStatus.APPROVED, "reviewer")
    done = await task
    assert done.status == RunStatus.SUCCEEDED
    [d] = run_dialogues(ws.store, run.id)
    first = d.turns[0]
    assert d.status == DialogueStatus.COMPLETE and len(d.turns) == 7
    assert first.raw == edited and first.review == ReviewStatus.APPROVED
    assert any(e.before == before.raw for e in first.edits), "the edit history is kept"
    ws.close()


def _deep_then_good(depth: int):
    """The first teacher answers nest ``depth`` levels deep; then the simulator answers."""
    calls = {"n": 0}
    sim = simulator()

    def respond(body) -> str:
        calls["n"] += 1
        if "主题介绍" in body["messages"][-1]["content"] and calls["n"] <= 3:
            return "[" * depth
        return sim(body)

    return respond


def test_an_answer_nested_10000_deep_neither_crashes_nor_poisons_resumes(tmp_path) -> None:
    assert "nests 10000 levels deep" in parse_answer("[" * 10_000).problems[0]
    server = FakeServer(responder=_deep_then_good(10_000)).start()
    try:
        ws = seeded_workspace(tmp_path / "w", REMOTE.format(base=server.base))
        run, _ = prepare(ws, _config(ws, "remote", dialogues=2, repairs=1))
        done = asyncio.run(execute(ws, run))
        assert done.status == RunStatus.SUCCEEDED and done.failed == 0, done.error  # read as a bad answer, repaired
        ws.close()
    finally:
        server.stop()


def test_a_cached_answer_that_breaks_its_reader_is_dropped_not_replayed(tmp_path, monkeypatch) -> None:
    ws = seeded_workspace(tmp_path / "w")
    import studio.synth.turns as turns

    real = turns.judge_answer
    broken = {"left": 1}

    def judge(raw, *a, **kw):  # the first teacher answer breaks the reader once
        if broken["left"]:
            broken["left"] -= 1
            raise RecursionError("maximum recursion depth exceeded")
        return real(raw, *a, **kw)

    monkeypatch.setattr(turns, "judge_answer", judge)
    run, _ = prepare(ws, _config(ws, "offline", dialogues=2))
    done = asyncio.run(execute(ws, run))
    assert done.status == RunStatus.SUCCEEDED and done.failed == 1 and done.completed == 2
    [failed] = [d for d in run_dialogues(ws.store, run.id) if d.status == DialogueStatus.FAILED]
    assert "RecursionError" in failed.error and "dropped" in failed.error
    hashes = {c.request_hash for c in ws.store.calls.all() if c.dialogue_id == failed.id and c.turn_index == 0}
    assert hashes and not any(h in ws.store.responses for h in hashes)
    ws.close()


def test_a_run_whose_every_teacher_turn_fails_its_checks_is_failed_and_counted(ready_cli) -> None:
    sim = simulator()

    def respond(body) -> str:
        prompt = body["messages"][-1]["content"]
        return "I would rather not answer in JSON." if "主题介绍" in prompt or "需要修正的问题" in prompt else sim(body)

    server = FakeServer(responder=respond).start()
    try:
        (ready_cli.ws / "config.toml").write_text((ready_cli.ws / "config.toml").read_text()
                                                 + REMOTE.format(base=server.base))
        code, out, _ = ready_cli("generate", "-n", "2", "--turns", "2", "--teacher", "remote", "--student", "remote",
                                 "--json")
    finally:
        server.stop()
    summary = json.loads(out)
    assert code == 1 and summary["status"] == "failed" and summary["unrepaired"] == 4
    assert "every teacher turn (4) still fails its checks" in summary["error"]
