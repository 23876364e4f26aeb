"""What every pane shares: the tab bar, footer, F1 help and `?` keys, and the coalesced store-change refresh."""

from __future__ import annotations

from collections.abc import Iterator

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Input, ListView
from textual.widgets._footer import FooterKey

from studio.i18n import N_, _
from studio.store import Store
from studio.ui.modals.common import Help
from studio.ui.panes import PANES
from studio.ui.safe import DataTable, Static, Text
from studio.ui.services import Studio, studio_of
from studio.ui.widgets.recent import RecentLine
from studio.ui.widgets.tables import cut

NAVIGATION = {"up", "down", "left", "right", "pageup", "pagedown", "home", "end", "tab", "shift+tab"}

#: What `?` and F1 call the focused part of a pane, by its kind (the nearest kind in its ancestry);
#: a widget may say it itself with ``PART_NAME``.
PART_NAMES: dict[type[Widget], str] = {DataTable: N_("Table"), ListView: N_("List"), Input: N_("Text field"),
                                       ScrollableContainer: N_("Scrolling view")}

#: The key descriptions of Textual's own widgets that `?` lists for the focused part, marked for the
#: catalogue so they are shown in the user's language too (translated as they are shown).
TEXTUAL_WORDS = (
    N_("Select"), N_("Top"), N_("Bottom"), N_("Page Left"), N_("Page Right"), N_("Submit"), N_("Select all"),
    N_("Move cursor left and select"), N_("Move cursor left a word"), N_("Move cursor left a word and select"),
    N_("Move cursor right and select"), N_("Move cursor right a word"), N_("Move cursor right a word and select"),
    N_("Delete character left"), N_("Delete character right"), N_("Select line start"), N_("Select line end"),
    N_("Delete left to start of word"), N_("Delete all to the left"), N_("Delete right to start of word"),
    N_("Delete all to the right"), N_("Cut selected text"), N_("Copy selected text"),
    N_("Paste text from the clipboard"),
)


def part_name(widget: Widget) -> str:
    """The focused part's name as a user knows it ("Table", "Sample detail"), not its class's."""
    own = getattr(widget, "PART_NAME", None)
    if own:
        return _(own)
    for kind in type(widget).__mro__:
        if kind in PART_NAMES:
            return _(PART_NAMES[kind])
    return _("Focused part")


class PaneTabs(Static):
    """One line: every pane with the key that opens it, the open one highlighted, then the sub-title."""

    def __init__(self, mode: str) -> None:
        super().__init__(id="pane-tabs")
        self.mode = mode

    def on_mount(self) -> None:
        self.draw()
        self.watch(self.app, "sub_title", lambda _value: self.draw(), init=False)
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.draw())
        self.call_after_refresh(self.draw)  # the app applies the keymap from config after the first pane mounts

    def on_resize(self) -> None:
        self.draw()

    def draw(self) -> None:
        keys = key_of_action(self.screen)
        tabs = Text()
        for mode, (_num, _fkey, label) in PANES.items():
            key = keys.get(f"pane.{mode}", "")
            tabs.append(" ")
            tabs.append(f" {key} {label} " if key else f" {label} ", style="reverse bold" if mode == self.mode else "")
        title = " Kouyu Studio "
        line = Text(title, style="bold") + tabs if tabs.cell_len + len(title) <= self.size.width else tabs
        room = self.size.width - line.cell_len - 3
        if room > 12 and self.app.sub_title:
            line.append("  " + cut(self.app.sub_title, room), style="dim")
        self.update(line)


class PaneFooter(Footer):
    """The footer, showing the keys whose whole label fits, in order, and the palette's key: a label is
    never cut short (a narrow terminal shows fewer keys; `?` lists them all)."""

    def compose(self) -> ComposeResult:
        yield from super().compose()
        self.call_after_refresh(self.fit)

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        keys = list(self.query(FooterKey))
        palette = [key for key in keys if key.has_class("-command-palette")]
        room = self.size.width - sum(key.render().cell_len + key.styles.gutter.width for key in palette)  # and its border
        for key in keys:
            if key in palette:
                continue
            width = key.render().cell_len
            key.display = width <= room
            room = room - width if key.display else -1  # after the first key that does not fit, none


def keys_of_actions(screen: Screen) -> dict[str, list[str]]:
    """Binding id -> the keys that run it now (after any keymap from config), as the footer shows them."""
    out: dict[str, list[str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.id:
            out.setdefault(binding.id, []).append(screen.app.get_key_display(binding))
    for keys in out.values():
        keys.sort(key=len)  # "1" before "f2": the shortest key first
    return out


def key_of_action(screen: Screen) -> dict[str, str]:
    """Binding id -> the first key that runs it now."""
    return {binding_id: keys[0] for binding_id, keys in keys_of_actions(screen).items()}


class Pane(Screen[None]):
    HELP = _("This pane.")
    TITLE_TEXT = _("Pane")
    MODE = ""
    BINDINGS = [
        Binding("f1", "help", _("Help"), id="pane.help"),
        Binding("question_mark", "keys", _("Keys"), show=False, id="pane.keys"),
    ]
    REFRESH_DELAY = 0.3
    AUTO_FOCUS = "DataTable, ListView"  # the pane's main list has the keys, never a search box

    def __init__(self) -> None:
        super().__init__()
        self._changed: set[tuple[str, str | None]] = set()
        self._refresh_timer: Timer | None = None

    def compose_header(self) -> ComposeResult:
        yield PaneTabs(self.MODE)

    def compose_footer(self) -> ComposeResult:
        yield RecentLine()
        yield PaneFooter()

    @property
    def studio(self) -> Studio:
        return studio_of(self.app)

    @property
    def store(self) -> Store:
        return self.studio.workspace.store

    @property
    def settled(self) -> bool:
        """No store change is waiting to be shown."""
        return self._refresh_timer is None and not self._changed

    def on_mount(self) -> None:
        self.studio.panes.add(self)
        self.studio.store_changed.subscribe(self, self._on_store_changed)

    def _on_store_changed(self, change: tuple[str, str | None]) -> None:
        self._changed.add(change)
        if self._refresh_timer is None:
            self._refresh_timer = self.set_timer(self.REFRESH_DELAY, self._flush_changes)

    def _flush_changes(self) -> None:
        changes, self._changed, self._refresh_timer = self._changed, set(), None
        self.store_changed(changes)

    def store_changed(self, changes: set[tuple[str, str | None]]) -> None:
        """Called at most every REFRESH_DELAY seconds with the (table, id) pairs that changed."""

    def key_groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The keys that work here, by purpose: this pane's own first, then the focused part's, then
        moving between panes, then the studio's; cursor movement last."""
        keys = {b: " / ".join(k) for b, k in keys_of_actions(self).items()}
        groups: list[tuple[str, list[tuple[str, str]]]] = []
        seen: set[str] = set()

        def rows(bindings: Iterator[Binding]) -> list[tuple[str, str]]:
            out = []
            for b in bindings:
                if not b.description or b.description in seen:
                    continue
                first = b.key.split(",")[0]
                if first in NAVIGATION:
                    continue
                seen.add(b.description)
                shown = keys.get(b.id, "") if b.id else ""
                out.append((shown or " / ".join(b.key.split(",")), _(b.description)))  # Textual's own too
            return out

        own = [b for b in self.BINDINGS if isinstance(b, Binding) and b not in Pane.BINDINGS]
        groups.append((f"{self.TITLE_TEXT}", rows(iter(own))))
        focused = self.focused
        if focused is not None:
            groups.append((_("{part} (focused)").format(part=part_name(focused)),
                           rows(b for b in focused.BINDINGS if isinstance(b, Binding))))
        app_bindings = [b for b in self.app.BINDINGS if isinstance(b, Binding)]
        groups.append((_("Panes"), rows(b for b in app_bindings if (b.id or "").startswith("pane."))))
        everywhere = [*Pane.BINDINGS, *(b for b in app_bindings if not (b.id or "").startswith("pane."))]
        groups.append((_("Everywhere"), rows(b for b in everywhere if isinstance(b, Binding))))
        return [(name, found) for name, found in groups if found]

    def action_help(self) -> None:
        focused = self.focused
        text = getattr(focused, "HELP", None) or self.HELP
        self.app.push_screen(Help(self.TITLE_TEXT, text, self.key_groups()))

    def action_keys(self) -> None:
        self.app.push_screen(Help(_("{pane}: keys").format(pane=self.TITLE_TEXT), "", self.key_groups()))
