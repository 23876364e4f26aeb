"""What the Samples pane does to a sample: review (one, or every one the filter shows), the training
weight, undo, the answer editor and regeneration. Mixed into :class:`studio.ui.screens.samples.SamplesScreen`,
whose table says which sample is current."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

from textual import work

from studio.config import ConfigError
from studio.domain import ReviewStatus, TeacherTurn
from studio.domain.text import visible
from studio.i18n import _, ngettext
from studio.llm.base import Delta, Restart
from studio.synth import review
from studio.synth.review import SampleRow
from studio.turn.prompts import Prompts
from studio.ui.modals.common import Confirm
from studio.ui.modals.forms import AnswerEditor
from studio.ui.safe import notify
from studio.ui.services import Coalesced
from studio.ui.widgets.sample_view import SampleView
from studio.ui.words import word

if TYPE_CHECKING:
    from studio.ui.screens.base import Pane as _Pane
else:
    _Pane = object


class SampleActionsMixin(_Pane):
    """The review, edit and regenerate actions (the pane's table gives ``_current`` and ``view``)."""

    view: list[SampleRow]
    queue: bool
    _detail: SampleRow | None
    show_detail: Callable[[str], object]  # a worker: shows the sample ``key`` in the detail

    def _current(self) -> SampleRow | None:
        raise NotImplementedError

    @property
    def author(self) -> str:
        return review.author_name(self.studio.workspace.config.studio.reviewer)

    def _nothing_selected(self, verb: str) -> None:
        """``verb``: what could not be done, translated ("approve", "undo")."""
        if self.queue:
            notify(self, _("nothing to {verb}: the needs-review queue is empty").format(verb=verb), severity="warning")
        else:
            notify(self, _("nothing to {verb}: no sample is selected").format(verb=verb), severity="warning")

    def action_review(self, status: str) -> None:
        row = self._current()
        if row is None:
            self._nothing_selected(_("approve") if status == "approved" else _("reject"))
            return

        def decide() -> None:
            self._do(lambda: review.set_review(self.store, [row.key], ReviewStatus(status), self.author), word(status))

        if status != "approved" or not row.failed:
            decide()
            return
        question = ngettext("This sample fails the error check {checks}. Approve it anyway (it is then exported)?",
                            "This sample fails the error checks {checks}. Approve it anyway (it is then exported)?",
                            len(row.failed)).format(checks=", ".join(row.failed))
        self.app.push_screen(Confirm(question, _("Approve anyway")), lambda yes: decide() if yes else None)

    def action_bulk(self, status: str) -> None:
        keys = [r.key for r in self.view]
        if not keys:
            self._nothing_selected(_("approve") if status == "approved" else _("reject"))
            return
        n = len(keys)
        if status == "approved":
            verb = _("Approve")
            question = ngettext("Approve all {n} sample the filter shows?", "Approve all {n} samples the filter shows?", n)
            failing = [r for r in self.view if r.failed]
            if failing:
                checks = Counter(c for r in failing for c in r.failed)
                named = ", ".join(f"{c} ({k})" for c, k in checks.most_common(4)) + (" …" if len(checks) > 4 else "")
                question += " " + ngettext("{m} of them fails an error check: {checks}.",
                                           "{m} of them fail an error check: {checks}.", len(failing)).format(
                    m=len(failing), checks=named.replace("{", "{{").replace("}", "}}"))
        else:
            verb = _("Reject")
            question = ngettext("Reject all {n} sample the filter shows?", "Reject all {n} samples the filter shows?", n)

        def done(yes: bool | None) -> None:
            if yes:
                self._do(lambda: review.set_review(self.store, keys, ReviewStatus(status), self.author),
                         ngettext("{status} {n} sample", "{status} {n} samples", n).format(status=word(status), n=n))

        self.app.push_screen(Confirm(question.format(n=n), verb), done)

    def action_weight(self) -> None:
        row = self._current()
        if row is None:
            self._nothing_selected(_("reweight"))
            return
        self._do(lambda: review.toggle_weight(self.store, row.key, self.author), _("weight changed"))

    def action_undo(self) -> None:
        row = self._current()
        if row is None:
            self._nothing_selected(_("undo"))
            return
        self._do(lambda: review.undo(self.store, row.key, self.author), _("undone"))

    def action_edit(self) -> None:
        row = self._current()
        if row is None:
            self._nothing_selected(_("edit"))
            return
        self.open_editor(row.key)

    @work(thread=True, group="samples-write", exit_on_error=False)
    def open_editor(self, key: str) -> None:
        d, index, turn = review.load_sample(self.store, key)

        def check(text: str):
            return review.recheck(d, index, text).checks

        shown = visible(turn.raw)  # control sequences as text (\x1b): the raw editor never drives the terminal

        def done(raw: str | None) -> None:
            if raw is not None and raw != shown:
                self._do(lambda: review.edit_answer(self.store, key, raw, self.author, based_on=turn.raw),
                         _("saved; checks re-run"))

        self.app.call_from_thread(self.app.push_screen, AnswerEditor(shown, check), done)

    def _do(self, change, message: str) -> None:
        self.studio.write(change, message)

    def action_regenerate(self) -> None:
        row = self._current()
        if row is None:
            self._nothing_selected(_("regenerate"))
            return
        self.regenerate(row.key)

    def regenerate(self, key: str) -> None:
        """Regenerate on the studio's model runner; the text streams into the detail once a frame."""
        ws = self.studio.workspace
        view = self.query_one(SampleView)
        try:
            client = self.studio.models.open(ws.config.studio.teacher)
        except (ConfigError, ValueError) as exc:
            self.studio.failed(_("regenerate"), exc)
            return
        shown: Coalesced[str] = Coalesced(self.app, lambda text: view.show(_("regenerating…") + f"\n\n{text}"))
        author = self.author

        async def run() -> TeacherTurn | None:
            streamed = ""
            try:
                async for event in review.regenerate(self.store, client, Prompts(ws.root), key, author):
                    if isinstance(event, Restart):
                        streamed = ""
                    elif isinstance(event, Delta):
                        streamed += event.text
                        shown.put(streamed)
                    elif isinstance(event, TeacherTurn):
                        return event
            finally:
                self.studio.models.close(client)
            return None

        def done(future: Future[TeacherTurn | None]) -> None:
            shown.close()  # a last streamed frame still waiting must not cover the result
            exc = future.exception()
            if exc is not None:
                self.studio.failed(_("regenerate"), exc)
                return
            turn = future.result()
            notify(self, _("regenerated; the new answer passes every check") if turn and turn.passed
                        else _("regenerated; the new answer still fails some checks"))
            self._detail = None
            self.show_detail(key)

        notify(self, _("regenerating the answer…"), timeout=2)
        self.studio.runner.submit(run()).add_done_callback(lambda f: self.app.call_later(done, f))
