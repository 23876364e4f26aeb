"""Forms of labelled one-line fields: the label beside each field, the first field focused, Enter moves
on (and submits on the last field), ctrl+s submits, Escape cancels, asking first when a value changed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input

from studio.i18n import _
from studio.ui.modals.common import discard_or_keep
from studio.ui.safe import Label, Static, notify
from studio.ui.widgets.inputs import focus_now


def label_of(text: str) -> str:
    """The short label of a field description ("format: qianfan, …" -> "format"; a full-width colon too)."""
    return text.replace("：", ":").split(":", 1)[0].strip()


class FieldsForm(ModalScreen[object]):
    """``FIELDS`` is (id, description): the label is the description up to its first colon, and the
    whole description is the placeholder of an empty field."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel")), Binding("ctrl+s", "submit", _("Start"))]
    HEADING = ""
    FIELDS: tuple[tuple[str, str], ...] = ()  # (id, description)
    SUBMIT = _("starts")

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__()
        self.values = values

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog form"):
            yield Label(self.HEADING, classes="question")
            with Grid(classes="fields"):
                for field_id, description in self.FIELDS:
                    yield Label(label_of(description), classes="field-label")
                    yield Input(self.values.get(field_id, ""), placeholder=description, id=field_id,
                                tooltip=description, classes="line")
                    for extra in self.below(field_id):
                        yield Static("", classes="field-label")
                        yield extra
            yield Static(_("Enter: next field · ctrl+s {submit} · Escape cancels").format(submit=self.SUBMIT),
                         classes="hint")

    def below(self, field_id: str) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        focus_now(self.query(Input).first())

    def value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def changed(self) -> bool:
        return any(self.query_one(f"#{f}", Input).value != self.values.get(f, "") for f, _what in self.FIELDS)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == self.FIELDS[-1][0]:
            self.action_submit()
        else:
            self.focus_next()

    def action_submit(self) -> None:
        try:
            self.dismiss(self.result())
        except ValueError as exc:
            notify(self, str(exc), severity="error")

    def result(self) -> object:
        raise NotImplementedError

    def action_cancel(self) -> None:
        discard_or_keep(self, self.changed())
