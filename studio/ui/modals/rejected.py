"""Review of the topic candidates expansion turned away: a short table, the highlighted one in full below."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from studio.domain import RejectedTopic


def detail(r: RejectedTopic) -> Text:
    """Everything about one candidate, wrapped to the dialog's width (nothing cut at 80 columns)."""
    out = Text()
    out.append("Candidate  ", style="bold")
    out.append(r.text + "\n")
    names = " · ".join(n for n in (r.name_zh, r.title) if n)
    if names:
        out.append("Names      ", style="bold")
        out.append(names + "\n")
    if r.nearest_text:
        out.append("Nearest    ", style="bold")
        out.append(r.nearest_text + "\n")
        out.append("Why        ", style="bold")
        out.append(f"similarity {r.similarity:.2f} by {r.measure or 'edit'}")
    else:
        out.append("Why        ", style="bold")
        out.append(r.reason)
    out.append(f"\nProposed   {r.count} time{'s' if r.count != 1 else ''}", style="dim")
    return out


class RejectedReview(ModalScreen[str | None]):
    """Candidates turned away, each once; Enter accepts the highlighted one (with its titles and parents)."""

    BINDINGS = [Binding("escape", "cancel", "Close"), Binding("enter", "accept", "Accept as a topic")]

    def __init__(self, rejected: list[RejectedTopic]) -> None:
        super().__init__()
        self.rejected = {r.id: r for r in rejected}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="rejected-review"):
            yield Label(f"{len(self.rejected)} candidates turned away · Enter accepts · Escape closes",
                        classes="question")
            table: DataTable[str] = DataTable(cursor_type="row", id="rejected")
            table.styles.height = "1fr"
            yield table
            yield Static("", id="rejected-detail")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("×", "Sim.", "Candidate")
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
