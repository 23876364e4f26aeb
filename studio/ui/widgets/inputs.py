"""A one-line input on a pane that takes every printable key while focused and hands the keys back on
Escape or Enter, at once: focus moves synchronously, so keys typed right after never reach a command."""

from __future__ import annotations

from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input

from studio.i18n import _


def focus_now(widget: Widget) -> None:
    """Move the focus before the next key is read (``Widget.focus`` waits for the next idle turn)."""
    widget.screen.set_focus(widget)


def take_keys(field: Input, key: str) -> None:
    """What a pane's key for ``field`` does (``/`` for a search, ``t`` for an answer). The binding has
    priority: it runs as the app reads the key, before the keys typed after it are handed to a widget,
    so those reach ``field``. Pressed in the field itself, the key is just typed."""
    if field.has_focus:
        field.insert_text_at_cursor(key)
    else:
        focus_now(field)


class PaneInput(Input):
    """``leave_to`` names (a selector) the widget that gets the keys back on Escape or Enter."""

    BINDINGS = [Binding("escape", "leave", _("Leave the input"), show=False)]

    def __init__(self, *args: object, leave_to: str | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.leave_to = leave_to

    def action_leave(self) -> None:
        target = self.screen.query_one(self.leave_to) if self.leave_to else None
        self.screen.set_focus(target)

    async def action_submit(self) -> None:
        await super().action_submit()
        self.action_leave()
