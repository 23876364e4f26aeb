"""A one-line input on a pane that takes every printable key while focused and hands the keys back on
Escape or Enter, at once: focus moves synchronously, so keys typed right after never reach a command."""

from __future__ import annotations

from textual import events
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
    so those reach ``field``. Pressed in the field itself, the key is typed: queued to it behind the keys
    typed before it."""
    if field.screen.focused is field:  # (``has_focus`` waits for the focus event, which may be queued)
        field.post_message(events.Key(key, key))
    else:
        focus_now(field)


class PaneInput(Input):
    """``leave_to`` names (a selector) the widget that gets the keys back on Escape or Enter."""

    # Priority keys: handled as the app reads them, so the focus is back on the pane before the keys
    # typed after them are handed to a widget (handled by the input, they would wait in its queue
    # behind keys already queued to it).
    BINDINGS = [Binding("escape", "leave", _("Leave the input"), show=False, priority=True),
                Binding("enter", "submit", _("Submit"), show=False, priority=True)]

    def __init__(self, *args: object, leave_to: str | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.leave_to = leave_to

    def action_leave(self) -> None:
        target = self.screen.query_one(self.leave_to) if self.leave_to else None
        self.screen.set_focus(target)

    async def action_submit(self) -> None:
        if self.screen.focused is not self:  # (``has_focus`` waits for the focus event, which may be queued)
            return
        await super().action_submit()
        self.action_leave()
