"""The Samples pane: every teacher turn, filtered and sorted, inspected, edited and reviewed.

The rows and the filtered view of them (one queue of changes, one merge at a time) are
:mod:`studio.ui.screens.sample_rows`; this module is the table, the detail and the actions.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.widgets import Input

from studio.domain import ReviewStatus
from studio.domain.contract import CHECK_IDS
from studio.domain.faults import STUDENT_FAULTS, FaultKind
from studio.i18n import _, ngettext
from studio.synth import review
from studio.synth.review import SampleRow
from studio.turn.shown import fault_label
from studio.ui.safe import DataTable, Static, heading, notify
from studio.ui.screens.base import Pane
from studio.ui.screens.sample_actions import SampleActionsMixin
from studio.ui.screens.sample_rows import PAGE, SampleRowsMixin
from studio.ui.widgets.inputs import PaneInput, focus_now, take_keys
from studio.ui.widgets.sample_view import SampleView, render_sample
from studio.ui.widgets.tables import Col, FitTable, cut, fit, reconcile
from studio.ui.words import word

# The key columns always show; the others go when the table is narrow, Provider first; Topic takes
# whatever is left, cut with an ellipsis.
COLUMNS = (Col("num", "#", keep=True), Col("fault", _("Fault"), keep=True, most=18),
           Col("checks", _("Checks"), keep=True, most=14), Col("review", _("Review"), keep=True),
           Col("words", _("Words"), rank=3), Col("turn", _("Turn"), rank=2),
           Col("provider", _("Provider"), rank=1, most=14), Col("topic", _("Topic"), flex=True, least=16, most=60))
FAULTS = ("all", *(k.value for k in STUDENT_FAULTS), FaultKind.OPENING.value)
CHECKS = ("all", "failing", *CHECK_IDS)
REVIEWS = ("all", *(r.value for r in ReviewStatus))
SORTS = ("order", "topic", "turn", "fault", "checks", "review", "words")


class SamplesScreen(SampleActionsMixin, SampleRowsMixin, Pane):
    TITLE_TEXT = _("Samples")
    MODE = "samples"
    USES = (Container, SampleView, DataTable, Input, Static)
    HELP = _("Every teacher turn is a training sample. Filter with the search box (`/`, Escape or Enter leaves it) "
             "and `f` (fault), `c` (check), `v` (review status), `q` (the needs-review queue: failed checks, fault "
             "mismatches, low rubric limits); `o` changes the sort. Review with `a` approve and `x` reject, `e` "
             "edits the answer with live checks, `u` undoes, `w` toggles the training weight, `r` regenerates the "
             "turn with the repair prompt, `n`/`p` jump to the next/previous sample needing review, `A`/`X` "
             "approve/reject everything the filter shows.") + " " + _(
        "Approving a sample that fails an error check asks first and names the checks. `b` filters by reviewer; "
        "the detail says who reviewed the sample and its history (who, when, what). `z` shows the detail alone "
        "(`j`/`k`: next/previous sample); Escape clears the filters and the search.")
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    BINDINGS = [
        Binding("slash", "search", _("Search"), id="samples.search", priority=True),
        Binding("a", "review('approved')", _("Approve"), id="samples.approve"),
        Binding("x", "review('rejected')", _("Reject"), id="samples.reject"),
        Binding("e", "edit", _("Edit"), id="samples.edit"),
        Binding("u", "undo", _("Undo"), id="samples.undo"),
        Binding("w", "weight", _("Weight"), show=False, id="samples.weight"),
        Binding("r", "regenerate", _("Regenerate"), show=False, id="samples.regenerate"),
        Binding("n", "next_review(1)", _("Next to review"), id="samples.next"),
        Binding("p", "next_review(-1)", _("Previous to review"), show=False, id="samples.previous"),
        Binding("f", "cycle('fault')", _("Fault filter"), show=False, id="samples.fault"),
        Binding("c", "cycle('check')", _("Check filter"), show=False, id="samples.check"),
        Binding("v", "cycle('review')", _("Review filter"), show=False, id="samples.review_filter"),
        Binding("q", "queue", _("Queue"), id="samples.queue"),
        Binding("b", "cycle('reviewer')", _("Reviewer filter"), show=False, id="samples.reviewer"),
        Binding("o", "cycle('sort')", _("Sort"), show=False, id="samples.sort"),
        Binding("z", "focus_review", _("Focus"), id="samples.focus"),
        Binding("j", "step(1)", _("Next sample"), show=False, id="samples.down"),
        Binding("k", "step(-1)", _("Previous sample"), show=False, id="samples.up"),
        Binding("escape", "clear_filters", _("Clear filters"), show=False, id="samples.clear"),
        Binding("A", "bulk('approved')", _("Approve all shown"), show=False, id="samples.bulk_approve"),
        Binding("X", "bulk('rejected')", _("Reject all shown"), show=False, id="samples.bulk_reject"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._init_rows()
        self._layout: list[tuple[str, str, int]] = []
        self._grown: dict[str, int] = {}
        self._detail: SampleRow | None = None
        self._jump_to: str | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield PaneInput(placeholder=_("/ search: topic, provider, run, sample id, check"), id="sample-search",
                        leave_to="#samples-table")
        yield Static("", id="sample-filters", classes="status")
        yield Static("", id="judging", classes="status")
        with Container(id="samples-body"):
            table = FitTable(id="samples-table", cursor_type="row", zebra_stripes=True)
            table.border_title = heading(_("Samples"))
            yield table
            yield SampleView(id="sample-view")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(DataTable).focus()
        self.studio.sample_filter_keys = lambda: {r.key for r in self.view}
        self._request(None)
        self.studio.judging.subscribe(self, self._judging)
        self._judging(self.studio.judging_note)

    def _judging(self, note: str) -> None:
        widget = self.query_one("#judging", Static)
        widget.update(_("{progress} · an off-topic answer is marked as it is judged").format(progress=note) if note else "")
        widget.display = bool(note)

    @property
    def settled(self) -> bool:
        return super().settled and not self._merging

    def show_check(self, check: str) -> None:
        """Show the samples failing ``check`` (from the Dashboard)."""
        self._clear_filters()
        self.check = check
        self.apply()
        focus_now(self.query_one(DataTable))

    def jump(self, text: str) -> None:
        """Show the sample, run or text ``text`` whatever the filters were: they are cleared."""
        self._clear_filters()
        self.query_text = text.strip().lower()
        self._jump_to = text.strip()
        search = self.query_one("#sample-search", Input)
        with search.prevent(Input.Changed):
            search.value = text
        self.apply()
        focus_now(self.query_one(DataTable))

    def _clear_filters(self, queue: bool = False) -> None:
        self.fault, self.check, self.review_filter, self.queue, self.query_text = "all", "all", "all", queue, ""
        self.reviewer = "all"
        search = self.query_one("#sample-search", Input)
        with search.prevent(Input.Changed):
            search.value = ""
        self.shown = 0

    def store_changed(self, changes: set[tuple[str, str | None]]) -> None:
        ids = {i for table, i in changes if table == "dialogues"}
        if None in ids or any(table == "topics" for table, _item in changes):
            self._request(None)
        elif ids:
            self._request({i for i in ids if i})

    # -- the table ----------------------------------------------------------------------------------------
    def _cells(self, r: SampleRow, position: int) -> dict[str, str]:
        fault = fault_label(r.intended) + ("" if not r.mismatch else f"→{fault_label(r.observed)}")
        checks = "✓" if not r.failed else " ".join(f.partition(".")[2] or f for f in r.failed[:2]) + ("…" if len(r.failed) > 2 else "")
        mark = {"approved": "✓", "rejected": "✗"}.get(r.review, "·")
        review_cell = f"{mark} {word(r.review if r.review in ('approved', 'rejected') else 'pending')}"
        if r.weight == 0:
            review_cell += " w0"
        return {"num": str(position + 1), "fault": fault, "checks": checks, "review": review_cell,
                "words": str(r.words), "turn": str(r.turn_no), "provider": r.provider,
                "topic": self.topics.get(r.topic_id, r.topic_id)}

    @on(FitTable.Resized, "#samples-table")
    def _table_resized(self) -> None:
        self._grown = {}
        self._sync()

    def _sync(self) -> None:
        """Show the first ``shown`` rows of the view: remove, add and update rows in place, then order them."""
        table = self.query_one(DataTable)
        page = self.view[: self.shown]
        cells = [(r.key, self._cells(r, i)) for i, r in enumerate(page)]
        for _key, row in cells:  # column widths only grow while the size stays (no jumping columns)
            for key, value in row.items():
                if cell_len(value) > self._grown.get(key, 0):
                    self._grown[key] = cell_len(value)
        width = table.scrollable_content_region.width
        if not width:  # not laid out yet: fit again once it is
            self.call_after_refresh(self._sync)
            width = self.app.size.width - 4
        layout = fit(COLUMNS, max(20, width - 2), self._grown)
        if layout != self._layout:
            current = self._current()
            table.clear(columns=True)
            for key, label, w in layout:
                table.add_column(label, key=key, width=w)
            self._layout = layout
            if current is not None:
                self._jump_to = self._jump_to or current.key
        topic_width = next((w for key, _label, w in layout if key == "topic"), 0)
        columns = [(key, label) for key, label, _width in layout]
        reconcile(table, columns, [(key, tuple(cut(row[c], topic_width) if c == "topic" else row[c]
                                               for c, _label in columns)) for key, row in cells])
        table.border_title = heading(_("Samples · {shown} of {total}").format(shown=len(self.view), total=self.total))
        filters = [_("fault {value}").format(value=word(self.fault)), _("check {value}").format(value=word(self.check)),
                   _("review {value}").format(value=word(self.review_filter)),
                   _("sort {value}").format(value=word(self.sort))]
        if self.reviewer != "all":
            filters.insert(3, _("reviewer {name}").format(name=self.reviewer))
        if self.queue:
            filters.insert(0, _("NEEDS-REVIEW QUEUE") if self.view else self._queue_empty())
        self.query_one("#sample-filters", Static).update(" · ".join(filters) + " · " + _("showing {n}").format(n=len(page)))
        if self._jump_to is not None and self._jump_to in table.rows:
            table.move_cursor(row=table.get_row_index(self._jump_to))
            self._jump_to = None
        elif self._jump_to is not None and self.view:
            self._jump_to = None
        self._refresh_detail()

    def _hidden_work(self) -> int:
        """How many samples need review that the filters or the search hide (the queue shows none)."""
        return sum(1 for r in self.rows.values() if r.needs_review)

    def _queue_empty(self) -> str:
        hidden = self._hidden_work()
        if not hidden:
            return _("NEEDS-REVIEW QUEUE (empty: nothing needs review)")
        return ngettext("NEEDS-REVIEW QUEUE (empty here: {n} sample needs review outside the current filters and "
                        "search; Escape clears them)",
                        "NEEDS-REVIEW QUEUE (empty here: {n} samples need review outside the current filters and "
                        "search; Escape clears them)", hidden).format(n=hidden)

    def _refresh_detail(self) -> None:
        """Show the sample under the cursor again whenever its row changed (a review, an edit, an undo)."""
        current = self._current()
        if current is None:
            if self._detail is not None or not self.view:
                self._detail = None
                hidden = self._hidden_work() if self.queue else 0
                self.query_one(SampleView).show(
                    ngettext("Nothing needs review here: {n} sample needing review is outside the current filters "
                             "and search (Escape clears them).",
                             "Nothing needs review here: {n} samples needing review are outside the current "
                             "filters and search (Escape clears them).", hidden).format(n=hidden) if hidden
                    else _("Nothing needs review here.") if self.queue else _("No sample matches the filters."))
            return
        if current is not self._detail:
            self._detail = current
            self.show_detail(current.key)

    # -- selection and detail -------------------------------------------------------------------
    def _current(self) -> SampleRow | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(key or "")

    @on(DataTable.RowHighlighted, "#samples-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= self.shown - 20 and self.shown < len(self.view):
            self.shown = min(len(self.view), self.shown + PAGE)
            self._sync()
        self._refresh_detail()

    @work(thread=True, exclusive=True, group="samples-detail", exit_on_error=False)
    def show_detail(self, key: str) -> None:
        try:
            d, index, _turn = review.load_sample(self.store, key)
        except LookupError:
            return
        topic = self.store.topics.get(d.topic_id)
        body = render_sample(d, index, topic.text if topic else _("(deleted topic)"))
        self.app.call_from_thread(self.query_one(SampleView).show, body)

    @on(Input.Changed, "#sample-search")
    def _search(self, event: Input.Changed) -> None:
        self.query_text = event.value.strip().lower()
        self.shown = 0
        self.apply()

    # -- actions --------------------------------------------------------------------------------
    def action_search(self) -> None:
        take_keys(self.query_one("#sample-search", Input), "/")

    def reviewers(self) -> tuple[str, ...]:
        """The reviewer filter's choices: all, then everyone who decided a sample."""
        return ("all", *sorted({who for mine in self.decided.values() for who in mine} | (
            {self.reviewer} - {"all"})))

    def action_cycle(self, what: str) -> None:
        if what == "reviewer" and len(self.reviewers()) == 1:
            notify(self, _("no reviewer has decided a sample yet"))
            return
        options = {"fault": FAULTS, "check": CHECKS, "review": REVIEWS, "sort": SORTS,
                   "reviewer": self.reviewers()}[what]
        attr = "review_filter" if what == "review" else what
        current = getattr(self, attr)
        setattr(self, attr, options[(options.index(current) + 1) % len(options)])
        self.shown = 0
        self.apply()

    def action_queue(self) -> None:
        self.queue = not self.queue
        self.shown = 0
        self.apply()
        if self.queue and not self.view and not self._hidden_work():
            notify(self, _("the needs-review queue is empty: no sample fails a check or needs a look"), timeout=5)

    def action_clear_filters(self) -> None:
        """Escape: the filters and the search go (the needs-review queue stays as it is)."""
        self._clear_filters(queue=self.queue)
        self.apply()

    def action_focus_review(self) -> None:
        """The detail alone, the whole height: the answer to review and its checks (``z`` again: the table)."""
        body = self.query_one("#samples-body")
        body.toggle_class("-review")
        if body.has_class("-review"):
            focus_now(self.query_one(SampleView))
        else:
            focus_now(self.query_one(DataTable))

    def action_step(self, step: int) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            table.move_cursor(row=max(0, min(table.row_count - 1, table.cursor_row + step)))

    def action_next_review(self, step: int) -> None:
        table = self.query_one(DataTable)
        keys = [r.key for r in self.view]
        current = self._current()
        start = keys.index(current.key) if current and current.key in keys else -1
        for offset in range(1, len(keys) + 1):
            i = (start + step * offset) % len(keys)
            if self.view[i].needs_review:
                if i >= self.shown:
                    self.shown = i + PAGE
                    self._sync()
                table.move_cursor(row=table.get_row_index(keys[i]))
                return
        notify(self, _("nothing needs review in this view"))
