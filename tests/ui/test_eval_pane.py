"""The Eval pane: the comparison table and a blind review driven with keys."""

from __future__ import annotations

from studio.domain import FaultKind, RunConfig
from studio.evaluate import runner
from studio.evaluate.sets import make_set
from studio.synth.service import execute, prepare
from studio.turn.prompts import Prompts
from studio.ui.app import make_app
from tests.ui.conftest import settle
from tests.workspaces import seeded_workspace

SECOND = """
[providers.other]
kind = "offline"
model = "offline-other"
"""


async def test_table_and_blind_review_with_keys(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "ws", SECOND)
    try:
        mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
        run, _ = prepare(ws, RunConfig(dialogues=8, seed=4, mix=mix))
        await execute(ws, run)
        s = make_set(ws.store, Prompts(ws.root), n=3)
        for model in ("offline", "other"):
            await runner.execute(ws, runner.start_run(ws, s.id, model, None))
        app = make_app(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("6")
            await settle(pilot)
            assert app.screen.TITLE_TEXT == "Eval" and len(app.screen.report["runs"]) == 2
            await pilot.press("v")
            await settle(pilot)
            assert app.screen.reviewing
            text = app.screen.review_text
            assert "Answer 1" in text and "Answer 2" in text and "Which answer is better" in text
            assert "offline" not in text and not any(r.id in text for r in ws.store.evals.all()), "names hidden"
            # item 1: prefer 2, then 3 scores for each answer; item 2: a tie; item 3: prefer 1
            for keys in (["2", "3", "2", "1", "3", "3", "3"], ["equals_sign", "2", "2", "2", "2", "2", "2"],
                         ["1", "3", "3", "3", "1", "1", "1"]):
                await pilot.press(*keys)
                await settle(pilot)
            await settle(pilot)
            votes = ws.store.votes.all()
            assert len(votes) == 3 and sorted(v.preferred for v in votes) == ["1", "2", "="]
            assert all(len(v.scores) == 2 and all(len(x) == 3 for x in v.scores.values()) for v in votes)
            assert not app.screen.reviewing
            assert "human votes 3" in app.screen.caption
            assert "judge agrees" not in app.screen.caption, "no judge: no agreement figure"
            assert any("no judge" in n for n in app.screen.notes), "the pane says in words that no judge was used"
            # outside a review, 1 switches panes again
            await pilot.press("1")
            await settle(pilot)
            assert app.screen.TITLE_TEXT == "Topics"
    finally:
        ws.close()
