"""What every pane shares: header, footer, F1 help and the coalesced store-change refresh."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Header

from studio.ui.modals.common import Help


class Pane(Screen[None]):
    HELP = "This pane."
    TITLE_TEXT = "Pane"
    BINDINGS = [
        Binding("f1", "help", "Help", id="pane.help"),
        Binding("question_mark", "keys", "Keys", show=False, id="pane.keys"),
    ]
    REFRESH_DELAY = 0.3

    def __init__(self) -> None:
        super().__init__()
        self._changed: set[tuple[str, str | None]] = set()
        self._refresh_timer: Timer | None = None

    def compose_header(self) -> ComposeResult:
        yield Header()

    def compose_footer(self) -> ComposeResult:
        yield Footer()

    @property
    def store(self):  # type: ignore[no-untyped-def]
        return self.app.workspace.store  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        self.app.store_changed.subscribe(self, self._on_store_changed)  # type: ignore[attr-defined]

    def _on_store_changed(self, change: tuple[str, str | None]) -> None:
        self._changed.add(change)
        if self._refresh_timer is None:
            self._refresh_timer = self.set_timer(self.REFRESH_DELAY, self._flush_changes)

    def _flush_changes(self) -> None:
        changes, self._changed, self._refresh_timer = self._changed, set(), None
        self.store_changed(changes)

    def store_changed(self, changes: set[tuple[str, str | None]]) -> None:
        """Called at most every REFRESH_DELAY seconds with the (table, id) pairs that changed."""

    def _keys(self) -> list[tuple[str, str]]:
        seen: list[tuple[str, str]] = []
        for node in [self.focused, self, self.app]:
            if node is None:
                continue
            for binding in getattr(node, "BINDINGS", []):
                if isinstance(binding, Binding) and binding.description:
                    seen.append((binding.key.replace(",", " / "), binding.description))
        return list(dict.fromkeys(seen))

    def action_help(self) -> None:
        focused = self.focused
        text = getattr(focused, "HELP", None) or self.HELP
        self.app.push_screen(Help(self.TITLE_TEXT, text, self._keys()))

    def action_keys(self) -> None:
        self.app.push_screen(Help(f"{self.TITLE_TEXT}: keys", "Every key that works here.", self._keys()))
