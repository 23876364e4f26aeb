"""The studio app: wiring of modes (one per pane), bindings, palette commands, theme and the change signal."""

from __future__ import annotations

import gc
import threading
from collections import deque
from collections.abc import Callable, Iterable

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.signal import Signal

from studio.config import ConfigError
from studio.domain import RunConfig
from studio.resources import style_file
from studio.store import StoreError
from studio.synth.run import Progress
from studio.ui.background import BackgroundLoop, GenerationControl
from studio.ui.commands import JumpProvider
from studio.ui.screens.dashboard import DashboardScreen
from studio.ui.screens.evals import EvalScreen
from studio.ui.screens.jobs import JobsScreen
from studio.ui.screens.samples import SamplesScreen
from studio.ui.screens.simulate import SimulateScreen
from studio.ui.screens.topics import TopicsScreen
from studio.workspace import Workspace


class StoreChanged(Message):
    def __init__(self, table: str, item_id: str | None) -> None:
        super().__init__()
        self.table, self.item_id = table, item_id


PANES = {"topics": ("1", "f2", "Topics"), "simulate": ("2", "f3", "Simulate"), "samples": ("3", "f4", "Samples"),
         "dashboard": ("4", "f5", "Dashboard"), "jobs": ("5", "f6", "Jobs"),
         "eval": ("6", "f7", "Eval")}


class RunProgress(Message):
    def __init__(self, progress: Progress | None, note: str) -> None:
        super().__init__()
        self.progress, self.note = progress, note


class StudioApp(App[None]):
    TITLE = "Kouyu Studio"
    CSS_PATH = [str(style_file("studio.tcss"))]
    MODES = {"topics": TopicsScreen, "simulate": SimulateScreen, "samples": SamplesScreen,
             "dashboard": DashboardScreen, "jobs": JobsScreen,
             "eval": EvalScreen}
    DEFAULT_MODE = "topics"
    COMMANDS = App.COMMANDS | {JumpProvider}
    BINDINGS = [
        *(Binding(f"{num},{fkey}", f"switch_mode('{mode}')", label, id=f"pane.{mode}")
          for mode, (num, fkey, label) in PANES.items()),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
        Binding("ctrl+p", "command_palette", "Palette", id="app.palette", show=False),
    ]

    def __init__(self, workspace: Workspace) -> None:
        super().__init__()
        self.workspace = workspace
        self.store_changed: Signal[tuple[str, str | None]] = Signal(self, "store-changed")
        self.animation_level = "full" if workspace.config.studio.animations else "none"
        self._unsubscribe = workspace.store.subscribe(self._on_store_change)
        self._pending_writes: deque[tuple[Callable[[], object], str]] = deque()
        self.prebuilt_rows: dict | None = None  # sample rows built in the background at start-up
        self.changed_since_prebuild: set[str | None] = set()
        self._write_lock = threading.Lock()
        self.run_progress: Signal[Progress | None] = Signal(self, "run-progress")
        self.models = BackgroundLoop()  # model calls run here, off the UI thread
        self.generation = GenerationControl(workspace, self.models,
                                            lambda p, note: self.post_message(RunProgress(p, note)))
        self.sample_filter_keys: Callable[[], set[str] | None] = lambda: None  # set by the Samples pane
        self.next_teacher: str | None = None  # asked for by the Jobs pane, taken by the Simulate pane

    def on_mount(self) -> None:
        cfg = self.workspace.config.studio
        try:
            self.theme = cfg.theme
        except Exception:  # noqa: BLE001 - an unknown theme name must not stop the studio
            self.notify(f"unknown theme '{cfg.theme}' in config.toml; using the default", severity="warning")
        self.sub_title = f"{self.workspace.root} · teacher: {cfg.teacher} · student: {cfg.student}"
        if self.workspace.config.keys:
            self.set_keymap(self.workspace.config.keys)
        note = self.workspace.store.recovered_note
        if note:
            self.notify(note, severity="warning", timeout=20)
        self.warm_styles()
        self.call_after_refresh(self.prebuild_rows)

    def warm_styles(self) -> None:
        """Register the default CSS of every widget the panes use, before the first frame.

        Textual parses a widget class's CSS when the first one mounts, and then re-parses the whole
        stylesheet: done on the first switch to a pane, that is ~150 ms the user waits for.
        """
        added = False
        for widget_class in {cls for mode in self.MODES.values() for cls in getattr(mode, "USES", ())}:
            for read_from, css, tie_breaker, scope in widget_class()._get_default_css():
                if not self.stylesheet.has_source(*read_from):
                    self.stylesheet.add_source(css, read_from=read_from, is_default_css=True,
                                               tie_breaker=tie_breaker, scope=scope)
                    added = True
        if added:
            self.stylesheet.reparse()

    @work(thread=True, group="prebuild", exit_on_error=False)
    def prebuild_rows(self) -> None:
        """Build the Samples pane's rows while the user looks at the first pane."""
        import time

        from studio.synth.review import row_chunks

        rows: dict = {}
        for chunk in row_chunks(self.workspace.store, first=500):
            rows.update((r.key, r) for r in chunk)
            time.sleep(0.001)  # leave the UI thread the interpreter between chunks
        # In display order: the pane's first sort of an already sorted list is one linear pass.
        self.prebuilt_rows = {r.key: r for r in sorted(rows.values(), key=lambda r: r.order)}
        # The store and the rows are millions of long-lived objects: keep them out of the cyclic
        # collector's full passes, which otherwise pause the UI for hundreds of milliseconds.
        gc.freeze()

    def _on_store_change(self, table: str, item_id: str | None) -> None:
        """Called from any thread after a store write; panes listen to ``store_changed``."""
        if table == "dialogues":
            self.changed_since_prebuild.add(item_id)
        self.post_message(StoreChanged(table, item_id))  # thread-safe, and the writer never waits on the UI

    def on_store_changed(self, message: StoreChanged) -> None:
        self.store_changed.publish((message.table, message.item_id))

    def on_run_progress(self, message: RunProgress) -> None:
        self.run_progress.publish(message.progress)
        if message.note:
            self.notify(message.note, severity="error" if "failed" in message.note else "information", timeout=8)

    # -- generation runs (Dashboard keys and the palette) ----------------------------------------
    def start_generation(self, config: RunConfig) -> None:
        try:
            run = self.generation.start(config)
        except (ValueError, LookupError, ConfigError) as exc:
            self.notify(str(exc), severity="error", timeout=10)
            return
        self.notify(f"run {run.id} started: {run.planned} dialogues")
        self.run_progress.publish(None)

    def pause_or_resume(self) -> None:
        try:
            if self.generation.active:
                self.generation.pause()
                self.notify("pausing after the turns in flight…")
            else:
                run = self.generation.resume()
                self.notify(f"run {run.id} resumed")
        except (ValueError, LookupError) as exc:
            self.notify(str(exc), severity="warning")
        self.run_progress.publish(None)

    def stop_generation(self) -> None:
        try:
            self.generation.stop()
            self.notify("stopping after the turns in flight…")
        except ValueError as exc:
            self.notify(str(exc), severity="warning")

    async def _generate_form(self) -> None:
        await self.switch_mode("dashboard")
        if isinstance(self.screen, DashboardScreen):
            self.screen.action_generate()

    async def simulate_with(self, teacher: str) -> None:
        """Open the Simulate pane with ``teacher`` (it picks this up when shown)."""
        self.next_teacher = teacher
        await self.switch_mode("simulate")

    def evaluate_model(self, model: str) -> None:
        """Run ``model`` on the newest eval set in the background; the Eval pane shows the result."""
        from studio.evaluate import runner

        sets = sorted(self.workspace.store.eval_sets.all(), key=lambda s: s.created)
        if not sets:
            self.notify("no eval set yet: studio eval make --n 50 --snapshot S", severity="warning")
            return
        try:
            run = runner.start_run(self.workspace, sets[-1].id, model, None)
        except (LookupError, ConfigError) as exc:
            self.notify(str(exc), severity="error")
            return
        future = self.models.submit(runner.execute(self.workspace, run, concurrency=1))
        self.notify(f"evaluating {model} on {sets[-1].id} ({len(sets[-1].items)} items)…")
        future.add_done_callback(lambda f: self.call_later(
            self.notify, f"evaluation of {model} " + ("failed: " + str(f.exception()) if f.exception() else "done: "
                                                       "see the Eval pane (6)"), timeout=10))

    async def show_failing(self, check: str) -> None:
        await self.switch_mode("samples")
        screen = self.screen
        if isinstance(screen, SamplesScreen):
            screen.show_check(check)

    def write(self, change: Callable[[], object], message: str = "") -> None:
        """Run a store change off the UI thread. Changes run one at a time, in the order asked."""
        self._pending_writes.append((change, message))
        self._write_one()

    @work(thread=True, group="store-writes", exit_on_error=False)
    def _write_one(self) -> None:
        with self._write_lock:
            change, message = self._pending_writes.popleft()
            try:
                change()
            except (ValueError, LookupError, StoreError) as exc:
                self.call_from_thread(self.notify, str(exc), severity="error", timeout=8)
                return
        if message:
            self.call_from_thread(self.notify, message, timeout=2)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode, (num, _, label) in PANES.items():
            yield SystemCommand(f"Go to {label}", f"switch to the {label} pane ({num})",
                                lambda m=mode: self.switch_mode(m))
        yield SystemCommand("Start a generation run", "open the run form on the Dashboard (G)",
                            lambda: self.call_later(self._generate_form))
        yield SystemCommand("Pause or resume the generation run", "P on the Dashboard", self.pause_or_resume)
        yield SystemCommand("Stop the generation run", "S on the Dashboard", self.stop_generation)
        for binding in getattr(screen, "BINDINGS", []):
            if isinstance(binding, Binding) and binding.description and binding.id:
                action = binding.action
                yield SystemCommand(f"{screen.TITLE_TEXT if hasattr(screen, 'TITLE_TEXT') else ''}: "
                                    f"{binding.description}", f"key {binding.key}",
                                    lambda a=action, s=screen: self.call_later(s.run_action, a))

    def on_unmount(self) -> None:
        self._unsubscribe()
        if self.generation.active:  # leave the run paused (resumable), not half-written
            self.generation.pause()
            self.generation.wait(timeout=30)
        self.models.close()


def make_app(workspace: Workspace) -> StudioApp:
    return StudioApp(workspace)
