"""Small modals every pane uses: confirm, one-line prompt, help."""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Markdown

from studio.i18n import _
from studio.ui.safe import Label, Static, Text
from studio.ui.widgets.inputs import focus_now


class Confirm(ModalScreen[bool]):
    """A yes/no question; ``y``/Enter confirms, ``n``/Escape cancels."""

    BINDINGS = [Binding("y", "answer(True)", _("Yes")), Binding("n,escape", "answer(False)", _("No"))]

    def __init__(self, question: str, yes: str = "") -> None:
        super().__init__()
        self.question, self.yes = question, yes or _("Yes")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="question")
            with Horizontal(classes="buttons"):
                yield Button(_("{answer} (y)").format(answer=self.yes), variant="primary", id="yes")
                yield Button(_("Cancel (n)"), id="no")

    def on_mount(self) -> None:
        focus_now(self.query_one("#yes", Button))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class Ask(ModalScreen[str | None]):
    """One line of input; Enter accepts, Escape cancels (asking first when the text was changed)."""

    BINDINGS = [Binding("escape", "cancel", _("Cancel"))]

    def __init__(self, question: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.question, self.value, self.placeholder = question, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="question")
            yield Input(self.value, placeholder=self.placeholder, id="answer", classes="line")
            yield Static(_("Enter accepts · Escape cancels"), classes="hint")

    def on_mount(self) -> None:
        focus_now(self.query_one(Input))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        discard_or_keep(self, self.query_one(Input).value != self.value)


def discard_or_keep(modal: ModalScreen, changed: bool) -> None:
    """Close ``modal`` with None; when its work was changed, only after a yes to "Discard?"."""
    if not changed:
        modal.dismiss(None)
        return

    def answer(yes: bool | None) -> None:
        if yes:
            modal.dismiss(None)

    modal.app.push_screen(Confirm(_("Discard your changes?"), _("Discard")), answer)


class Help(ModalScreen[None]):
    """F1 help for the focused part of the screen, and the keys that apply there, grouped by purpose."""

    BINDINGS = [Binding("escape,f1,q,question_mark", "dismiss", _("Close"))]

    def __init__(self, title: str, text: str, groups: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.title_text, self.text, self.groups = title, text, groups

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Label(self.title_text, classes="question")
            if self.text:
                yield Markdown(self.text)
            width = max((cell_len(k) for _name, keys in self.groups for k, _what in keys), default=4)
            for name, keys in self.groups:
                lines = Text(name, style="bold underline")
                for key, what in keys:
                    lines.append(f"\n  {key:<{width}}  ", style="bold")
                    lines.append(what)
                yield Static(lines, classes="keys")
            yield Static(_("Escape closes this help"), classes="hint")
