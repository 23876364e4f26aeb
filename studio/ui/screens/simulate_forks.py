"""What the Simulate pane does with the dialogue it made: fork at a turn, switch or discard the branches,
keep the dialogue as a manual run. Mixed into :class:`studio.ui.screens.simulate.SimulateScreen`, which
makes the turns and shows them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.widgets import ListView

from studio.domain import TeacherTurn
from studio.i18n import _, ngettext
from studio.semantic.encoder import EncoderError
from studio.synth.review import recheck
from studio.synth.simulate import Simulation
from studio.ui.modals.common import Ask, Confirm
from studio.ui.modals.forms import AnswerEditor

if TYPE_CHECKING:
    from studio.ui.screens.base import Pane as _Pane
else:
    _Pane = object


class SimulateForksMixin(_Pane):
    """The fork, branch, discard and keep actions (the pane gives the dialogue and shows it)."""

    sim: Simulation | None
    kept: tuple[tuple[str, ...], str] | None  # (the turns kept, the manual run's id)
    _status: Callable[[str], None]
    _redraw: Callable[[], None]
    _judge_then: Callable[[Simulation, str, int | None, Callable[[], None]], None]
    _fingerprint: Callable[[], tuple[str, ...]]

    def _selected(self) -> int | None:
        index = self.query_one("#sim-turns", ListView).index
        return index if self.sim is not None and index is not None and index < len(self.sim.turns) else None

    def action_fork(self) -> None:
        index = self._selected()
        if index is None or self.sim is None:
            self._status(_("select a turn first (↑/↓ in the dialogue)"))
            return
        turn = self.sim.turns[index]
        sim = self.sim

        def fork(text: str) -> None:
            try:
                sim.fork(index, text)
            except EncoderError as exc:
                self._status(f"✗ {exc}")
                return
            self._redraw()
            self._status(_("forked at turn {n}; the original is kept (b switches)").format(n=index + 1))

        def done(text: str | None) -> None:
            if text and isinstance(turn, TeacherTurn):
                fork(text)
            elif text:  # a student answer is judged in a worker first, as a typed one is
                self._judge_then(sim, text, index, lambda: fork(text))

        if isinstance(turn, TeacherTurn):
            check = lambda raw: recheck(sim.dialogue, index, raw).checks  # noqa: E731
            self.app.push_screen(AnswerEditor(turn.raw, check), done)
        else:
            self.app.push_screen(Ask(_("Fork at turn {n}: the student says").format(n=index + 1), turn.text), done)

    def action_branch(self) -> None:
        if self.sim is not None:
            try:
                self.sim.switch_branch()
            except ValueError as exc:
                self._status(str(exc))
                return
            self._redraw()

    def action_discard(self) -> None:
        sim = self.sim
        if sim is None or not sim.branches:
            self._status(_("no other branches to discard"))
            return

        def done(yes: bool | None) -> None:
            if yes:
                gone = sim.discard_branches()
                self._status(ngettext("discarded {n} kept branch", "discarded {n} kept branches", gone).format(n=gone))
                self._redraw()

        n = len(sim.branches)
        self.app.push_screen(Confirm(ngettext("Discard the {n} other branch? The one shown stays.",
                                              "Discard the {n} other branches? The one shown stays.", n).format(n=n),
                                     _("Discard")), done)

    def action_keep(self) -> None:
        sim = self.sim
        if sim is None:
            return
        fingerprint = self._fingerprint()
        before = self.kept
        if before is not None and before[0] == fingerprint:
            self._status(_("already kept as manual run {run} (N starts a new dialogue)").format(run=before[1]))
            return

        def keep() -> None:
            run = sim.keep(self.store)
            if before is not None:  # kept again after a change: the dialogue moved to the new run
                self.store.runs.delete(before[1])
                self.store.flush()
            self.app.call_from_thread(self._kept, fingerprint, run.id)

        self.studio.write(keep, _("dialogue kept"))

    def _kept(self, fingerprint: tuple[str, ...], run_id: str) -> None:
        self.kept = (fingerprint, run_id)
        self._status(_("kept as manual run {run}: its samples are in the Samples pane").format(run=run_id))
