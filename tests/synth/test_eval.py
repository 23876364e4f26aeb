"""Eval sets (held out, stratified, frozen), runs (checks, judge over HTTP, resume), reports."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from studio.datafiles.textfile import InputError
from studio.domain import FaultKind, RunConfig, RunStatus
from studio.evaluate import report, runner
from studio.evaluate.sets import import_set, make_set
from studio.synth.service import execute, prepare
from studio.turn.prompts import Prompts
from tests.llm.fakeserver import FakeServer, Fault
from tests.workspaces import seeded_workspace

JUDGE = """
[providers.judge]
kind = "openai"
model = "judge-over-http"
base_url = "{base}/v1"
retries = 0
"""


def generated(path, extra=""):
    ws = seeded_workspace(path, extra)
    mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
    run, _ = prepare(ws, RunConfig(dialogues=30, seed=3, mix=mix))
    asyncio.run(execute(ws, run))
    return ws


def test_sets_are_stratified_frozen_and_judged_over_http(tmp_path) -> None:
    server = FakeServer(reply=json.dumps({"reply": 2, "suggestion": 3, "analysis": 1, "reason": "ok"})).start()
    ws = generated(tmp_path / "w", JUDGE.format(base=server.base))
    try:
        s = make_set(ws.store, Prompts(ws.root), n=24, per_fault=5, seed=1)
        faults = [i.fault for i in s.items]
        assert len(s.items) <= 24 and max(faults.count(f) for f in set(faults)) <= 5
        assert len(set(faults)) >= 4 and len({i.position for i in s.items}) >= 3, "spread over faults and positions"
        again = make_set(ws.store, Prompts(ws.root), n=24, per_fault=5, seed=1)
        assert again.content_hash == s.content_hash and again.id != s.id
        run = runner.start_run(ws, s.id, "offline", "judge")
        run = asyncio.run(runner.execute(ws, run))
        assert run.status == RunStatus.SUCCEEDED and len(run.results) == len(s.items)
        # The offline model's answers are seeded by the item ids (sample keys, new in every workspace): now
        # and then one fails a check that leaves the Reply only the floor (about 1 answer in 960), and the
        # judge's 2 is capped at 1 there. Every other item scores what the judge said.
        results = list(run.results.values())
        passing = [r for r in results if not r.failed]
        assert passing and all(r.judge == {"compliance": 3, "reply": 2, "suggestion": 3, "analysis": 1}
                               and r.reason == "ok" for r in passing)
        floor = [r for r in results if r.caps["reply"] == 1]
        assert all(r.scores["reply"] == 2 for r in results if r not in floor) and len(floor) < len(results) / 2
        assert any(seen.path.endswith("/chat/completions") for seen in server.seen)
        summary = report.summarise(run, s)
        assert summary.scores["reply"] == round((2 * (len(results) - len(floor)) + len(floor)) / len(results), 2)
        assert summary.json_valid == 1.0 and summary.checks["format.json"] == 1.0
    finally:
        ws.close()
        server.stop()


def test_a_stopped_run_resumes_and_reports_compare(tmp_path) -> None:
    ws = generated(tmp_path / "w")
    try:
        s = make_set(ws.store, Prompts(ws.root), n=12)
        run = runner.start_run(ws, s.id, "offline", None)
        stop = asyncio.Event()
        count = 0

        def progress(p) -> None:
            nonlocal count
            count += 1
            if count == 4:
                stop.set()

        run = asyncio.run(runner.execute(ws, run, concurrency=1, on_progress=progress, stop=stop))
        assert run.status == RunStatus.PAUSED and len(run.results) == 4
        again = runner.start_run(ws, s.id, "offline", None)
        assert again.id == run.id
        done = asyncio.run(runner.execute(ws, again))
        assert done.status == RunStatus.SUCCEEDED and len(done.results) == 12
        rep = report.report([done], {s.id: s}, [])
        text = report.table_text(rep)
        assert re.search(r"\| offline \| no judge \| [123]\.\d\d \| — ≤ [123]\.\d\d \|", text), text
        assert "no judge: reply, suggestion and analysis" in text
        with pytest.raises(LookupError, match="no eval set"):
            runner.start_run(ws, "es-nosuch", "offline", None)
    finally:
        ws.close()


def test_import_a_set_from_a_file_names_bad_lines(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "w")
    try:
        good = tmp_path / "set.jsonl"
        good.write_text(json.dumps([{"prompt": "你是老师。\n[主题介绍]\n周末计划\n[对话记录]\nteacher: Hi!\nstudent: I go park.",
                                     "response": [['{"Reply": "Nice!"}']]}], ensure_ascii=False) + "\n")
        s = import_set(ws.store, good)
        assert len(s.items) == 1
        bad = tmp_path / "bad.jsonl"
        bad.write_text(good.read_text() + "{not json\n")
        with pytest.raises(InputError, match="bad.jsonl:2"):
            import_set(ws.store, bad)
        assert len(ws.store.eval_sets.all()) == 1, "nothing of the bad file is kept"
    finally:
        ws.close()


MODEL = """
[providers.under_test]
kind = "openai"
model = "model-under-test"
base_url = "{base}/v1"
retries = 0
"""


def _run_against(tmp_path, server, n=8, judge=None):
    ws = generated(tmp_path / "w", MODEL.format(base=server.base))
    s = make_set(ws.store, Prompts(ws.root), n=n, seed=2)
    run = asyncio.run(runner.execute(ws, runner.start_run(ws, s.id, "under_test", judge)))
    return ws, s, run


def test_an_always_failing_model_scores_the_floor_shows_its_errors_and_fails_the_run(tmp_path) -> None:
    server = FakeServer().start()
    server.chaos = lambda: Fault("status", 500, {"error": {"message": "boom", "type": "server_error"}})
    try:
        ws, s, run = _run_against(tmp_path, server)
        assert run.status == RunStatus.FAILED and run.error == f"{len(s.items)} of {len(s.items)} calls failed"
        summary = report.summarise(run, s)
        assert summary.errors == len(s.items) and summary.pass_rate == 0 and summary.json_valid == 0
        assert set(summary.scores.values()) == {1.0}, "an error is judged, at the floor, on every dimension"
        assert all(v == 0 for c, v in summary.checks.items() if c.startswith("format.")), "an error passes no check"
        assert all(v is None for c, v in summary.checks.items() if not c.startswith("format.")), \
            "no answer parsed, so the content checks measured nothing (not a pass)"
        text = report.table_text(report.report([run], {s.id: s}, []))
        assert f"| {len(s.items)} | — |" in text and "calls failed (run failed)" in text
        ws.close()
    finally:
        server.stop()


def test_a_model_that_fails_some_calls_gives_a_partial_run_that_retries_only_those(tmp_path) -> None:
    server = FakeServer().start()
    server.fail(Fault("status", 500, {"error": {"message": "boom", "type": "server_error"}}))
    try:
        ws, s, run = _run_against(tmp_path, server)
        assert run.status == RunStatus.PARTIAL and report.summarise(run, s).errors == 1
        again = asyncio.run(runner.execute(ws, runner.start_run(ws, s.id, "under_test", None)))
        assert again.id == run.id and again.status == RunStatus.SUCCEEDED
        ws.close()
    finally:
        server.stop()


def test_a_junk_answering_model_scores_the_floor_and_eval_agrees_with_lint(tmp_path) -> None:
    server = FakeServer(reply="eeee eeee").start()
    try:
        ws, s, run = _run_against(tmp_path, server)
        summary = report.summarise(run, s)
        assert summary.scores["compliance"] == 1.0 and summary.pass_rate == 0 and summary.json_valid == 0
        assert summary.scores == {"compliance": 1.0, "reply": 1.0, "suggestion": 1.0, "analysis": 1.0}, \
            "no object to read: the checks leave only the floor, judge or not"
        assert all(v == 0 for k, v in summary.checks.items() if k.startswith("format.json"))
        ws.close()
    finally:
        server.stop()


def test_prose_and_a_fence_around_the_json_fail_format_json_in_eval_as_in_lint(tmp_path) -> None:
    from studio.domain import TurnKind
    from studio.turn.verdict import answer_verdict

    wrapped = "Sure! Here is my answer:\n```json\n" + \
        '{"Reply": "Nice! What do you do at weekends?", "Suggestion": ["I hike.", "I read.", "I swim."], ' \
        '"Analysis": "回答正确，没有语法错误。"}\n```\nHope it helps.'
    server = FakeServer(reply=wrapped).start()
    try:
        ws, s, run = _run_against(tmp_path, server)
        summary = report.summarise(run, s)
        assert summary.checks["format.json"] == 0 and summary.scores["compliance"] == 1.0
        assert "format.json" in answer_verdict(wrapped, TurnKind.REPLY, None).failed
        lint_file = tmp_path / "d.jsonl"
        lint_file.write_text(json.dumps({"prompt": "你是老师。\n[对话记录]\nteacher: Hi!\nstudent: I like swimming.",
                                         "response": [[wrapped]]}, ensure_ascii=False) + "\n")
        from studio.evaluate.lint import lint_file as lint

        (linted,) = list(lint(lint_file))
        assert "format.json" in linted.check.failed_ids and linted.compliance == 1
        ws.close()
    finally:
        server.stop()


def test_latency_is_the_calls_own_as_in_the_ledger(tmp_path) -> None:
    server = FakeServer(latency=0.05).start()
    try:
        ws, s, run = _run_against(tmp_path, server)
        ledger = sorted(c.latency_s for c in ws.store.calls.all() if c.run_id == f"eval:{run.id}" and c.outcome == "ok")
        mine = sorted(r.latency_s for r in run.results.values())
        assert mine == ledger and len(mine) == len(s.items)
        ws.close()
    finally:
        server.stop()
