"""Forms of labelled one-line fields: the label beside each field, the first field focused, Enter moves
on (and submits on the last field), ctrl+s submits, Escape cancels, asking first when a value changed."""

from __future__ import annotations

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input

from studio.i18n import _
from studio.ui.modals.common import discard_or_keep
from studio.ui.safe import Label, Static, notify
from studio.ui.widgets.inputs import focus_now


def label_of(text: str) -> str:
    """The short label of a field description ("format: qianfan, …" -> "format"; a full-width colon too)."""
    return text.replace("：", ":").split(":", 1)[0].strip()


class FormKeys(ModalScreen[object]):
    """Tab, shift+Tab and Enter in a form's field are priority keys: they are handled as the app reads
    them, so the focus has moved before the keys typed after them are handed to a widget, and every key,
    however fast it is typed, lands in the field focused when it was typed. (Handled by the field itself,
    they would wait in its queue while the keys after them were already queued to it.) Enter moves on
    from a one-line field (and submits on the last field); on another kind of field it does what that
    field does (a list opens)."""

    BINDINGS = [Binding("tab", "next_field", show=False, priority=True),
                Binding("shift+tab", "previous_field", show=False, priority=True),
                Binding("enter", "field_enter", show=False, priority=True)]

    def form_field(self) -> Widget:
        """The focused field of this form (a list's open options are not a field: its keys are its own)."""
        focused = self.focused
        if focused is None or focused.screen is not self or focused.id is None or "fields" not in \
                (focused.parent.classes if focused.parent is not None else ()):
            raise SkipAction()
        return focused

    def action_next_field(self) -> None:
        self.form_field()
        self.focus_next()

    def action_previous_field(self) -> None:
        self.form_field()
        self.focus_previous()

    def action_field_enter(self) -> None:
        field = self.form_field()
        if not isinstance(field, Input):
            raise SkipAction()
        if self.is_last(field):
            self.action_submit()
        else:
            self.focus_next()

    def is_last(self, field: Widget) -> bool:
        raise NotImplementedError

    def action_submit(self) -> None:
        raise NotImplementedError


class FieldsForm(FormKeys):
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

    def is_last(self, field: Widget) -> bool:
        return field.id == self.FIELDS[-1][0]

    def action_submit(self) -> None:
        try:
            self.dismiss(self.result())
        except ValueError as exc:
            notify(self, str(exc), severity="error")

    def result(self) -> object:
        raise NotImplementedError

    def action_cancel(self) -> None:
        discard_or_keep(self, self.changed())
