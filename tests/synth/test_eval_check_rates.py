"""An eval report's per-check pass rates, read from ``studio eval report --json``: the format checks
count every answer, the others only the answers that parsed, so a model that never writes JSON
shows no passing Reply or Suggestion checks it never reached; an empty Reply fails."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from studio.cli import main
from studio.domain import FaultKind, RunConfig
from studio.synth.service import execute, prepare
from tests.llm.fakeserver import FakeServer
from tests.workspaces import openai_profiles, seeded_workspace

EMPTY_REPLY = json.dumps({"Reply": "", "Suggestion": ["I like it.", "I went there with my friends last week.",
                                                      "It was a long trip."],
                          "Analysis": "回答很完整，句子通顺。"}, ensure_ascii=False)
JUNK = "Sure! I am a helpful assistant. What would you like to talk about today?"


class Answers:
    """The model under test: junk prose for every other teacher prompt, an answer with an empty Reply
    for the rest (``junk_every`` 1: junk for all)."""

    def __init__(self, junk_every: int) -> None:
        self.junk_every = junk_every
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self, body: dict) -> str:
        with self.lock:
            self.calls += 1
            n = self.calls
        return JUNK if n % self.junk_every == 0 else EMPTY_REPLY


@pytest.fixture
def eval_workspace(tmp_path, capsys):
    """A workspace with an eval set of 8 items made from offline dialogues, and a loopback server for
    the model under test (its answers set per test)."""
    answers = Answers(1)
    server = FakeServer(responder=lambda body: answers(body)).start()
    path = tmp_path / "w"
    ws = seeded_workspace(path, openai_profiles(server.base, under_test="model-under-test"))
    mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
    run, _ = prepare(ws, RunConfig(dialogues=8, seed=5, mix=mix))
    asyncio.run(execute(ws, run))
    ws.close()

    def studio(*args: str) -> str:
        capsys.readouterr()
        code = main(["--workspace", str(path), *args])
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    studio("eval", "make", "--n", "8", "--seed", "2")
    try:
        yield answers, studio
    finally:
        server.stop()


def _rates(studio) -> dict:
    studio("eval", "run", "--model", "under_test", "--json")
    (summary,) = json.loads(studio("eval", "report", "--json"))["runs"]
    return summary


def test_a_model_that_never_writes_json_passes_no_content_check(eval_workspace) -> None:
    answers, studio = eval_workspace
    answers.junk_every = 1
    summary = _rates(studio)
    checks = summary["checks"]
    assert summary["json_valid"] == 0 and summary["pass_rate"] == 0
    assert checks["format.json"] == 0.0
    reached_only_by_parsed = [c for c in checks if not c.startswith("format.")]
    assert reached_only_by_parsed and all(checks[c] is None for c in reached_only_by_parsed), checks


def test_content_checks_count_the_parsed_answers_and_an_empty_reply_fails(eval_workspace) -> None:
    answers, studio = eval_workspace
    answers.junk_every = 2  # half junk, half an answer whose Reply is empty
    summary = _rates(studio)
    checks = summary["checks"]
    items = summary["items"]
    parsed = round(summary["json_valid"] * items)
    assert 0 < parsed < items
    assert checks["format.json"] == pytest.approx(parsed / items, abs=0.001)
    assert checks["reply.words"] == 0.0, "every parsed answer has an empty Reply"
    assert checks["suggestion.count"] == 1.0 and checks["suggestion.voice"] == 1.0, "over the parsed answers only"
    assert summary["pass_rate"] == 0
