"""The Eval pane says whose verdict decided whether the students went off topic."""

from __future__ import annotations

import json

from studio.domain import FaultKind, RunConfig
from studio.domain.layout import last_said, parse_history
from studio.evaluate import runner
from studio.evaluate.sets import make_set
from studio.synth.service import execute, prepare
from studio.turn.prompts import Prompts
from studio.ui.app import make_app
from tests.llm.fakeserver import FakeServer
from tests.ui.conftest import settle
from tests.workspaces import openai_profiles, seeded_workspace


async def test_the_pane_counts_the_judges_and_the_offline_off_topic_verdicts(tmp_path) -> None:
    def judge(body: dict) -> str:
        """Off topic for every student turn (an OpenAI-compatible judge over loopback HTTP)."""
        prompt = body["messages"][-1]["content"]
        chat = prompt.split("[对话历史]\n", 1)[1].split("\n[老师的回答]", 1)[0]
        student = last_said(parse_history(chat), "student")
        return json.dumps({"reply": 3, "suggestion": 3, "analysis": 3, "reason": "好",
                           "student_off_topic": True if student else None})

    server = FakeServer(responder=judge).start()
    ws = seeded_workspace(tmp_path / "ws", openai_profiles(server.base, judge="judge-over-http"))
    try:
        mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
        run, _ = prepare(ws, RunConfig(dialogues=8, seed=4, mix=mix))
        await execute(ws, run)
        s = make_set(ws.store, Prompts(ws.root), n=6, seed=1)
        turns = [i for i in s.items if i.kind == "reply" and i.student]
        offline = sum(i.fault == "off_topic" for i in turns)
        assert offline < len(turns), "some student turns the offline check calls on topic"
        await runner.execute(ws, runner.start_run(ws, s.id, "offline", "judge"))
        app = make_app(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("6")
            await settle(pilot)
            assert app.screen.TITLE_TEXT == "Eval"
            line = f"off-topic: judge {len(turns)}, offline {offline}, agree {offline}/{len(turns)}"
            assert any(line in n for n in app.screen.notes), app.screen.notes
    finally:
        ws.close()
        server.stop()
