"""Forms: a topic, the review of rejected topics, and the answer editor."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import TextArea

from studio.domain import RejectedTopic
from studio.i18n import _, ngettext
from studio.ui.modals.common import discard_or_keep
from studio.ui.modals.fields import FieldsForm
from studio.ui.safe import DataTable, Label, Static
from studio.ui.widgets.answer_fields import (
    FIELDS,
    by_part,
    check_line,
    contract_json,
    label,
    values_of,
)
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
    """Edit a teacher answer field by field (Reply, three Suggestions, Analysis), the checks re-run on every
    change and shown beside the field they concern; it saves the contract's JSON. An answer that is not
    such JSON opens as text in one raw field, saying why."""

    BINDINGS = [Binding("ctrl+s", "save", _("Save")), Binding("escape", "cancel", _("Cancel"))]

    def __init__(self, raw: str, check) -> None:
        super().__init__()
        self.raw, self.check = raw, check
        self.values, self.why = values_of(raw)
        self.has_analysis = self.values is not None and '"Analysis"' in raw

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog editor"):
            yield Label(_("Edit the teacher's answer · ctrl+s saves · Escape cancels"), classes="question")
            with VerticalScroll(id="answer-fields"):
                if self.values is None:
                    yield Static(self.why, id="raw-why", classes="hint")
                    yield TextArea(self.raw, id="answer", soft_wrap=True, show_line_numbers=True)
                else:
                    for name, _key in FIELDS:
                        with Horizontal(classes="answer-field"):
                            yield Label(label(name), classes="field-name")
                            yield TextArea(self.values[name], id=f"field-{name}", soft_wrap=True,
                                           classes="field-text")
                        if name in ("reply", "suggestion3", "analysis"):
                            part = "suggestions" if name == "suggestion3" else name
                            yield Static("", id=f"checks-{part}", classes="field-checks")
            yield Static("", id="live-checks")

    def on_mount(self) -> None:
        focus_now(self.query_one(TextArea))
        self._show()

    def text(self) -> str:
        """The answer as it stands: the contract's JSON from the fields (or the raw text)."""
        if self.values is None:
            return self.query_one("#answer", TextArea).text
        values = {name: self.query_one(f"#field-{name}", TextArea).text.strip() for name, _key in FIELDS}
        if values == {k: v.strip() for k, v in self.values.items()}:
            return self.raw  # nothing changed: the answer as it was, byte for byte
        return contract_json(values, analysis=self.has_analysis or bool(values["analysis"]))

    def on_text_area_changed(self, _event: TextArea.Changed) -> None:
        self._show()

    def _show(self) -> None:
        results = self.check(self.text())
        if self.values is not None:
            parts = by_part(results)
            for part in ("reply", "suggestions", "analysis"):
                widget = self.query_one(f"#checks-{part}", Static)
                widget.update("\n".join(check_line(c) for c in parts.get(part, [])))
                widget.display = bool(parts.get(part))
            beside = sum(len(parts.get(p, [])) for p in ("reply", "suggestions", "analysis"))
            lines = [check_line(r) for r in parts.get("", [])]
            if beside:
                lines.append(ngettext("✗ {n} check fails: it is shown beside its field",
                                      "✗ {n} checks fail: each is shown beside its field", beside).format(n=beside))
            line = "\n".join(lines) or _("✓ every check passes")
        else:
            line = "\n".join(check_line(r) for r in results) or _("✓ every check passes")
        self.query_one("#live-checks", Static).update(line)

    def action_save(self) -> None:
        self.dismiss(self.text())

    def action_cancel(self) -> None:
        discard_or_keep(self, self.text() != self.raw)


class Row(Horizontal):
    pass
