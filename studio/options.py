"""One declaration per option: a command's flag and its run form's field come from the same object.

An :class:`Option` has a name (the argparse ``dest`` and the form field's id), a label (the form's),
a help text (both), a default and, for some kinds, choices with display names or bounds. It turns
the text a user gave (a flag's argument, a form field) into a value with :meth:`Option.parse`, and
a bad value is one :class:`OptionError` line naming the field by its label and its flag, whichever
way it came in. :meth:`Option.add_to` adds the flag to an argparse parser; the Textual widget of
each kind is made in ``studio.ui.widgets.option_fields`` (only the UI imports textual).

Kinds: text (:class:`Option`), :class:`ChoiceOption`, :class:`NumberOption` (whole or not, with
bounds), :class:`ListOption` (comma-separated items, each parsed by an item option),
:class:`PairsOption` (KEY=VALUE pairs), :class:`PathOption` and :class:`FlagOption`. A new kind is
a subclass that overrides :meth:`Option.convert` (and :meth:`Option.text`), plus its widget in the UI.
An :class:`OptionSet` is one command's options in order: its flags, and its form's fields.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Any

from studio.i18n import LazyText, _, text

Text = Any  # a str, or a lazy text (studio.i18n._l) shown in the current language


class Later(LazyText):
    """A text made each time it is shown: a help naming a registry's entries in the current language."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], str]) -> None:
        super().__init__("")
        self.make = make

    def __str__(self) -> str:
        return self.make()

    def __repr__(self) -> str:
        return f"Later({self.make()!r})"

    def __bool__(self) -> bool:
        return bool(self.make())

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)


class OptionError(ValueError):
    """A bad value: one line naming the field (its label and its flag) and what it accepts."""


class Problem(ValueError):
    """What is wrong with a value, before the field is named (see :meth:`Option.parse`)."""


@dataclass(frozen=True)
class Choice:
    """One allowed value and the name a form shows for it (the value itself when none)."""

    value: str
    display: Text = ""

    def shown(self) -> str:
        return text(self.display) if self.display else self.value


@dataclass(frozen=True, kw_only=True)
class Option:
    """A free-text option; the base of the other kinds."""

    name: str
    label: Text
    help: Text = ""
    default: Any = None
    flag: str = ""  # the long flag without its dashes; default: the name with - for _
    short: str = ""  # e.g. "-n"
    required: bool = False
    form: bool = True  # a field of the command's run form (False: a flag only)
    metavar: str | None = None

    # -- naming ------------------------------------------------------------------------------------
    @property
    def long(self) -> str:
        return "--" + (self.flag or self.name.replace("_", "-"))

    @property
    def flags(self) -> list[str]:
        return [self.long, self.short] if self.short else [self.long]

    @property
    def field(self) -> str:
        """How an error names the option: its label and its flag ("--dialogues" when they agree)."""
        label = text(self.label)
        if label.strip().lower().replace(" ", "-") == self.long[2:]:
            return self.long
        return f"{label} ({self.long})"

    def error(self, problem: object) -> OptionError:
        return OptionError(_("{field}: {problem}").format(field=self.field, problem=problem))

    # -- values ------------------------------------------------------------------------------------
    def parse(self, given: object) -> Any:
        """The value of a flag's argument or a form field's text; empty text is the default."""
        if isinstance(given, str):
            given = given.strip()
        if given is None or given == "":
            if self.required:
                raise self.error(_("needs a value"))
            return self.default
        try:
            return self.convert(str(given))
        except Problem as exc:
            raise self.error(exc) from None

    def convert(self, value: str) -> Any:
        """``value`` (stripped, not empty) as this option's value; :class:`Problem` when it is bad."""
        return value

    def text(self, value: Any) -> str:
        """A value as a form shows it (the inverse of :meth:`convert`)."""
        return "" if value is None else str(value)

    def merge(self, before: Any, value: Any) -> Any:
        """A flag given again: the later value wins (:class:`PairsOption` adds them up)."""
        return value

    # -- the command line ----------------------------------------------------------------------------
    def arguments(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"dest": self.name, "default": self.default, "help": self.help,
                                  "action": ParsedValue, "option": self}
        if self.required:
            kwargs["required"] = True
        if self.metavar:
            kwargs["metavar"] = self.metavar
        return kwargs

    def add_to(self, parser: argparse.ArgumentParser) -> argparse.Action:
        return parser.add_argument(*self.flags, **self.arguments())


class ParsedValue(argparse.Action):
    """Stores a flag's argument parsed by its :class:`Option`; a bad one is the option's one line."""

    def __init__(self, option_strings: Sequence[str], dest: str, option: Option, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, **kwargs)
        self.option = option

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        try:
            value = self.option.parse(values)
        except OptionError as exc:
            parser.error(str(exc))
        setattr(namespace, self.dest, self.option.merge(getattr(namespace, self.dest, None), value))


@dataclass(frozen=True, kw_only=True)
class ChoiceOption(Option):
    """One of a fixed list; ``blank`` names the empty choice where the option may be left empty."""

    choices: tuple[Choice, ...]
    blank: Text = ""
    noun: Text = ""  # what a value is, for the error ("dataset format"); default "value"

    @property
    def values(self) -> list[str]:
        return [c.value for c in self.choices]

    def convert(self, value: str) -> str:
        if value not in self.values:
            raise Problem(_("unknown {noun} '{value}' (choose from: {choices})").format(
                noun=text(self.noun) if self.noun else _("value"), value=value, choices=", ".join(self.values)))
        return value

    def arguments(self) -> dict[str, Any]:
        return {"metavar": "{" + ",".join(self.values) + "}", **super().arguments()}


def choices(*values: str | tuple[str, Text]) -> tuple[Choice, ...]:
    """``choices("a", ("b", _l("b: the other")))``: values, each with its display name or not."""
    return tuple(Choice(v) if isinstance(v, str) else Choice(*v) for v in values)


def _number(value: float, whole: bool) -> str:
    """``3``, ``0.9``, ``3e-5`` (not ``3e-05``), ``1e12``."""
    if whole:
        return str(int(value))
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m[1] == "-" else "") + m[2], f"{value:g}")


@dataclass(frozen=True, kw_only=True)
class NumberOption(Option):
    """A whole number or a number, within bounds (``low_open``/``high_open``: the bound itself is out)."""

    whole: bool = True
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def convert(self, value: str) -> int | float:
        try:
            number: int | float = int(value) if self.whole else float(value)
        except ValueError:
            raise Problem(self._not_a_number(value)) from None
        if isinstance(number, float) and math.isnan(number):
            raise Problem(self._not_a_number(value))
        if not self.within(number):
            raise Problem(_("must be {noun} {range}, not {value}").format(noun=self.noun(), range=self.range(),
                                                                          value=value))
        return number

    def _not_a_number(self, value: str) -> str:
        return (_("'{value}' is not a whole number") if self.whole else _("'{value}' is not a number")).format(value=value)

    def within(self, number: float) -> bool:
        low_ok = self.low is None or (number > self.low if self.low_open else number >= self.low)
        high_ok = self.high is None or (number < self.high if self.high_open else number <= self.high)
        return low_ok and high_ok

    def noun(self) -> str:
        return _("a whole number") if self.whole else _("a number")

    def range(self) -> str:
        low = None if self.low is None else _number(self.low, self.whole)
        high = None if self.high is None else _number(self.high, self.whole)
        wording = {(False, False): _("from {low} to {high}"), (True, False): _("above {low} and at most {high}"),
                   (False, True): _("from {low} and below {high}"), (True, True): _("above {low} and below {high}")}
        if low is not None and high is not None:
            return wording[(self.low_open, self.high_open)].format(low=low, high=high)
        if low is not None:
            return (_("> {low}") if self.low_open else _("≥ {low}")).format(low=low)
        if high is not None:
            return (_("< {high}") if self.high_open else _("≤ {high}")).format(high=high)
        return ""

    def text(self, value: Any) -> str:
        return "" if value is None else _number(value, self.whole)

    def arguments(self) -> dict[str, Any]:
        return {"metavar": "N" if self.whole else "X", **super().arguments()}


@dataclass(frozen=True, kw_only=True)
class ListOption(Option):
    """Items separated by ``separator`` (empty ones dropped), each parsed by ``item`` (text when none)."""

    item: Option | None = None
    separator: str = ","

    def convert(self, value: str) -> list[Any]:
        items = [part.strip() for part in value.split(self.separator) if part.strip()]
        if not items:
            raise Problem(_("give at least one value, separated by '{separator}'").format(separator=self.separator))
        return [self.item.convert(part) if self.item else part for part in items]

    def text(self, value: Any) -> str:
        return self.separator.join(self.item.text(v) if self.item else str(v) for v in value or [])

    def arguments(self) -> dict[str, Any]:
        kwargs = super().arguments()
        if isinstance(self.item, ChoiceOption):
            kwargs.setdefault("metavar", ",".join(self.item.values))
        return kwargs


@dataclass(frozen=True, kw_only=True)
class PairsOption(Option):
    """KEY=VALUE settings: separated by ``;`` in a form, one per flag on the command line (repeatable)."""

    separator: str = ";"
    default: Any = dataclass_field(default_factory=dict)

    def convert(self, value: str) -> dict[str, str]:
        pairs: dict[str, str] = {}
        for item in (part.strip() for part in value.split(self.separator)):
            key, sep, setting = item.partition("=")
            if item and (not sep or not key.strip()):
                raise Problem(_("'{value}' is not KEY=VALUE").format(value=item))
            if item:
                pairs[key.strip()] = setting.strip()
        return pairs

    def text(self, value: Any) -> str:
        return f"{self.separator} ".join(f"{k}={v}" for k, v in (value or {}).items())

    def merge(self, before: Any, value: Any) -> Any:
        return {**(before or {}), **value}

    def arguments(self) -> dict[str, Any]:
        return {"metavar": "KEY=VALUE", **super().arguments()}


@dataclass(frozen=True, kw_only=True)
class PathOption(Option):
    """A file or folder path (whether it exists is for the command to say, naming the path)."""

    def convert(self, value: str) -> Path:
        return Path(value).expanduser()

    def arguments(self) -> dict[str, Any]:
        return {"metavar": "PATH", **super().arguments()}


@dataclass(frozen=True, kw_only=True)
class FlagOption(Option):
    """On or off: a flag with no argument; a form's checkbox."""

    default: Any = False

    def parse(self, given: object) -> bool:
        if isinstance(given, bool):
            return given
        return bool(super().parse(given))

    def convert(self, value: str) -> bool:
        word = value.lower()
        if word in ("yes", "y", "true", "on", "1"):
            return True
        if word in ("no", "n", "false", "off", "0"):
            return False
        raise Problem(_("'{value}' is not yes or no").format(value=value))

    def text(self, value: Any) -> str:
        return "yes" if value else "no"

    def add_to(self, parser: argparse.ArgumentParser) -> argparse.Action:
        return parser.add_argument(*self.flags, dest=self.name, action="store_true", help=self.help)


@dataclass(frozen=True)
class OptionSet:
    """One command's options in order: ``add_to`` gives its flags, ``form`` its run form's fields."""

    options: tuple[Option, ...]

    def __post_init__(self) -> None:
        names = [o.name for o in self.options]
        if len(set(names)) != len(names):
            raise ValueError(f"an option set names an option twice: {names}")

    def __iter__(self) -> Iterator[Option]:
        return iter(self.options)

    def __getitem__(self, name: str) -> Option:
        for option in self.options:
            if option.name == name:
                return option
        raise KeyError(name)

    @property
    def form(self) -> list[Option]:
        return [o for o in self.options if o.form]

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        for option in self.options:
            option.add_to(parser)

    def defaults(self) -> dict[str, Any]:
        return {o.name: o.default for o in self.options}

    def parse(self, given: Mapping[str, object]) -> dict[str, Any]:
        """Every option's value: those ``given`` (texts, or a flag's bool) parsed, in declaration
        order (the first bad one is the error), the others their default."""
        return {o.name: o.parse(given[o.name]) if o.name in given else o.default for o in self.options}

    def of(self, args: argparse.Namespace) -> dict[str, Any]:
        """The values a parsed command line holds."""
        return {o.name: getattr(args, o.name) for o in self.options}

    def extended(self, *options: Option, without: Iterable[str] = ()) -> OptionSet:
        """This set with ``options`` put in place of those of the same name (else at the end), less ``without``."""
        replaced = {o.name: o for o in options}
        skip = set(without)
        kept = [replaced.pop(o.name, o) for o in self.options if o.name not in skip]
        return OptionSet((*kept, *replaced.values()))


def among(option: Option, values: Sequence[str], noun: Text = "", blank: Text = "") -> ChoiceOption:
    """``option`` limited to ``values`` (a form offering the workspace's provider profiles, say)."""
    return ChoiceOption(name=option.name, label=option.label, help=option.help, default=option.default,
                        flag=option.flag, short=option.short, required=option.required, form=option.form,
                        metavar=option.metavar, choices=choices(*values), noun=noun, blank=blank)


__all__ = ["Choice", "ChoiceOption", "FlagOption", "Later", "ListOption", "NumberOption", "Option", "OptionError",
           "OptionSet", "PairsOption", "PathOption", "Problem", "among", "choices"]
