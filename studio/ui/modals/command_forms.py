"""The run forms of the commands: each is its command's declared options (the same fields, defaults,
choices and help as the flags) with the checks the command makes across them. Each is dismissed
with the options' values, which the pane hands to the same function the command uses."""

from __future__ import annotations

from typing import Any

from studio.evaluate.options import EVAL_MAKE, EVAL_RUN
from studio.export.options import EXPORT, export_options
from studio.i18n import _l
from studio.synth.options import EXPAND, GENERATE
from studio.train.options import SWEEP, specs
from studio.ui.modals.option_form import OptionsForm


class ExportForm(OptionsForm):
    """``studio export``."""

    HEADING = _l("Export an SFT dataset (a snapshot jobs and eval sets can name)")
    OPTIONS = EXPORT
    SUBMIT = _l("exports")

    def check(self, values: dict[str, Any]) -> None:
        export_options(values)


class GenerateForm(OptionsForm):
    """``studio generate``; the teacher and student are chosen among the workspace's profiles."""

    HEADING = _l("Start a generation run")
    OPTIONS = GENERATE


class JobForm(OptionsForm):
    """``studio train sweep`` (one value in each list: ``studio train start``)."""

    HEADING = _l("Start a fine-tune job (several values in a list make a sweep)")
    OPTIONS = SWEEP

    def check(self, values: dict[str, Any]) -> None:
        specs(values)  # every point must be valid before anything is queued


class ExpandForm(OptionsForm):
    """``studio topics expand``."""

    HEADING = _l("Expand the topic pool (self-instruct)")
    OPTIONS = EXPAND


class EvalMakeForm(OptionsForm):
    """``studio eval make``."""

    HEADING = _l("Make an eval set from held-out dialogues")
    OPTIONS = EVAL_MAKE
    SUBMIT = _l("makes it")


class EvalRunForm(OptionsForm):
    """``studio eval run``; the judge is chosen among the workspace's profiles."""

    HEADING = _l("Run a model on an eval set")
    OPTIONS = EVAL_RUN
