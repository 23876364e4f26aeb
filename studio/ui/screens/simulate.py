"""The Simulate pane: one dialogue made live, turn by turn, with a person free to take the student's seat.

Forking, the branches and keeping the dialogue are in :mod:`studio.ui.screens.simulate_forks`."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, ListItem, ListView

from studio.config import ConfigError
from studio.domain import DEFAULT_MIX, StudentTurn, TeacherTurn, Topic
from studio.domain.learner import find_spelling_errors
from studio.i18n import _, ngettext
from studio.llm.client import LLMClient
from studio.semantic import encoder
from studio.semantic.encoder import EncoderError
from studio.semantic.offtopic import load_models
from studio.synth.run import load_off_topic
from studio.synth.simulate import Simulation, fault_plan
from studio.turn.prompts import Prompts
from studio.ui.modals.common import Confirm
from studio.ui.modals.run_forms import SimulateForm, SimulateSetup
from studio.ui.safe import Static, heading, notify
from studio.ui.screens.base import Pane
from studio.ui.screens.simulate_forks import SimulateForksMixin
from studio.ui.services import Coalesced
from studio.ui.widgets.inputs import PaneInput, focus_now, take_keys
from studio.ui.widgets.turns import ROLES, streaming_block, turn_block


class SimulateScreen(SimulateForksMixin, Pane):
    TITLE_TEXT = _("Simulate")
    MODE = "simulate"
    USES = (ListView, ListItem, Input, Static)
    HELP = _("Watch one dialogue happen. `c` picks the topic, the teacher and student providers, the fault plan "
             "and the number of teacher turns. `s` makes the next turn (step mode), `g` runs to the end, `z` or "
             "Escape stops. `t` puts you in the student's seat: type an answer (any language, any mistakes) and "
             "Enter sends it; `s` then gets the teacher's answer. Select an earlier turn and `f` forks: edit it and "
             "go on from there; `b` switches between the branches, `D` discards the kept ones. `k` keeps the "
             "dialogue in the dataset as a manual run; `N` starts again on the same settings.")
    BINDINGS = [
        Binding("c", "configure", _("Set up"), id="simulate.setup"),
        Binding("s", "step", _("Step"), id="simulate.step"),
        Binding("g", "run", _("Run to end"), id="simulate.run"),
        Binding("z,escape", "stop", _("Stop"), id="simulate.stop"),
        Binding("t", "take_seat", _("Answer as student"), id="simulate.seat", priority=True),
        Binding("f", "fork", _("Fork here"), id="simulate.fork"),
        Binding("b", "branch", _("Branch"), id="simulate.branch"),
        Binding("D", "discard", _("Discard branches"), show=False, id="simulate.discard"),
        Binding("k", "keep", _("Keep"), id="simulate.keep"),
        Binding("N", "restart", _("New dialogue"), show=False, id="simulate.new"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sim: Simulation | None = None
        self.setup: SimulateSetup | None = None
        self.busy: Future[Any] | None = None
        self.reading = False  # a typed or forked student answer is being judged in a worker
        self.turning = False  # a turn was asked for and is not yet shown (its future may be done already)
        self.scrolling = 0  # scrolls to the last turn waiting for the next refresh
        self.items: list[tuple[ListItem, Static]] = []  # the list's items shown, in order (a turn each, then the stream)
        self.drawn = 0  # how many of ``items`` are turns
        self.running = False  # run mode: keep stepping until the end or a stop
        self.streamed: tuple[str, str] | None = None
        self.pending_teacher: str | None = None
        self.kept: tuple[tuple[str, ...], str] | None = None  # (the turns kept, the manual run's id)
        self.clients: list[LLMClient] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static("", id="sim-setup", classes="status")
        yield ListView(id="sim-turns")
        yield Static(_("press c to set up a dialogue"), id="sim-status", classes="status")
        yield PaneInput(placeholder=_("t: answer as the student (Enter sends, Escape leaves)"), id="sim-say",
                        leave_to="#sim-turns")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#sim-turns", ListView).border_title = heading(_("Dialogue"))
        self.open_form(first=True)

    # -- setting up -------------------------------------------------------------------------------
    @property
    def _ws(self):
        return self.studio.workspace

    def action_configure(self) -> None:
        self.open_form()

    @work(thread=True, exclusive=True, group="simulate-topics", exit_on_error=False)
    def open_form(self, first: bool = False) -> None:
        """Read the topics, then open the set-up form (or, on first opening, start on the first topic)."""
        topics = [t for t in self.store.topics if t.enabled]
        cfg = self._ws.config.studio
        if first:
            if topics:
                self.app.call_from_thread(self._begin_first, topics[0], cfg.teacher, cfg.student)
                if encoder.available():  # load the off-topic check's models now, not on the first typed answer
                    with contextlib.suppress(EncoderError):  # a missing model is said when an answer is judged
                        load_models()
                    find_spelling_errors("ready")  # the word list the spelling fault is read with
            else:
                self.app.call_from_thread(self._status, _("no enabled topics: add or enable one in the Topics pane (1)"))
            return
        s = self.setup
        values = {"topic": s.topic.title or s.topic.text if s else "", "teacher": s.teacher if s else cfg.teacher,
                  "student": s.student if s else cfg.student, "plan": s.plan if s else "mix",
                  "turns": str(s.turns if s else 4)}
        form = SimulateForm(values, topics, sorted(self._ws.config.providers))
        self.app.call_from_thread(self.app.push_screen, form, lambda setup: self._begin(setup) if setup else None)

    def _begin(self, setup: SimulateSetup) -> None:
        if self.busy is not None and not self.busy.done():
            notify(self, _("stop the current turn first (z)"), severity="warning")
            return
        ws = self._ws
        try:
            faults = fault_plan(setup.plan, ws.config.target_mix if ws.config.mix else DEFAULT_MIX, setup.turns)
            teacher = self.studio.models.open(setup.teacher)
            student = teacher if setup.student == setup.teacher else self.studio.models.open(setup.student, seed=1)
        except (ValueError, ConfigError) as exc:
            notify(self, str(exc), severity="error", timeout=10)
            return
        self._close_clients()
        self.clients = [teacher] if student is teacher else [teacher, student]
        self.setup, self.kept = setup, None
        self.sim = Simulation(setup.topic, teacher, student, Prompts(ws.root), faults, teacher_turns=setup.turns,
                              off_topic_lines=load_off_topic(ws.root))
        plan = ", ".join(f.value for f in faults)
        self.query_one("#sim-setup", Static).update(_("{topic} · teacher {teacher} · student {student} · plan {plan}").format(
            topic=setup.topic.title or setup.topic.text[:40], teacher=setup.teacher, student=setup.student, plan=plan))
        self._redraw()
        self._status(_("ready: s steps, g runs to the end, t answers as the student"))

    def _begin_first(self, topic: Topic, teacher: str, student: str) -> None:
        """The first dialogue, begun on the UI thread: a teacher chosen while the topics were read (a tuned
        model tried from the Jobs pane, :meth:`use_teacher`) wins over the configured one."""
        teacher, self.pending_teacher = self.pending_teacher or teacher, None
        self._begin(SimulateSetup(topic, teacher, student, "mix", 4))

    def on_screen_resume(self) -> None:
        teacher = self.studio.next_teacher
        if teacher:
            self.studio.next_teacher = None
            self.use_teacher(teacher)

    def use_teacher(self, teacher: str) -> None:
        """Start a dialogue with ``teacher`` (a profile or job:<id>), keeping the other settings."""
        if self.setup is not None:
            self._begin(SimulateSetup(self.setup.topic, teacher, self.setup.student, self.setup.plan, self.setup.turns))
        else:  # the pane is still reading its topics: start with this teacher when it is done
            self.pending_teacher = teacher

    def action_restart(self) -> None:
        setup = self.setup
        if setup is None:
            return
        if self.unsaved:
            self.app.push_screen(Confirm(_("Start a new dialogue? This one was not kept (k keeps it)."), _("Start new")),
                                 lambda yes: self._begin(setup) if yes else None)
        else:
            self._begin(setup)

    @property
    def unsaved(self) -> bool:
        """The dialogue has turns that were never kept (or changed since it was)."""
        sim = self.sim
        if sim is None or not any(isinstance(t, TeacherTurn) for t in sim.turns):
            return False
        return self.kept is None or self.kept[0] != self._fingerprint()

    def _fingerprint(self) -> tuple[str, ...]:
        return tuple(t.raw if isinstance(t, TeacherTurn) else t.text for t in self.sim.turns) if self.sim else ()

    def _close_clients(self) -> None:
        """Give back the model clients of the dialogue being replaced."""
        self.studio.models.close(*self.clients)
        self.clients = []

    def on_unmount(self) -> None:
        self._close_clients()

    # -- showing ----------------------------------------------------------------------------------
    def _status(self, text: str) -> None:
        self.query_one("#sim-status", Static).update(text)

    def _redraw(self) -> None:
        view = self.query_one("#sim-turns", ListView)
        turns = self.sim.turns if self.sim is not None else []
        for i, turn in enumerate(turns):
            self._put(view, i, turn_block(turn))
        self._trim(len(turns))
        self.drawn = len(turns)
        if self.sim is None:
            return
        kept = len(self.sim.branches)
        branches = ngettext(" · {n} other branch kept (b)", " · {n} other branches kept (b)", kept).format(n=kept) \
            if kept else ""
        view.border_title = heading(ngettext("Dialogue · {n} turn", "Dialogue · {n} turns", len(turns)).format(
            n=len(turns)) + branches)
        view.index = len(turns) - 1 if turns else None
        self._scroll_to_end(view)  # once the new turns have a height

    def _put(self, view: ListView, index: int, block: Any, streaming: bool = False) -> None:
        """Show ``block`` as the list's item ``index``: the item there is updated in place, or a new one is
        added after the items shown. Items are updated rather than cleared and added again, and a new one
        goes before any item Textual has not finished removing: the items shown are always the first of the
        list's children, so the list's index (which counts its children) names a shown turn, never an item
        on its way out (scrolling to one of those scrolled the list back to its top)."""
        if index < len(self.items):
            text = self.items[index][1]
            text.update(block)
        else:
            text = Static(block, classes="turn")
            item = ListItem(text)
            if len(view.children) > len(self.items):
                view.mount(item, before=len(self.items))
            else:
                view.append(item)
            self.items.append((item, text))
        text.set_class(streaming, "streaming")

    def _trim(self, count: int) -> None:
        """Remove the items after the first ``count``."""
        for item, _text in self.items[count:]:
            item.remove()
        del self.items[count:]

    def _stream(self, role: str, text: str) -> None:
        """A piece of a turn arrived (called on the UI thread, coalesced by the message queue)."""
        view = self.query_one("#sim-turns", ListView)
        self._put(view, self.drawn, streaming_block(role, text), streaming=True)
        self.streamed = (role, text)
        self._scroll_to_end(view)

    def _scroll_to_end(self, view: ListView) -> None:
        """Scroll to the last turn once the new turns have a height (two refreshes on: the layout, then
        Textual's own wait in ``scroll_end``); ``scrolling`` counts the scrolls not yet made. Every step is
        queued on the list itself, after the list's own scroll to its highlighted item (queued there when
        the index is set): messages to two widgets are read in either order on a loaded machine."""
        self.scrolling += 1

        def done() -> None:
            self.scrolling -= 1

        def scroll() -> None:
            view.scroll_end(animate=False)
            view.call_after_refresh(done)  # after scroll_end's own wait, queued on the same widget

        view.call_after_refresh(scroll)

    @property
    def settled(self) -> bool:
        """Nothing waits to be shown: no store change, no turn whose result is not drawn yet (its future
        is done on the model thread before the pane hears of it), no answer being read, no scroll."""
        return super().settled and not self.turning and not self.reading and not self.scrolling

    # -- making turns -----------------------------------------------------------------------------
    def action_step(self) -> None:
        self.running = False
        self._next()

    def action_run(self) -> None:
        self.running = True
        self._next()

    def _next(self) -> None:
        sim = self.sim
        if sim is None:
            self._status(_("press c to set up a dialogue first"))
            return
        if self.busy is not None and not self.busy.done():
            return
        if sim.finished:
            self.running = False
            self._status(_("the dialogue is complete: k keeps it, N starts a new one, f forks at a turn"))
            return
        self._status(_("{role} is writing…  (z stops)").format(role=ROLES.get(sim.next_role, sim.next_role)))
        self.streamed = None
        shown: Coalesced[tuple[str, str]] = Coalesced(self.app, lambda piece: self._stream(*piece))

        def on_text(role: str, text: str) -> None:  # on the model thread: the latest text, once a frame
            shown.put((role, text))

        self.turning = True
        self.busy = self.studio.runner.submit(sim.step(on_text))
        # call_later posts a message: safe from the model thread, and from this one when the future
        # was done already (a fast failure) and the callback runs at once. The stream's last frame
        # may still be waiting for its turn: it is dropped, so it cannot cover the finished turn.
        self.busy.add_done_callback(lambda f: self.app.call_later(self._turn_done, f, shown))

    def _turn_done(self, future: Future[Any], shown: Coalesced[tuple[str, str]]) -> None:
        shown.close()
        self.streamed = None
        self.turning = False
        if future.cancelled():
            self._redraw()
            self._status(_("stopped; the conversation so far is kept (s goes on)"))
            return
        exc = future.exception()
        self._redraw()
        if exc is not None:
            self.running = False
            self._status(f"✗ {exc}")
            self.studio.failed(_("the turn"), exc)
            return
        turn = future.result()
        if isinstance(turn, StudentTurn):
            self._status(_("student turn done"))
        else:
            self._status(_("teacher turn done · checks pass") if turn.passed else _("teacher turn done · some checks fail"))
        if self.running:
            self._next()

    def action_stop(self) -> None:
        self.running = False
        if self.busy is not None and not self.busy.done():
            self.busy.cancel()

    def action_take_seat(self) -> None:
        take_keys(self.query_one("#sim-say", Input), "t")

    @on(Input.Submitted, "#sim-say")
    def _said(self, event: Input.Submitted) -> None:
        if self.sim is None or (self.busy is not None and not self.busy.done()) or self.reading:
            return
        if not event.value.strip():
            self._status("✗ " + _("type an answer first"))
            return
        focus_now(self.query_one("#sim-turns", ListView))  # the next keys are commands again (s, t, f…)
        sim, text = self.sim, event.value
        self._judge_then(sim, text, None, lambda: self._take_typed(sim, text))

    def _judge_then(self, sim: Simulation, text: str, index: int | None, then: Callable[[], None]) -> None:
        """Judge a student answer at ``index`` in a worker (the off-topic check may ask its language
        model, about half a second), then run ``then`` on the UI thread, which finds the verdict
        remembered."""
        self.reading = True
        self._status(_("reading your answer…"))
        self._judge_in_worker(sim, text, index, then)

    @work(thread=True, group="simulate-read", exit_on_error=False)
    def _judge_in_worker(self, sim: Simulation, text: str, index: int | None, then: Callable[[], None]) -> None:
        try:
            sim.judge(text, index)
        except Exception:  # noqa: BLE001 - then() judges again through say() or fork() and reports the error
            pass
        self.app.call_from_thread(self._judged, then)

    def _judged(self, then: Callable[[], None]) -> None:
        self.reading = False
        then()

    def _take_typed(self, sim: Simulation, text: str) -> None:
        if sim is not self.sim:
            return  # a new dialogue was begun meanwhile
        try:
            sim.say(text)
        except (ValueError, EncoderError) as exc:
            self._status(f"✗ {exc}")
            return
        field = self.query_one("#sim-say", Input)
        if field.value == text:
            field.value = ""
        self._redraw()
        self.running = False
        self._next()
