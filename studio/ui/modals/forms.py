"""Forms: a topic, an expansion run, the review of rejected topics, and the answer editor."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label, Static, TextArea

from studio.domain import RejectedTopic


@dataclass
class TopicFields:
    text: str
    title: str
    tags: list[str]


class TopicForm(ModalScreen[TopicFields | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "save", "Save")]

    def __init__(self, heading: str, text: str = "", title: str = "", tags: str = "") -> None:
        super().__init__()
        self.heading, self.values = heading, (text, title, tags)

    def compose(self) -> ComposeResult:
        text, title, tags = self.values
        with Vertical(classes="dialog"):
            yield Label(self.heading, classes="question")
            yield Input(text, placeholder="the scenario, in Chinese", id="text")
            yield Input(title, placeholder="short English title", id="title")
            yield Input(tags, placeholder="tags, comma-separated", id="tags")
            yield Static("Enter on the last field or ctrl+s saves · Escape cancels", classes="hint")

    def action_save(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        if not text:
            self.notify("a topic needs some text", severity="error")
            return
        tags = [t.strip() for t in self.query_one("#tags", Input).value.split(",") if t.strip()]
        self.dismiss(TopicFields(text, self.query_one("#title", Input).value.strip(), tags))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "tags":
            self.action_save()
        else:
            self.focus_next()

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass
class ExpandFields:
    provider: str
    count: int
    threshold: float


class ExpandForm(ModalScreen[ExpandFields | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "start", "Start")]

    def __init__(self, provider: str) -> None:
        super().__init__()
        self.provider = provider

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Expand the topic pool (self-instruct)", classes="question")
            yield Input(self.provider, placeholder="provider profile", id="provider")
            yield Input("20", placeholder="how many new topics", id="count")
            yield Input("0.6", placeholder="near-duplicate threshold (0-1)", id="threshold")
            yield Static("Enter on the last field or ctrl+s starts · Escape cancels", classes="hint")

    def action_start(self) -> None:
        try:
            count = int(self.query_one("#count", Input).value)
            threshold = float(self.query_one("#threshold", Input).value)
            if count < 1 or not 0 < threshold <= 1:
                raise ValueError
        except ValueError:
            self.notify("count must be a whole number ≥ 1 and threshold a number in (0, 1]", severity="error")
            return
        self.dismiss(ExpandFields(self.query_one("#provider", Input).value.strip() or self.provider, count, threshold))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "threshold":
            self.action_start()
        else:
            self.focus_next()

    def action_cancel(self) -> None:
        self.dismiss(None)


class RejectedReview(ModalScreen[str | None]):
    """Near-duplicates side by side with their nearest topic; Enter accepts the highlighted one."""

    BINDINGS = [Binding("escape", "cancel", "Close"), Binding("enter", "accept", "Accept as a topic")]

    def __init__(self, rejected: list[RejectedTopic]) -> None:
        super().__init__()
        self.rejected = rejected

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label(f"{len(self.rejected)} candidates turned away · Enter accepts · Escape closes", classes="question")
            table: DataTable[str] = DataTable(cursor_type="row", id="rejected")
            yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Sim.", "Candidate", "Nearest topic")
        for r in self.rejected:
            table.add_row(f"{r.similarity:.2f}", r.text, r.nearest_text or r.reason, key=r.id)
        table.focus()

    def action_accept(self) -> None:
        table = self.query_one(DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            self.dismiss(key)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.dismiss(event.row_key.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AnswerEditor(ModalScreen[str | None]):
    """Edit a teacher answer (its JSON) with the checks re-run on every change."""

    BINDINGS = [Binding("ctrl+s", "save", "Save"), Binding("escape", "cancel", "Cancel")]

    def __init__(self, raw: str, check) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        self.raw, self.check = raw, check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog editor"):
            yield Label("Edit the teacher's answer · ctrl+s saves · Escape cancels", classes="question")
            yield TextArea(self.raw, id="answer", soft_wrap=True, show_line_numbers=True)
            yield Static("", id="live-checks")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self._show(self.raw)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._show(event.text_area.text)

    def _show(self, text: str) -> None:
        results = self.check(text)
        line = "\n".join(f"✗ {r.id}: {r.message}" if r.severity == "error" else f"! {r.id}: {r.message}"
                         for r in results) or "✓ every check passes"
        self.query_one("#live-checks", Static).update(line)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Row(Horizontal):
    pass
