"""The studio app: wiring of modes (one per pane), bindings, theme and the change signal."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.signal import Signal

from studio.resources import style_file
from studio.ui.screens.topics import TopicsScreen
from studio.workspace import Workspace


class StudioApp(App[None]):
    TITLE = "Kouyu Studio"
    CSS_PATH = [str(style_file("studio.tcss"))]
    MODES = {"topics": TopicsScreen}
    DEFAULT_MODE = "topics"
    BINDINGS = [
        Binding("1,f2", "switch_mode('topics')", "Topics", id="pane.topics"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.store_changed: Signal[tuple[str, str | None]] = Signal(self, "store-changed")
        self.animation_level = "full" if workspace.config.studio.animations else "none"
        self.theme = workspace.config.studio.theme
        self._unsubscribe = workspace.store.subscribe(self._on_store_change)

    def on_mount(self) -> None:
        cfg = self.workspace.config.studio
        self.sub_title = f"{self.workspace.root} · teacher: {cfg.teacher} · student: {cfg.student}"
        if self.workspace.config.keys:
            self.set_keymap(self.workspace.config.keys)

    def _on_store_change(self, table: str, item_id: str | None) -> None:
        """Called from any thread after a store write; panes listen to ``store_changed``."""
        try:
            self.call_from_thread(self.store_changed.publish, (table, item_id))
        except RuntimeError:  # already on the app's thread
            self.store_changed.publish((table, item_id))

    def on_unmount(self) -> None:
        self._unsubscribe()


def make_app(workspace: Workspace) -> StudioApp:
    return StudioApp(workspace)
