"""A command's flags and its run form are one declaration: the form's fields are the command's
arguments (same names, order, choices, defaults and help), and a bad number or choice is the same
one line from the command line and from the form."""

from __future__ import annotations

import argparse

import pytest
from textual.widgets import Checkbox, Input, Select

from studio.cli import build_parser, main
from studio.i18n import text
from studio.options import ListOption, ParsedValue
from studio.ui.app import make_app
from studio.ui.modals.command_forms import (
    EvalMakeForm,
    EvalRunForm,
    ExpandForm,
    ExportForm,
    GenerateForm,
    JobForm,
)
from studio.ui.widgets.option_fields import given
from tests.ui.conftest import settle, until

#: Each command and the form that runs it (``train start`` is the form with one value in each list).
PAIRS = [(("export",), ExportForm), (("generate",), GenerateForm), (("train", "sweep"), JobForm),
         (("train", "start"), JobForm), (("eval", "make"), EvalMakeForm), (("eval", "run"), EvalRunForm),
         (("topics", "expand"), ExpandForm)]


def subparser(words: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for word in words:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    return parser


def arguments(words: tuple[str, ...]) -> dict[str, argparse.Action]:
    return {a.dest: a for a in subparser(words)._actions if a.dest != "help"}


def metavar_choices(action: argparse.Action) -> list[str] | None:
    shown = action.metavar
    return shown[1:-1].split(",") if isinstance(shown, str) and shown.startswith("{") else None


def one(value: object) -> object:
    """A one-item list (a sweep's axis with one value) as its item, to compare with ``train start``."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


async def test_every_form_field_is_its_commands_argument(workspace) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for words, form_class in PAIRS:
            actions = arguments(words)
            form = form_class()
            await app.push_screen(form)
            await until(pilot, lambda f=form: app.screen is f)
            command = " ".join(words)
            fields = form.fields
            assert [o.name for o in fields] == [d for d in actions if d in {o.name for o in fields}], \
                f"{command}: the form's fields come in the flags' order"
            for option in fields:
                action = actions.get(option.name)
                assert action is not None, f"{command}: the form's '{option.name}' is a flag of the command"
                widget = form.query_one(f"#{option.name}")
                if option.required:  # nothing to start from: the form asks, as the command does
                    assert given(widget) == "" and action.required, f"{command} {option.name}: required"
                    value = None
                else:
                    value = form.options[option.name].parse(given(widget))
                    got = value if isinstance(action.default, list) else one(value)
                    assert got == action.default, f"{command} {option.name}: the same default"
                offered = metavar_choices(action)
                if isinstance(option, ListOption) and not isinstance(action.default, list):  # a sweep's axis
                    assert isinstance(widget, Input) and offered == getattr(option.item, "values", None), \
                        f"{command} {option.name}: the same choices, one or several"
                    continue
                assert str(widget.tooltip) == text(action.help) and text(action.help), \
                    f"{command} {option.name}: the same help"
                if offered is not None:
                    assert isinstance(widget, Select), f"{command} {option.name}: a choice is a list to pick from"
                    assert [v for _, v in widget._options if v is not Select.NULL] == offered, \
                        f"{command} {option.name}: the same choices"
                elif isinstance(action, argparse._StoreTrueAction):
                    assert isinstance(widget, Checkbox), f"{command} {option.name}: a flag is a checkbox"
                else:
                    assert isinstance(widget, Input) and isinstance(action, ParsedValue), \
                        f"{command} {option.name}: a typed value is one line read by the option"
            hidden = set(actions) - {o.name for o in fields}
            assert all(not form.options[d].form for d in hidden), f"{command}: flag-only options are declared so"
            form.dismiss(None)
            await until(pilot, lambda f=form: app.screen is not f)


#: What the commands below require, given to the forms too.
REQUIRED = {"format": "openai", "snapshot": "s", "base_model": "m", "model": "offline"}
#: (command line before the bad value, the form, its field, the bad value). The command line holds
#: what the command requires, so the bad value is the error.
BAD = [
    (("export", "--format", "openai", "--split"), ExportForm, "split", "1.5"),
    (("export", "--format"), ExportForm, "format", "csv"),
    (("generate", "--dialogues"), GenerateForm, "dialogues", "0"),
    (("generate", "--rewrite"), GenerateForm, "rewrite", "by-hand"),
    (("train", "sweep", "--snapshot", "s", "--base-model", "m", "--batch-size"), JobForm, "batch_size", "0"),
    (("train", "sweep", "--snapshot", "s", "--base-model", "m", "--backend"), JobForm, "backend", "nowhere"),
    (("train", "sweep", "--snapshot", "s", "--base-model", "m", "--lr"), JobForm, "lr", "3e-5,2"),
    (("eval", "make", "--n"), EvalMakeForm, "n", "-3"),
    (("eval", "run", "--model", "offline", "--concurrency"), EvalRunForm, "concurrency", "0"),
    (("topics", "expand", "--threshold"), ExpandForm, "threshold", "2"),
]


@pytest.mark.parametrize(("words", "form_class", "field", "bad"), BAD, ids=[f"{b[0][0]}-{b[2]}" for b in BAD])
async def test_a_bad_value_is_the_same_line_from_the_command_and_the_form(workspace, capsys, words, form_class,
                                                                          field, bad) -> None:
    capsys.readouterr()
    code = main(["--workspace", str(workspace.root), *words, bad])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert code == 1 and err.startswith(f"studio {words[0]}") and ": error: " in err, err
    line = err.split(": error: ", 1)[1]
    assert f"(--{field.replace('_', '-')}):" in line or line.startswith(f"--{field.replace('_', '-')}:"), line
    assert bad.split(",")[-1] in line, "the line names the bad value"

    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = form_class(REQUIRED)
        await app.push_screen(form)
        await until(pilot, lambda: app.screen is form)
        widget = form.query_one(f"#{field}")
        if isinstance(widget, Input):  # typed, as a user would
            app.set_focus(widget)
            await pilot.press("end", "ctrl+u", *bad)
            assert widget.value == bad
        else:  # a list to pick from holds only its choices: a value given from elsewhere is the bad one
            form.dismiss(None)
            form = form_class({**REQUIRED, field: bad})
            await app.push_screen(form)
            await until(pilot, lambda: app.screen is form)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app._notifications)
        shown = [str(n.message) for n in app._notifications]
        assert shown[-1] == line, "the form says what the command says"
        assert app.screen is form, "the form stays open to mend the value"


async def test_an_expansion_from_the_form_takes_what_was_typed(workspace) -> None:
    before = {t.id for t in workspace.store.topics.all()}
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x")
        await until(pilot, lambda: app.screen.__class__.__name__ == "ExpandForm")
        assert app.focused is app.screen.query_one("#provider", Select)
        await pilot.press("tab", "end", "ctrl+u", "3", "ctrl+s")  # new topics: 3 instead of 20
        await until(pilot, lambda: "expansion done" in str(app.screen.query_one("#topics-status").render()))
        await settle(pilot)
    added = [t for t in workspace.store.topics.all() if t.id not in before]
    assert len(added) == 3 and all(t.source.value == "expanded" for t in added)
