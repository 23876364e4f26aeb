"""A run form made from a command's declared options (``studio.options.OptionSet``): the same fields,
order, defaults, choices and help as the command's flags, read and checked the same way.

The label is beside each field and the focused field's help below them; the first field has the
keys; Tab and Enter move on (Enter on a list opens it, Enter on the last field submits), ctrl+s
submits, Escape cancels, asking first when a value changed. A bad value is the option's one line."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widget import Widget

from studio.i18n import _, _l, text
from studio.options import Option, OptionSet, among
from studio.ui.modals.common import discard_or_keep
from studio.ui.modals.fields import FormKeys
from studio.ui.safe import Label, Static, notify
from studio.ui.widgets.inputs import focus_now
from studio.ui.widgets.option_fields import given, widget_of


class OptionsForm(FormKeys):
    """``OPTIONS``' form fields (those declared ``form=True``). ``values`` are what the fields start
    with (values or texts; the rest: their defaults); ``offered`` makes a text field a choice among
    the workspace's provider profiles given. Submitted, the form is dismissed with every option's
    value (``OptionSet.parse``), after ``check``."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel")), Binding("ctrl+s", "submit", _("Start"))]
    HEADING: ClassVar[Any] = ""
    OPTIONS: ClassVar[OptionSet]
    SUBMIT: ClassVar[Any] = _l("starts")

    def __init__(self, values: Mapping[str, Any] | None = None,
                 offered: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__()
        self.values = dict(values or {})
        limited = [among(self.OPTIONS[name], list(choices), _l("provider profile"), _l("the workspace's default"))
                   for name, choices in (offered or {}).items()]
        self.options = self.OPTIONS.extended(*limited)
        self.fields = self.options.form
        self.started: dict[str, str | bool] = {}

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog form"):
            yield Label(text(self.HEADING), classes="question")
            with Grid(classes="fields"):
                for option in self.fields:
                    yield Label(text(option.label), classes="field-label")
                    yield widget_of(option, self.values.get(option.name, option.default))
            yield Static("", id="field-help", classes="hint")
            yield Static(_("Tab, Enter: next field · ctrl+s {submit} · Escape cancels").format(
                submit=text(self.SUBMIT)), classes="hint")

    def on_mount(self) -> None:
        self.started = self.given()
        focus_now(self.field(self.fields[0].name))
        self._explain(self.fields[0])

    def field(self, name: str) -> Widget:
        return self.query_one(f"#{name}")

    def given(self) -> dict[str, str | bool]:
        """Each field's text (or a checkbox's bool), by option name."""
        return {o.name: given(self.field(o.name)) for o in self.fields}

    def changed(self) -> bool:
        return self.given() != self.started

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        option = next((o for o in self.fields if o.name == event.widget.id), None)
        if option is not None:
            self._explain(option)

    def _explain(self, option: Option) -> None:
        self.query_one("#field-help", Static).update(text(option.help))

    def is_last(self, field: Widget) -> bool:
        return field.id == self.fields[-1].name

    def action_submit(self) -> None:
        try:
            values = self.options.parse(self.given())
            self.check(values)
        except ValueError as exc:
            notify(self, str(exc), severity="error")
            return
        self.dismiss(values)

    def check(self, values: dict[str, Any]) -> None:
        """Checks across fields, before the form closes (a ValueError is shown as it is)."""

    def action_cancel(self) -> None:
        discard_or_keep(self, self.changed())
