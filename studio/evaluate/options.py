"""The options of a new eval set and of an eval run, declared once: ``studio eval make`` and ``studio
eval run``'s flags, the Eval pane's two forms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studio.datafiles.formats import names
from studio.domain import EvalSet
from studio.evaluate.sets import import_set, make_set
from studio.i18n import _, _l
from studio.options import FlagOption, Later, NumberOption, Option, OptionSet, PathOption
from studio.store import Store
from studio.turn.prompts import Prompts

EVAL_MAKE = OptionSet((
    NumberOption(name="n", label=_l("items"), default=50, low=1,
                 help=_l("items, from topics no snapshot trained on (default 50)")),
    NumberOption(name="per_fault", label=_l("per fault"), low=1,
                 help=_l("at most this many items per fault kind (empty: no limit)")),
    Option(name="snapshot", label=_l("snapshot"),
           help=_l("use the held-out topics of this export snapshot (empty: topics no snapshot trained on)")),
    Option(name="name", label=_l("name"), default="", help=_l("a name to know the set by")),
    NumberOption(name="seed", label=_l("seed"), default=0, help=_l("seed of the draw")),
    PathOption(name="source", flag="from", label=_l("from file"), form=False,
               help=Later(lambda: _("import a dataset file instead (any of: {formats})").format(
                   formats=", ".join(names())))),
    FlagOption(name="json", label="json", form=False, help=_l("print the set as JSON")),
))

EVAL_RUN = OptionSet((
    Option(name="model", label=_l("model"), required=True,
           help=_l("provider profile, job:<id> for a finished local job, or local:<folder> for a transformers "
                   "model folder")),
    Option(name="set_id", flag="set", label=_l("eval set"), help=_l("eval set (default: the newest)")),
    Option(name="judge", label=_l("judge"),
           help=_l("provider profile that scores reply/suggestion/analysis (default: checks only)")),
    NumberOption(name="concurrency", label=_l("at once"), default=8, low=1, high=256,
                 help=_l("items answered in parallel (default 8)")),
    FlagOption(name="json", label="json", form=False, help=_l("print the summary as JSON")),
))


def make_or_import(store: Store, prompts: Prompts, values: Mapping[str, Any]) -> EvalSet:
    """The eval set an option set's values ask for: imported from a file, or frozen from held-out dialogues."""
    v = {**EVAL_MAKE.defaults(), **values}
    if v["source"]:
        return import_set(store, v["source"], v["name"])
    return make_set(store, prompts, n=v["n"], per_fault=v["per_fault"], snapshot_id=v["snapshot"] or None,
                    seed=v["seed"], name=v["name"])
