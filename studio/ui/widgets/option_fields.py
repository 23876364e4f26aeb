"""The form widget of each kind of option (``studio.options``): a one-line ``Input`` for text, numbers
(restricted to what a number is made of, checked as typed) and lists, a compact ``Select`` for
choices, a compact ``Checkbox`` for a flag. Every widget gives back the text (or a flag's bool)
that the option parses, so a form and the command line read a value the same way.

A new kind of option registers its widget here with ``@widget_for(TheOption)``; a kind without one
gets the widget of the nearest kind it derives from."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select

from studio.i18n import _, text
from studio.options import Choice, ChoiceOption, FlagOption, NumberOption, Option, OptionError

Make = Callable[[Option, Any], Widget]
WIDGETS: dict[type[Option], Make] = {}


def widget_for(kind: type[Option]) -> Callable[[Make], Make]:
    def register(make: Make) -> Make:
        WIDGETS[kind] = make
        return make

    return register


class Checked(Validator):
    """Marks an input invalid as it is typed, with the option's own one-line error."""

    def __init__(self, option: Option) -> None:
        super().__init__()
        self.option = option

    def validate(self, value: str) -> ValidationResult:
        try:
            self.option.parse(value)
        except OptionError as exc:
            return self.failure(str(exc), value)
        return self.success()


def _input(option: Option, value: Any, restrict: str | None = None) -> Input:
    shown = value if isinstance(value, str) else option.text(value)
    return Input(shown, placeholder=text(option.help), id=option.name, classes="line option-field",
                 restrict=restrict, validators=[Checked(option)], valid_empty=not option.required,
                 validate_on=["changed", "submitted"], tooltip=text(option.help))


@widget_for(Option)
def text_field(option: Option, value: Any) -> Widget:
    return _input(option, value)


@widget_for(NumberOption)
def number_field(option: Option, value: Any) -> Widget:
    assert isinstance(option, NumberOption)
    return _input(option, value, r"[-+0-9]*" if option.whole else r"[-+0-9.eE]*")


def select(option: Option, value: Any, offered: Sequence[Choice], blank: Any = "") -> Select[str]:
    """A compact select over ``offered``; a value given that is not among them is offered too, marked, so
    the form keeps what it was given and says what is wrong with it when submitted."""
    current = value if isinstance(value, str) else option.text(value)
    entries = [(c.shown(), c.value) for c in offered]
    if current and current not in {c.value for c in offered}:
        entries.append((_("{value} (not a choice)").format(value=current), current))
    empty = option.default in (None, "")  # left empty, the option takes its default (or says it needs one)
    start = current or (Select.NULL if empty else option.text(option.default))
    prompt = text(blank) if blank else _("choose one")
    return Select(entries, prompt=prompt, allow_blank=empty, value=start, id=option.name, classes="option-field",
                  compact=True, tooltip=text(option.help))


@widget_for(ChoiceOption)
def choice_field(option: Option, value: Any) -> Widget:
    assert isinstance(option, ChoiceOption)
    return select(option, value, option.choices, option.blank)


class FlagBox(Checkbox):
    """A checkbox that says yes or no beside its box."""

    def __init__(self, on: bool, **kwargs: Any) -> None:
        super().__init__(self.word(on), on, compact=True, **kwargs)

    @staticmethod
    def word(on: bool) -> str:
        return _("yes") if on else _("no")

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.label = self.word(self.value)


@widget_for(FlagOption)
def flag_field(option: Option, value: Any) -> Widget:
    on = value if isinstance(value, bool) else bool(option.parse(value)) if value not in (None, "") else option.default
    return FlagBox(bool(on), id=option.name, classes="option-field", tooltip=text(option.help))


def widget_of(option: Option, value: Any) -> Widget:
    """The field for ``option`` holding ``value``."""
    for kind in type(option).__mro__:
        if kind in WIDGETS:
            return WIDGETS[kind](option, value)
    raise TypeError(f"no form widget for {type(option).__name__}")


def given(widget: Widget) -> str | bool:
    """What the user gave in a field: the text an option parses, or a checkbox's bool."""
    if isinstance(widget, Checkbox):
        return widget.value
    if isinstance(widget, Select):
        return "" if widget.value is Select.NULL else str(widget.value)
    if isinstance(widget, Input):
        return widget.value
    raise TypeError(f"not an option field: {widget!r}")
