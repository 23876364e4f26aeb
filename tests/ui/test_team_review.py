"""Reviewing in the studio as a team, at 80×24: the answer by field (detail, editor), approving a failing
sample asks first, who reviewed what and its history, the needs-review queue's hint, agreement on the
Dashboard."""

from __future__ import annotations

import json

from textual.widgets import DataTable, TextArea

from studio.domain import FaultKind, ReviewStatus, RunConfig, StudentTurn
from studio.evaluate import runner
from studio.evaluate.sets import make_set
from studio.synth import review
from studio.synth.service import execute, prepare
from studio.turn.prompts import Prompts
from studio.ui.app import make_app
from studio.ui.screens.blind_review import BlindReview
from tests.ui.conftest import settle, until
from tests.ui.test_eval_pane import SECOND
from tests.workspaces import seeded_workspace


def table(app) -> DataTable:
    return app.screen.query_one("#samples-table", DataTable)


def current_key(app) -> str:
    t = table(app)
    return t.coordinate_to_cell_key(t.cursor_coordinate).row_key.value


def on_screen(app) -> str:
    """What the terminal shows now (only what is on screen: nothing scrolled into view)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips[: app.size.height])


async def open_samples(pilot) -> None:
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)


async def move_to(pilot, key: str) -> None:
    t = table(pilot.app)
    t.move_cursor(row=t.get_row_index(key))
    await settle(pilot)
    await pilot.pause(0.1)


def passing_reply(store) -> str:
    """A typical sample: a reply to the student (not the opening) that passes its checks."""
    return next(r.key for r in review.all_rows(store) if r.kind == "reply" and not r.failed)


def failing_sample(store):
    """A sample that fails a check: one passing reply's Analysis edited into English (``analysis.chinese``), as a
    reviewer's slip would leave it; the generated data need not hold one of its own."""
    key = passing_reply(store)
    _, _, turn = review.load_sample(store, key)
    review.edit_answer(store, key, json.dumps({**turn.parsed.to_contract(), "Analysis": "Good."}), "t")
    return next(r for r in review.all_rows(store) if r.key == key)


async def test_the_student_line_and_the_answer_by_field_show_at_80x24(generated) -> None:
    key = passing_reply(generated.store)
    d, index, turn = review.load_sample(generated.store, key)
    student = d.turns[index - 1]
    assert isinstance(student, StudentTurn)
    app = make_app(generated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_samples(pilot)
        await move_to(pilot, key)
        screen = on_screen(app)
        assert student.text.split()[0] in screen and f"turn {index}" in screen
        for name in ("Reply", "Suggestion 1", "Suggestion 2", "Suggestion 3", "Analysis"):
            assert name in screen, name
        assert turn.parsed.reply.split()[0] in screen and "{" not in screen and '\\"' not in screen
        await pilot.press("z")  # the detail alone: the whole answer, its Analysis to the last word
        await settle(pilot)
        await pilot.pause(0.1)
        screen = on_screen(app)
        assert not table(app).display or table(app).size.height == 0
        assert student.text.split()[0] in screen
        for text in (turn.parsed.reply, *turn.parsed.suggestions, turn.parsed.analysis):
            assert text.split()[-1].rstrip('."”') in screen, text
        before = app.screen.query_one("#sample-view")
        assert "teacher" in before.plain  # the earlier dialogue is there, a scroll up
        await pilot.press("j")  # the next sample, still in the focused view
        await settle(pilot)
        assert current_key(app) != key
        await pilot.press("z")
        await settle(pilot)
        assert table(app).display and app.focused is table(app)


async def test_editing_a_suggestion_saves_the_contract_json_and_rechecks(generated) -> None:
    key = passing_reply(generated.store)
    before = review.load_sample(generated.store, key)[2]
    app = make_app(generated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_samples(pilot)
        await move_to(pilot, key)
        await pilot.press("e")
        await until(pilot, lambda: app.screen.__class__.__name__ == "AnswerEditor")
        assert app.screen.query_one("#field-reply", TextArea).text == before.parsed.reply
        long = " ".join(["very"] * 40) + " long."
        app.screen.query_one("#field-suggestion2", TextArea).text = long
        await until(pilot, lambda: "suggestion." in str(app.screen.query_one("#checks-suggestions").render()))
        assert not app.screen.query_one("#checks-reply").display  # the Reply's own checks pass
        await pilot.press("ctrl+s")
        await settle(pilot)
        after = review.load_sample(generated.store, key)[2]
        saved = json.loads(after.raw)
        assert saved["Reply"] == before.parsed.reply and saved["Suggestion"][1] == long
        assert saved["Suggestion"][0] == before.parsed.suggestions[0] and saved["Analysis"] == before.parsed.analysis
        assert not after.passed and any(c.id.startswith("suggestion.") for c in after.checks)
        assert after.edits[-1].field == "raw" and after.edits[-1].before == before.raw


async def test_an_answer_that_does_not_parse_opens_raw_saying_why(generated) -> None:
    key = passing_reply(generated.store)
    review.edit_answer(generated.store, key, '{"Reply": "Hi", "Suggestion": [', "me")
    app = make_app(generated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_samples(pilot)
        await move_to(pilot, key)
        await pilot.press("e")
        await until(pilot, lambda: app.screen.__class__.__name__ == "AnswerEditor")
        assert "not JSON" in str(app.screen.query_one("#raw-why").render())
        assert app.screen.query_one("#answer", TextArea).text == '{"Reply": "Hi", "Suggestion": ['
        await pilot.press("escape")
        await settle(pilot)


async def test_approving_a_failing_sample_asks_and_names_the_check(generated) -> None:
    failing = failing_sample(generated.store)
    assert failing.failed
    app = make_app(generated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_samples(pilot)
        await move_to(pilot, failing.key)
        await pilot.press("a")
        await until(pilot, lambda: app.screen.__class__.__name__ == "Confirm")
        question = str(app.screen.query_one(".question").render())
        assert all(c in question for c in failing.failed) and "anyway" in question
        await pilot.press("n")
        await settle(pilot)
        assert review.load_sample(generated.store, failing.key)[2].review == ReviewStatus.PENDING
        await pilot.press("a")
        await until(pilot, lambda: app.screen.__class__.__name__ == "Confirm")
        await pilot.press("y")
        await settle(pilot)
        assert review.load_sample(generated.store, failing.key)[2].review == ReviewStatus.APPROVED
        # bulk: the count of failing samples and their checks are named
        await pilot.press("A")
        await until(pilot, lambda: app.screen.__class__.__name__ == "Confirm")
        assert "of them fail" in str(app.screen.query_one(".question").render())
        assert failing.failed[0] in str(app.screen.query_one(".question").render())
        await pilot.press("n")
        await settle(pilot)


async def test_a_passing_sample_is_approved_without_a_question(generated) -> None:
    key = passing_reply(generated.store)
    app = make_app(generated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_samples(pilot)
        await move_to(pilot, key)
        await pilot.press("a")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "SamplesScreen"
        assert review.load_sample(generated.store, key)[2].review == ReviewStatus.APPROVED


async def test_reviewed_by_filter_and_history(generated, monkeypatch) -> None:
    rows = [r for r in review.all_rows(generated.store) if not r.failed]
    review.set_review(generated.store, [rows[0].key, rows[1].key], ReviewStatus.APPROVED, "li")
    review.set_review(generated.store, [rows[1].key], ReviewStatus.REJECTED, "wang")
    monkeypatch.setenv("STUDIO_REVIEWER", "zhao")
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_samples(pilot)
        await move_to(pilot, rows[1].key)
        view = app.screen.query_one("#sample-view")
        await until(pilot, lambda: "reviewed by: li ✓ approved, wang ✗ rejected" in view.plain)
        assert "li  review: pending → approved" in view.plain and "wang  review: approved → rejected" in view.plain
        await pilot.press("b")  # reviewer: li
        await settle(pilot)
        assert {current_key(app)} <= {rows[0].key, rows[1].key} and table(app).row_count == 2
        assert "reviewer li" in str(app.screen.query_one("#sample-filters").render())
        await pilot.press("b")  # reviewer: wang
        await settle(pilot)
        assert table(app).row_count == 1 and current_key(app) == rows[1].key
        # a decision made here is recorded with this reviewer's name and joins the filter's choices
        await pilot.press("escape")
        await settle(pilot)
        assert table(app).row_count == 24
        await move_to(pilot, rows[2].key)
        await pilot.press("x")
        await settle(pilot)
        await until(pilot, lambda: "zhao ✗ rejected" in view.plain)
        assert "zhao" in app.screen.reviewers()
        await pilot.press("b", "b", "b")  # all → li → wang → zhao
        await settle(pilot)
        assert table(app).row_count == 1 and current_key(app) == rows[2].key


async def test_the_queue_says_when_a_search_hides_work(generated) -> None:
    failing_sample(generated.store)
    needing = sum(1 for r in review.all_rows(generated.store) if r.needs_review)
    assert needing
    app = make_app(generated)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_samples(pilot)
        await pilot.press("slash", *"zzzz-no-such-topic", "enter")
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        said = str(app.screen.query_one("#sample-filters").render())
        assert "empty here" in said and f"{needing} sample" in said and "Escape" in said
        assert f"{needing} sample" in app.screen.query_one("#sample-view").plain
        assert not any("queue is empty" in str(n.message) for n in app._notifications)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.queue and table(app).row_count == needing


async def test_the_dashboard_shows_agreement(generated) -> None:
    keys = [r.key for r in review.all_rows(generated.store)][:4]
    review.set_review(generated.store, keys, ReviewStatus.APPROVED, "li")
    review.set_review(generated.store, keys[:3], ReviewStatus.APPROVED, "wang")
    review.set_review(generated.store, keys[3:], ReviewStatus.REJECTED, "wang")
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        panel = app.screen.query_one("#agreement")
        await until(pilot, lambda: "4 samples decided" in str(panel.render()))
        text = str(panel.render())
        assert "Agreement between reviewers" in text and "4 by two or more reviewers" in text
        assert "raw agreement 75%" in text and "li × wang: 4 samples" in text


async def test_the_dashboard_shows_a_dash_where_agreement_is_not_earned(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        panel = app.screen.query_one("#agreement")
        await until(pilot, lambda: "0 samples decided" in str(panel.render()))
        assert "Cohen's kappa —, raw agreement —" in str(panel.render())


async def test_the_blind_review_shows_the_student_line_and_the_answers_by_field(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "ws", SECOND)
    try:
        mix = {FaultKind(k): v for k, v in ws.config.mix.items()}
        run, _ = prepare(ws, RunConfig(dialogues=8, seed=4, mix=mix))
        await execute(ws, run)
        s = make_set(ws.store, Prompts(ws.root), n=3)
        for model in ("offline", "other"):
            await runner.execute(ws, runner.start_run(ws, s.id, model, None))
        app = make_app(ws)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("6")
            await settle(pilot)
            await pilot.press("v")
            await settle(pilot)
            await pilot.pause(0.1)
            review = app.screen
            assert isinstance(review, BlindReview)
            item = review.queue[0]
            role, said = item.history[-1]
            assert role == "student"
            screen = on_screen(app)
            assert said.split()[-1] in screen, "the student line both answers reply to is in view"
            assert screen.count("Reply") == 2 and screen.count("Suggestion 1") == 2 and '{"Reply"' not in screen
    finally:
        ws.close()
