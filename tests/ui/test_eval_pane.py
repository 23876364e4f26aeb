"""The Eval pane: the comparison table and a blind review driven with keys."""

from __future__ import annotations

from studio.domain import FaultKind, RunConfig
from studio.evaluate import runner
from studio.evaluate.sets import make_set
from studio.synth.service import execute, prepare
from studio.turn.prompts import Prompts
from studio.ui.app import make_app
from studio.ui.screens.blind_review import BlindReview
from tests.ui.conftest import settle, until
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
            assert app.screen.diffs_hidden, "names beside answers wait for the blind review"
            await pilot.press("v")
            await settle(pilot)
            review = app.screen
            assert isinstance(review, BlindReview)
            text = review.text
            assert "Answer 1" in text and "Answer 2" in text and "Which answer is better" in text
            assert "offline" not in text and not any(r.id in text for r in ws.store.evals.all()), "names hidden"
            await pilot.press("3")  # not a preference: nothing happens, and no pane switch either
            await settle(pilot)
            assert app.screen is review and not review.answers
            # item 1: prefer 2, then 3 scores for each answer; item 2: a tie; item 3: prefer 1
            for n, keys in enumerate((["2", "3", "2", "1", "3", "3", "3"], ["equals_sign", "2", "2", "2", "2", "2", "2"],
                                      ["1", "3", "3", "3", "1", "1", "1"])):
                await pilot.press(*keys)
                await settle(pilot)
                assert app.screen is review and review.revealed, "the view stays on the item just judged"
                assert "offline" in review.text and "Saved." in review.text, "names shown once the vote is in"
                assert len(review.queue) == 3 - n
                await pilot.press("n")
                await settle(pilot)
            await settle(pilot)
            assert app.screen.TITLE_TEXT == "Eval"
            votes = ws.store.votes.all()
            assert len(votes) == 3 and sorted(v.preferred for v in votes) == ["1", "2", "="]
            assert all(len(v.scores) == 2 and all(len(x) == 3 for x in v.scores.values()) for v in votes)
            assert not app.screen.reviewing and not app.screen.diffs_hidden
            assert "human votes 3" in app.screen.caption
            assert "judge agrees" not in app.screen.caption, "no judge: no agreement figure"
            assert any("no judge" in n for n in app.screen.notes), "the pane says in words that no judge was used"
            # outside a review, 1 switches panes again
            await pilot.press("1")
            await settle(pilot)
            assert app.screen.TITLE_TEXT == "Topics"
    finally:
        ws.close()


async def test_blind_review_stacks_the_answers_at_80_columns(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "ws", SECOND)
    try:
        mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
        run, _ = prepare(ws, RunConfig(dialogues=4, seed=5, mix=mix))
        await execute(ws, run)
        s = make_set(ws.store, Prompts(ws.root), n=2)
        for model in ("offline", "other"):
            await runner.execute(ws, runner.start_run(ws, s.id, model, None))
        app = make_app(ws)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("6")
            await settle(pilot)
            await pilot.press("v")
            await settle(pilot)
            assert isinstance(app.screen, BlindReview)
            answers = app.screen.query_one("#review-answers")
            assert answers.has_class("stacked")
            a, b = app.screen.query_one("#review-a"), app.screen.query_one("#review-b")
            assert a.region.y < b.region.y and a.region.width == b.region.width, "one above the other"
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen.TITLE_TEXT == "Eval" and not ws.store.votes.all()
    finally:
        ws.close()


async def test_make_a_set_and_run_a_model_from_the_pane_with_progress(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "ws", SECOND)
    try:
        mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
        run, _ = prepare(ws, RunConfig(dialogues=6, seed=6, mix=mix))
        await execute(ws, run)
        app = make_app(ws)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("6")
            await settle(pilot)
            await pilot.press("m")
            await until(pilot, lambda: app.screen.__class__.__name__ == "EvalMakeForm")
            await pilot.press("ctrl+u", "4", "ctrl+s")  # 4 items instead of the suggested 50
            await until(pilot, lambda: len(ws.store.eval_sets.all()) == 1)
            (made,) = ws.store.eval_sets.all()
            assert len(made.items) == 4
            await pilot.press("r")
            await until(pilot, lambda: app.screen.__class__.__name__ == "EvalRunForm")
            assert app.screen.query_one("#set_id").value == made.id
            await pilot.press("ctrl+s")  # the suggested model: the teacher's profile, no judge
            await until(pilot, lambda: app.screen.running is None and ws.store.evals.all()
                        and ws.store.evals.all()[0].status.value == "succeeded")
            assert "4/4" in app.screen.progress or "succeeded" in app.screen.progress
            await until(pilot, lambda: len(app.screen.report["runs"]) == 1)
            await pilot.press("r")
            await until(pilot, lambda: app.screen.__class__.__name__ == "EvalRunForm")
            await pilot.press("ctrl+u", *"nosuch", "ctrl+s")
            await settle(pilot)
            assert len(ws.store.evals.all()) == 1, "an unknown profile is refused with a word, nothing started"
            assert any("nosuch" in str(n.message) for n in app._notifications)
    finally:
        ws.close()
