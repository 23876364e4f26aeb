"""Declared options: what each kind accepts, the one line a bad value gets (naming the field by its
label and flag), and the same values from a command line as from a form's texts."""

from __future__ import annotations

import argparse

import pytest

from studio.options import (
    ChoiceOption,
    FlagOption,
    ListOption,
    NumberOption,
    Option,
    OptionError,
    OptionSet,
    PairsOption,
    choices,
)

SPLIT = NumberOption(name="split", label="train share", whole=False, low=0, high=1, low_open=True, high_open=True)
OPTIONS = OptionSet((
    NumberOption(name="dialogues", short="-n", label="dialogues", default=20, low=1, high=100),
    SPLIT,
    ChoiceOption(name="review", label="samples", default="default", noun="review choice",
                 choices=choices(("default", "approved or passing"), "all")),
    ListOption(name="epochs", label="epochs", item=NumberOption(name="e", label="e", whole=False, low=0, low_open=True),
               default=[3.0]),
    PairsOption(name="option", label="options"),
    FlagOption(name="dry_run", label="dry run"),
    Option(name="name", label="name", default=""),
))


class Refused(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise Refused(message)


def command_line(*args: str) -> dict[str, object]:
    parser = Parser(prog="studio x")
    OPTIONS.add_to(parser)
    return OPTIONS.of(parser.parse_args(list(args)))


def test_a_command_line_and_a_forms_texts_give_the_same_values() -> None:
    typed = command_line("-n", "7", "--split", "0.9", "--review", "all", "--epochs", "3,6", "--option", "a=1",
                         "--option", "b = 2", "--dry-run", "--name", "x")
    texts = {"dialogues": "7", "split": "0.9", "review": "all", "epochs": "3, 6", "option": "a=1; b = 2",
             "dry_run": True, "name": "x"}
    assert typed == OPTIONS.parse(texts) == {"dialogues": 7, "split": 0.9, "review": "all", "epochs": [3.0, 6.0],
                                             "option": {"a": "1", "b": "2"}, "dry_run": True, "name": "x"}
    assert command_line() == OPTIONS.parse({}) == OPTIONS.defaults()


@pytest.mark.parametrize(("args", "line"), [
    (("-n", "0"), "--dialogues: must be a whole number from 1 to 100, not 0"),
    (("--dialogues", "2.5"), "--dialogues: '2.5' is not a whole number"),
    (("--split", "1"), "train share (--split): must be a number above 0 and below 1, not 1"),
    (("--split", "nan"), "train share (--split): 'nan' is not a number"),
    (("--review", "some"), "samples (--review): unknown review choice 'some' (choose from: default, all)"),
    (("--epochs", "3,x"), "--epochs: 'x' is not a number"),
    (("--epochs", " , "), "--epochs: give at least one value, separated by ','"),
    (("--option", "a"), "options (--option): 'a' is not KEY=VALUE"),
])
def test_a_bad_value_is_one_line_naming_the_field_from_either_side(args, line) -> None:
    with pytest.raises(Refused) as refused:
        command_line(*args)
    assert str(refused.value) == line
    field = "dialogues" if args[0] == "-n" else args[0].removeprefix("--")
    with pytest.raises(OptionError) as from_form:
        OPTIONS.parse({field: args[1]})
    assert str(from_form.value) == line


def test_a_form_shows_a_value_as_it_reads_it_back() -> None:
    for option, value in ((SPLIT, 3e-5), (OPTIONS["epochs"], [3.0, 0.5]), (OPTIONS["option"], {"k": "v", "m": "n"}),
                          (OPTIONS["dialogues"], 20), (OPTIONS["dry_run"], True)):
        assert option.parse(option.text(value)) == value
    assert SPLIT.text(3e-5) == "3e-5"


def test_required_and_empty_values() -> None:
    snapshot = Option(name="snapshot", label="snapshot", required=True)
    with pytest.raises(OptionError, match="^--snapshot: needs a value$"):
        snapshot.parse("  ")
    assert SPLIT.parse("") is None  # left empty: the default (no split)


def test_an_option_set_names_each_option_once_and_extends_in_place() -> None:
    with pytest.raises(ValueError, match="twice"):
        OptionSet((SPLIT, SPLIT))
    wider = OPTIONS.extended(NumberOption(name="split", label="share", whole=False), Option(name="new", label="new"),
                             without=["name"])
    assert [o.name for o in wider] == ["dialogues", "split", "review", "epochs", "option", "dry_run", "new"]
    assert wider["split"].parse("5") == 5.0
