"""No key carries from the command palette into what its command opens.

Textual hands a key to the widget focused when the key is read. Once a command is chosen the palette
closes and the command runs a moment later (it may open a form, switch panes, or both), so keys typed
in the palette in that moment (a second Enter, say) would land in the next screen, the form's first
field or the pane's table. ``KeyHold`` drops them: every key typed from the choice until the next
screen is shown."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual._time import get_time  # the clock a key event's ``time`` is read from

#: How many turns of the app's queue the chosen command is given to show its screen (a command may
#: defer its work once more: a pane's action runs through ``call_later``).
TURNS = 3


class KeyHold:
    def __init__(self, later: Callable[[Callable[[], None]], object],
                 after_refresh: Callable[[Callable[[], None]], object]) -> None:
        self.later, self.after_refresh = later, after_refresh
        self.held = False
        self.typed_before = 0.0  # keys typed before this moment were typed while the palette was open

    def start(self) -> None:
        """A command was chosen: hold the keys until its screen has been shown."""
        self.held = True
        self._wait(TURNS)

    def _wait(self, turns: int) -> None:
        if turns:
            self.later(lambda: self._wait(turns - 1))
        else:
            self.after_refresh(self._release)

    def _release(self) -> None:
        self.held = False
        self.typed_before = get_time()

    def drops(self, event: events.Event) -> bool:
        return isinstance(event, events.Key) and not event.is_forwarded and \
            (self.held or event.time < self.typed_before)
