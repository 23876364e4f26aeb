"""The studio app: wiring only (panes as modes, bindings, palette commands, theme, keymap); the services
the panes share live in ``studio.ui.services``."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.message import Message
from textual.notifications import Notify
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from studio.i18n import N_, _
from studio.logs import setup_logging
from studio.resources import style_file
from studio.synth import dashboard
from studio.synth.review import row_chunks
from studio.synth.run import Progress
from studio.ui.commands import JumpProvider
from studio.ui.palette import KeyHold
from studio.ui.panes import PANES
from studio.ui.safe import guard_terminal, notify, notify_markup, one_line
from studio.ui.screens.dashboard import DashboardScreen
from studio.ui.screens.evals import EvalScreen
from studio.ui.screens.jobs import JobsScreen
from studio.ui.screens.samples import SamplesScreen
from studio.ui.screens.simulate import SimulateScreen
from studio.ui.screens.topics import TopicsScreen
from studio.ui.services import Studio
from studio.ui.widgets.recent import Recent
from studio.workspace import Workspace

#: The palette's commands Textual itself offers, marked for the catalogue (translated as they are listed).
TEXTUAL_COMMANDS = (
    N_("Bell"), N_("Ring the bell"), N_("Theme"), N_("Change the current theme"), N_("Quit"),
    N_("Quit the application as soon as possible"), N_("Keys"), N_("Hide the keys and widget help panel"),
    N_("Show help for the focused widget and a summary of available keys"), N_("Minimize"),
    N_("Minimize the widget and restore to normal size"), N_("Maximize"), N_("Maximize the focused widget"),
    N_("Screenshot"), N_("Save an SVG 'screenshot' of the current screen"),
)


class StoreChanged(Message):
    def __init__(self, table: str, item_id: str | None) -> None:
        super().__init__()
        self.table, self.item_id = table, item_id


class RunProgress(Message):
    def __init__(self, progress: Progress | None, note: str) -> None:
        super().__init__()
        self.progress, self.note = progress, note


class StudioApp(App[None]):
    TITLE = "Kouyu Studio"
    CSS_PATH = [str(style_file("studio.tcss"))]
    MODES = {"topics": TopicsScreen, "simulate": SimulateScreen, "samples": SamplesScreen,
             "dashboard": DashboardScreen, "jobs": JobsScreen, "eval": EvalScreen}
    DEFAULT_MODE = "topics"
    COMMANDS = App.COMMANDS | {JumpProvider}
    BINDINGS = [
        *(Binding(f"{num},{fkey}", f"switch_mode('{mode}')", label, id=f"pane.{mode}", show=False)
          for mode, (num, fkey, label) in PANES.items()),
        Binding("ctrl+q", "quit", _("Quit"), id="app.quit", priority=True),
        Binding("ctrl+p", "command_palette", _("Palette"), id="app.palette", show=False),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        guard_terminal()  # no control character in any widget's text reaches the terminal
        self.workspace = workspace
        self.key_hold = KeyHold(self.call_later, self.call_after_refresh)
        self.recent = Recent(self)  # the last result said, kept at the foot of every pane
        setup_logging(workspace.logs_dir, workspace.secrets.redact)  # where Studio.failed writes
        def progress(p: Progress | None, note: str) -> None:
            self.post_message(RunProgress(p, note))

        self.studio = Studio(self, workspace, progress)
        self.animation_level = "full" if workspace.config.studio.animations else "none"
        self._unsubscribe = workspace.store.subscribe(self._on_store_change)
        if workspace.config.keys:  # before any pane mounts, so its footer and tab bar show the keys in use
            self.set_keymap(workspace.config.keys)

    def on_mount(self) -> None:
        cfg = self.workspace.config.studio
        try:
            self.theme = cfg.theme
        except Exception:  # noqa: BLE001 - an unknown theme name must not stop the studio
            notify(self, _("unknown theme '{theme}' in config.toml; using the default").format(theme=cfg.theme),
                        severity="warning")
        self.sub_title = one_line(_("{workspace} · teacher: {teacher} · student: {student}").format(
            workspace=self.workspace.root, teacher=cfg.teacher, student=cfg.student))
        note = self.workspace.store.recovered_note
        if note:
            notify(self, note, severity="warning", timeout=20)
        self.call_after_refresh(self.prebuild_rows)
        self.call_after_refresh(self.studio.start)  # the job queue and pending judgements, whichever pane is open

    @work(thread=True, group="prebuild", exit_on_error=False)
    def prebuild_rows(self) -> None:
        """Build the Samples pane's rows while the user looks at the first pane."""
        rows: dict = {}
        for chunk in row_chunks(self.workspace.store, first=500):
            rows.update((r.key, r) for r in chunk)
            time.sleep(0.001)  # leave the UI thread the interpreter between chunks
        # In display order: the pane's first sort of an already sorted list is one linear pass.
        self.studio.prebuilt_rows = {r.key: r for r in sorted(rows.values(), key=lambda r: r.order)}
        dashboard.compute(self.workspace.store)  # each dialogue read once: the Dashboard opens on a refresh
        # The store and the rows are millions of long-lived objects: keep them out of the cyclic
        # collector's full passes, which otherwise pause the UI for hundreds of milliseconds.
        gc.freeze()

    def _on_store_change(self, table: str, item_id: str | None) -> None:
        """Called from any thread after a store write; panes listen to ``studio.store_changed``."""
        if table == "dialogues":
            self.studio.changed_since_prebuild.add(item_id)
        self.post_message(StoreChanged(table, item_id))  # thread-safe, and the writer never waits on the UI

    def on_store_changed(self, message: StoreChanged) -> None:
        self.studio.store_changed.publish((message.table, message.item_id))

    def on_run_progress(self, message: RunProgress) -> None:
        self.studio.run_progress.publish(message.progress)
        if message.note:  # a failed run is said through Studio.failed, not here
            notify(self, message.note, timeout=8)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """No worker fails silently: an error it raised goes the one route, ``Studio.failed``."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            what = event.worker.description or event.worker.name or _("background work")
            self.studio.failed(what, event.worker.error)

    # -- kept for callers outside the UI package --------------------------------------------------------
    def write(self, change, message: str = "") -> None:
        self.studio.write(change, message)

    async def simulate_with(self, teacher: str) -> None:
        """Open the Simulate pane with ``teacher`` (it picks this up when shown)."""
        self.studio.next_teacher = teacher
        await self.switch_mode("simulate")

    async def show_failing(self, check: str) -> None:
        await self.switch_mode("samples")
        screen = self.screen
        if isinstance(screen, SamplesScreen):
            screen.show_check(check)

    async def _generate_form(self) -> None:
        await self.switch_mode("dashboard")
        if isinstance(self.screen, DashboardScreen):
            self.screen.action_generate()

    def action_help_quit(self) -> None:
        """ctrl+c (Textual's hint that it no longer quits), in the user's language."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                notify_markup(self, _("Press [b]{key}[/b] to quit the app"), title=_("Do you want to quit?"), key=key)
                return

    def on_notify(self, event: Notify) -> None:
        """Every notification's words are kept on the panes' Recent line too (after Textual shows it)."""
        self.recent.said(event.notification.message, event.notification.markup)

    async def on_event(self, event: events.Event) -> None:
        if self.key_hold.drops(event):
            return
        await super().on_event(event)

    def on_command_palette_closed(self, event: CommandPalette.Closed) -> None:
        if event.option_selected:
            self.key_hold.start()

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]  # any app has one
            self.push_screen(CommandPalette(id="--command-palette", placeholder=_("Search for commands…")))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):  # Textual's own, in the user's language
            yield command._replace(title=_(command.title), help=_(command.help))
        for mode, (num, _fkey, label) in PANES.items():
            yield SystemCommand(_("Go to {pane}").format(pane=label),
                                _("switch to the {pane} pane ({key})").format(pane=label, key=num),
                                lambda m=mode: self.switch_mode(m))
        yield SystemCommand(_("Start a generation run"), _("open the run form on the Dashboard (G)"),
                            lambda: self.call_later(self._generate_form))
        yield SystemCommand(_("Pause or resume the generation run"), _("P on the Dashboard"),
                            self.studio.pause_or_resume)
        yield SystemCommand(_("Stop the generation run"), _("S on the Dashboard"), self.studio.stop_generation)
        for binding in getattr(screen, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.description and binding.id:
                action = binding.action
                yield SystemCommand(f"{getattr(screen, 'TITLE_TEXT', '')}: {binding.description}",
                                    _("key {key}").format(key=binding.key),
                                    lambda a=action, s=screen: self.call_later(s.run_action, a))

    def on_unmount(self) -> None:
        self._unsubscribe()
        self.studio.close()


def make_app(workspace: Workspace) -> StudioApp:
    return StudioApp(workspace)
