"""`?` names every focusable part of every pane in words a user knows, never a widget's class name."""

from __future__ import annotations

import re

from studio.ui.app import make_app
from studio.ui.modals.common import Help
from studio.ui.panes import PANES
from tests.ui.conftest import settle, until

#: A class name: two capitalised words run together ("FitTable", "PaneInput", "VerticalScroll").
CLASS_NAME = re.compile(r"\b[A-Z][a-z]+[A-Z][A-Za-z]*\b")


def shown(help_screen: Help) -> str:
    return " ".join([help_screen.title_text, *(name for name, _keys in help_screen.groups)])


async def test_every_focusable_part_of_every_pane_has_a_users_word(generated) -> None:
    app = make_app(generated)
    seen: dict[str, str] = {}
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for mode in PANES:
            await app.switch_mode(mode)
            await settle(pilot)
            pane = app.screen
            for widget in list(pane.focus_chain):
                pane.set_focus(widget)
                await pilot.pause()
                pane.action_keys()
                await until(pilot, lambda: isinstance(app.screen, Help))
                words = shown(app.screen)
                seen[f"{mode}:{type(widget).__name__}"] = words
                app.screen.dismiss()
                await until(pilot, lambda p=pane: app.screen is p)
    assert len(seen) >= len(PANES) + 4, seen  # each pane and its parts: tables, lists, fields, views
    named = {part: words for part, words in seen.items() if CLASS_NAME.search(words)}
    assert not named, named
    assert not [part for part, words in seen.items() if "Focused part" in words], seen
