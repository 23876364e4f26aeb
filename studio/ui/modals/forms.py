"""Forms: a topic, the review of rejected topics, and the answer editor."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import TextArea

from studio.domain import RejectedTopic
from studio.i18n import _, ngettext
from studio.turn.shown import check_message
from studio.ui.modals.common import discard_or_keep
from studio.ui.modals.fields import FieldsForm
from studio.ui.safe import DataTable, Label, Static
from studio.ui.widgets.inputs import focus_now


@dataclass
class TopicFields:
    text: str
    title: str
    tags: list[str]


class TopicForm(FieldsForm):
    BINDINGS = [Binding("ctrl+s", "submit", _("Save"))]
    SUBMIT = _("saves")
    FIELDS = (("text", _("topic: the scenario, in Chinese")), ("title", _("title: short, in English")),
              ("tags", _("tags: comma-separated")))

    def __init__(self, heading: str, text: str = "", title: str = "", tags: str = "") -> None:
        super().__init__({"text": text, "title": title, "tags": tags})
        self.HEADING = heading

    def result(self) -> TopicFields:
        if not self.value("text"):
            raise ValueError(_("a topic needs some text"))
        tags = [t.strip() for t in self.value("tags").split(",") if t.strip()]
        return TopicFields(self.value("text"), self.value("title"), tags)


class RejectedReview(ModalScreen[str | None]):
    """Near-duplicates side by side with their nearest topic; Enter accepts the highlighted one."""

    BINDINGS = [Binding("escape", "cancel", _("Close")), Binding("enter", "accept", _("Accept as a topic"))]

    def __init__(self, rejected: list[RejectedTopic]) -> None:
        super().__init__()
        self.rejected = rejected

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            n = len(self.rejected)
            yield Label(ngettext("{n} candidate turned away · Enter accepts · Escape closes",
                                 "{n} candidates turned away · Enter accepts · Escape closes", n).format(n=n),
                        classes="question")
            table: DataTable[str] = DataTable(cursor_type="row", id="rejected")
            yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("Sim."), _("Candidate"), _("Nearest topic"))
        for r in self.rejected:
            table.add_row(f"{r.similarity:.2f}", r.text, r.nearest_text or r.reason, key=r.id)
        focus_now(table)

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

    BINDINGS = [Binding("ctrl+s", "save", _("Save")), Binding("escape", "cancel", _("Cancel"))]

    def __init__(self, raw: str, check) -> None:
        super().__init__()
        self.raw, self.check = raw, check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog editor"):
            yield Label(_("Edit the teacher's answer · ctrl+s saves · Escape cancels"), classes="question")
            yield TextArea(self.raw, id="answer", soft_wrap=True, show_line_numbers=True)
            yield Static("", id="live-checks")

    def on_mount(self) -> None:
        focus_now(self.query_one(TextArea))
        self._show(self.raw)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._show(event.text_area.text)

    def _show(self, text: str) -> None:
        results = self.check(text)
        line = "\n".join(f"{'✗' if r.severity == 'error' else '!'} {r.id}: {check_message(r)}"
                         for r in results) or _("✓ every check passes")
        self.query_one("#live-checks", Static).update(line)

    def action_save(self) -> None:
        self.dismiss(self.query_one(TextArea).text)

    def action_cancel(self) -> None:
        discard_or_keep(self, self.query_one(TextArea).text != self.raw)


class Row(Horizontal):
    pass
