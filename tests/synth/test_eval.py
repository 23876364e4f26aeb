"""Eval sets (held out, stratified, frozen), runs (checks, judge over HTTP, resume), reports."""

from __future__ import annotations

import asyncio
import json

import pytest

from studio.datafiles.textfile import InputError
from studio.domain import FaultKind, RunConfig, RunStatus
from studio.evaluate import report, runner
from studio.evaluate.sets import import_set, make_set
from studio.synth.service import execute, prepare
from studio.turn.prompts import Prompts
from tests.llm.fakeserver import FakeServer
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
        r = next(iter(run.results.values()))
        assert r.judge == {"compliance": 3, "reply": 2, "suggestion": 3, "analysis": 1} and r.reason == "ok"
        assert any(seen.path.endswith("/chat/completions") for seen in server.seen)
        summary = report.summarise(run, s)
        assert summary.scores["reply"] == 2.0 and summary.json_valid == 1.0 and summary.checks["format.json"] == 1.0
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
        assert "| offline | 3.00 |" in report.table_text(rep)
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
