"""The options of an export, declared once: ``studio export``'s flags and the Export form's fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studio.datafiles.formats import FORMATS, names
from studio.domain import FaultKind
from studio.export.export import ExportOptions, check_options
from studio.export.samples import Filters
from studio.i18n import _, _l
from studio.options import (
    ChoiceOption,
    FlagOption,
    Later,
    ListOption,
    NumberOption,
    OptionSet,
    PathOption,
    choices,
)
from studio.turn.context import PROMPT_STYLES

_STYLED = [f for f in FORMATS.values() if f.styles]
_WEIGHTED = ", ".join(f.name for f in FORMATS.values() if f.weights)


_PROMPTS = {"full": _l("full: the tutorial's, every rule"), "compact": _l("compact: one instruction line")}


def _style_help() -> str:
    return _("how the lines are written: ") + "; ".join(
        _("{format}: {styles} (default {default})").format(format=f.name, styles=_(" or ").join(f.styles),
                                                          default=f.styles[0]) for f in _STYLED)


EXPORT = OptionSet((
    ChoiceOption(name="format", short="-f", label=_l("format"), required=True, choices=choices(*names()),
                 noun=_l("dataset format"),
                 help=_l("the dataset format written (each line's shape: see README 'Formats')")),
    NumberOption(name="split", label=_l("train share"), whole=False, low=0, high=1, low_open=True, high_open=True,
                 help=_l("train share, split by topic (e.g. 0.9); no topic is in both; empty: no eval split")),
    ChoiceOption(name="review", label=_l("samples"), default="default", choices=choices(
        ("default", _l("default: approved or passing")), ("approved", _l("approved only")),
        ("passing", _l("passing every check")), ("all", _l("all, rejected ones too"))),
        help=_l("default: approved, or unreviewed and passing the checks; rejected turns never, unless 'all'")),
    ChoiceOption(name="prompt", label=_l("prompt"), default="full",
                 choices=choices(*((s, _PROMPTS.get(s, s)) for s in PROMPT_STYLES)),
        help=_l("the teacher prompt in each sample: full (the tutorial's, every rule) or compact (one instruction "
                "line, topic and dialogue: a model tuned on it learns the rules from the data; a quarter of the "
                "tokens)")),
    ChoiceOption(name="style", label=_l("style"), default="", blank=_l("the format's own"),
                 choices=choices(*sorted({s for f in _STYLED for s in f.styles})),
                 help=Later(_style_help)),
    FlagOption(name="dialogues", label=_l("whole dialogues"),
               help=Later(lambda: _("{formats}: whole dialogues with a per-turn weight instead of one sample per "
                                    "teacher turn").format(formats=_WEIGHTED))),
    FlagOption(name="require_pass", label=_l("passing only"), help=_l("only samples that pass every check")),
    NumberOption(name="seed", label=_l("seed"), default=0, form=False, help=_l("seed of the topic split")),
    ListOption(name="faults", label=_l("faults"), form=False,
               item=ChoiceOption(name="fault", label="fault", noun=_l("fault kind"),
                                 choices=choices(*(k.value for k in FaultKind))),
               help=_l("only these student faults (comma-separated; 'opening' for opening turns)")),
    ListOption(name="runs", label=_l("runs"), form=False, help=_l("only these runs (comma-separated ids)")),
    ListOption(name="topics", label=_l("topics"), form=False, help=_l("only these topics (comma-separated ids)")),
    PathOption(name="out", label=_l("folder"), form=False,
               help=_l("folder to write (default: exports/<snapshot id> in the workspace)")),
    NumberOption(name="max_tokens", label=_l("max tokens"), default=2048, low=1, form=False,
                 help=_l("samples longer than this are reported as over-long")),
    NumberOption(name="epochs", label=_l("epochs"), default=3, low=1, form=False,
                 help=_l("for the training-token estimate")),
    NumberOption(name="train_price", label=_l("training price"), whole=False, low=0, form=False,
                 help=_l("price per 1k training tokens, for the cost estimate")),
    FlagOption(name="dry_run", label=_l("dry run"), form=False, help=_l("print the pre-flight report and write nothing")),
    FlagOption(name="json", label="json", form=False, help=_l("print the report and the snapshot as JSON")),
))


def export_options(values: Mapping[str, Any]) -> ExportOptions:
    """The export an option set's values ask for (a form's or a command line's), checked."""
    v = {**EXPORT.defaults(), **values}
    filters = Filters(review=v["review"], faults=v["faults"] or [], runs=v["runs"] or [], topics=v["topics"] or [],
                      require_pass=v["require_pass"])
    opts = ExportOptions(format=v["format"], out=v["out"], split=v["split"], seed=v["seed"], dialogues=v["dialogues"],
                         style=v["style"] or "", prompt=v["prompt"], filters=filters, max_tokens=v["max_tokens"],
                         epochs=v["epochs"], train_price=v["train_price"])
    check_options(opts)
    return opts
