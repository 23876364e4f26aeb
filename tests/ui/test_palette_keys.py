"""No key typed in the command palette carries into the form or pane its command opens."""

from __future__ import annotations

from textual import events
from textual.command import CommandPalette
from textual.widgets import Input

from studio.ui.app import make_app
from studio.ui.modals.forms import TopicForm
from tests.ui.conftest import settle, until
from tests.ui.test_shell import first_option


async def open_palette_on(pilot, query: str, expect: str) -> None:
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
    await pilot.press(*query)
    await until(pilot, lambda: expect in first_option(pilot.app))


def typed(app, *keys: str) -> list[events.Key]:
    """Keys typed now (each event holds the moment it was read from the terminal)."""
    made = []
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        made.append(event)
    return made


def deliver(app, keys: list[events.Key]) -> None:
    for event in keys:
        app._driver.send_message(event)


def form_is_untouched(app) -> bool:
    forms = [s for s in app.screen_stack if isinstance(s, TopicForm)]
    return (len(forms) == 1 and app.screen is forms[0] and app.screen.focused is app.screen.query_one("#text")
            and all(not i.value for i in app.screen.query(Input)))


async def test_enters_and_keys_after_the_choice_stay_in_the_palette(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_palette_on(pilot, "Topics: Add", "Add")
        choice, *after = typed(app, "enter", "enter", "x")  # typed at once, in the palette
        deliver(app, [choice])
        await until(pilot, lambda: isinstance(app.screen, TopicForm))
        deliver(app, after)  # the app reads them once the form shows (it was busy, say)
        await settle(pilot)
        assert form_is_untouched(app)
        await pilot.press(*"kite")  # keys typed once the form shows are the form's
        assert app.screen.query_one("#text", Input).value == "kite"


async def test_a_pane_switch_from_the_palette_gets_no_key_typed_before_it(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_palette_on(pilot, "Go to Samples", "Samples")
        choice, *after = typed(app, "enter", "a")  # `a` would approve the highlighted sample
        deliver(app, [choice])
        await until(pilot, lambda: not isinstance(app.screen, CommandPalette))
        deliver(app, after)
        await until(pilot, lambda: app.current_mode == "samples")
        await settle(pilot)
        assert type(app.screen).__name__ == "SamplesScreen"
        reviews = [t.review for d in generated.store.dialogues for t in d.turns if hasattr(t, "review")]
        assert "approved" not in reviews
