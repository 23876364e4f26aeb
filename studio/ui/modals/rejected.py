"""Review of the topic candidates expansion turned away: a short table, the highlighted one in full below."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen

from studio.domain import RejectedTopic
from studio.i18n import _, ngettext
from studio.ui.safe import DataTable, Label, Static, Table, Text


def detail(r: RejectedTopic) -> Table:
    """Everything about one candidate, labels on the left, values wrapped to the dialog's width."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    grid.add_row(_("Candidate"), r.text)
    names = " · ".join(n for n in (r.name_zh, r.title) if n)
    if names:
        grid.add_row(_("Names"), names)
    if r.nearest_text:
        grid.add_row(_("Nearest"), r.nearest_text)
        grid.add_row(_("Why"), _("similarity {similarity} by {measure}").format(similarity=f"{r.similarity:.2f}",
                                                                              measure=r.measure or "edit"))
    else:
        grid.add_row(_("Why"), r.reason)
    grid.add_row(Text(_("Proposed"), style="dim"),
                 Text(ngettext("{n} time", "{n} times", r.count).format(n=r.count), style="dim"))
    return grid


class RejectedReview(ModalScreen[str | None]):
    """Candidates turned away, each once; Enter accepts the highlighted one (with its titles and parents)."""

    BINDINGS = [Binding("escape", "cancel", _("Close")), Binding("enter", "accept", _("Accept as a topic"))]

    def __init__(self, rejected: list[RejectedTopic]) -> None:
        super().__init__()
        self.rejected = {r.id: r for r in rejected}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="rejected-review"):
            n = len(self.rejected)
            yield Label(ngettext("{n} candidate turned away · Enter accepts · Escape closes",
                                 "{n} candidates turned away · Enter accepts · Escape closes", n).format(n=n),
                        classes="question")
            table: DataTable[str] = DataTable(cursor_type="row", id="rejected")
            table.styles.height = "1fr"
            yield table
            yield Static("", id="rejected-detail")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("×", _("Sim."), _("Candidate"))
        for r in self.rejected.values():
            table.add_row(str(r.count), f"{r.similarity:.2f}" if r.nearest_text else "—", r.text, key=r.id)
        table.focus()
        self._show(next(iter(self.rejected), None))

    def _show(self, key: str | None) -> None:
        r = self.rejected.get(key) if key else None
        self.query_one("#rejected-detail", Static).update(detail(r) if r else "")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show(event.row_key.value)

    def action_accept(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            self.dismiss(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(event.row_key.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
