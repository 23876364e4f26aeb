"""The options of a generation run and of a topic expansion, declared once: ``studio generate`` and
``studio topics expand``'s flags, the Generate and Expand forms' fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from studio.config import Config
from studio.domain import DEFAULT_MIX, STUDENT_FAULTS, FaultKind, Mix, MixError, RunConfig
from studio.i18n import _, _l, told
from studio.options import (
    ChoiceOption,
    FlagOption,
    Later,
    NumberOption,
    Option,
    OptionSet,
    Problem,
    choices,
)
from studio.synth.topic_guard import DEFAULT_THRESHOLD

MAX_DIALOGUES = 1_000_000


@dataclass(frozen=True, kw_only=True)
class MixOption(Option):
    """Fault weights: KIND=WEIGHT pairs, or one weight per kind in fault order (``Mix.parse``)."""

    def convert(self, value: str) -> dict[str, float]:
        try:
            mix = Mix.parse(value)
        except MixError as exc:
            raise Problem(told(exc)) from None
        return {k.value: w for k, w in mix.weights.items()}

    def text(self, value: Any) -> str:
        return "" if not value else Mix.of(value).text()


def _mix_help() -> str:
    pairs = ",".join(f"{k}={w:g}" for k, w in DEFAULT_MIX.weights.items())
    return _("fault weights: {kinds} in turn ({default}), or KIND=WEIGHT pairs ({pairs}); relative: normalised to "
             "shares (sum {total:g} is fine); default: config.toml's [mix]").format(
        kinds=":".join(k.value for k in STUDENT_FAULTS), default=DEFAULT_MIX.text(), pairs=pairs,
        total=DEFAULT_MIX.total)


GENERATE = OptionSet((
    NumberOption(name="dialogues", short="-n", label=_l("dialogues"), default=20, low=1, high=MAX_DIALOGUES,
                 help=Later(lambda: _("number of dialogues, 1 to {most} (default 20)").format(most=MAX_DIALOGUES))),
    NumberOption(name="turns", label=_l("teacher turns"), default=4, low=1, high=20,
                 help=_l("teacher turns per dialogue, 1 to 20 (default 4)")),
    Option(name="teacher", label=_l("teacher"), help=_l("provider profile for the teacher (default: config "
                                                         "studio.teacher)")),
    Option(name="student", label=_l("student"), help=_l("provider profile for the student (default: config "
                                                         "studio.student)")),
    NumberOption(name="concurrency", short="-c", label=_l("at once"), default=8, low=1, high=256,
                 help=_l("dialogues made in parallel, 1 to 256 (default 8)")),
    MixOption(name="mix", label=_l("fault mix"), help=Later(_mix_help)),
    ChoiceOption(name="rewrite", label=_l("spelling/grammar"), default="injector", choices=choices(
        ("injector", _l("injector: deterministic rules")), ("llm", _l("llm: a model rewrites"))),
        help=_l("make spelling/grammar faults with the deterministic injectors or an LLM rewrite")),
    ChoiceOption(name="chinese", label=_l("Chinese answers"), default="answer", choices=choices(
        ("answer", _l("answer: said in Chinese")), ("translate", _l("translate: its English answer"))),
        help=_l("Chinese answers: the student answers in Chinese, or its English answer is translated")),
    ChoiceOption(name="off_topic", label=_l("off-topic answers"), default="bank", choices=choices(
        ("bank", _l("bank: lines from the off-topic bank")), ("llm", _l("llm: about another topic"))),
        help=_l("off-topic answers: lines from the off-topic bank, or an answer about another topic")),
    NumberOption(name="seed", label=_l("seed"), default=0, low=0, high=2**63 - 1, form=False,
                 help=_l("same seed, same plan and (from the cache) the same answers; default 0")),
    NumberOption(name="repairs", label=_l("repairs"), default=2, low=0, high=10, form=False,
                 help=_l("repair attempts per failing teacher turn, 0 to 10 (default 2)")),
    FlagOption(name="no_cache", label=_l("no cache"), form=False,
               help=_l("do not reuse cached responses (sampling variety)")),
    NumberOption(name="max_cost", label=_l("most cost"), whole=False, low=0, high=1e12, low_open=True, form=False,
                 help=_l("never spend more than this (each request reserves its worst case first)")),
    NumberOption(name="max_calls", label=_l("most calls"), low=1, high=10**9, form=False,
                 help=_l("never send more requests than this, retries included")),
    Option(name="resume", label=_l("resume"), metavar="RUN", form=False, help=_l("continue a stopped or killed run")),
    FlagOption(name="json", label="json", form=False, help=_l("print the final summary as JSON")),
))


def run_config(values: Mapping[str, Any], config: Config) -> RunConfig:
    """The generation run an option set's values ask for; what they leave out comes from the workspace's config."""
    v = {**GENERATE.defaults(), **values}
    mix = v["mix"] if v["mix"] else config.mix
    return RunConfig(
        dialogues=v["dialogues"], teacher_turns=v["turns"], concurrency=v["concurrency"], seed=v["seed"],
        teacher_provider=v["teacher"] or config.studio.teacher, student_provider=v["student"] or config.studio.student,
        mix={FaultKind(k): w for k, w in Mix.of(mix).weights.items()}, use_cache=not v["no_cache"],
        repairs=v["repairs"], rewrite=v["rewrite"], chinese=v["chinese"], off_topic=v["off_topic"],
        max_cost=v["max_cost"], max_calls=v["max_calls"])


EXPAND = OptionSet((
    Option(name="provider", label=_l("provider"), help=_l("provider profile that writes new topics (default: config "
                                                          "studio.teacher)")),
    NumberOption(name="n", label=_l("new topics"), default=20, low=1,
                 help=_l("how many new topics to accept (default 20)")),
    NumberOption(name="threshold", label=_l("near-duplicate at"), whole=False, default=DEFAULT_THRESHOLD, low=0,
                 high=1, low_open=True,
                 help=Later(lambda: _("similarity at or above which a topic is a near-duplicate (default "
                                      "{default})").format(default=DEFAULT_THRESHOLD))),
    NumberOption(name="examples", label=_l("examples"), default=3, low=1,
                 help=_l("pool topics shown as examples each round (default 3)")),
    NumberOption(name="seed", label=_l("seed"), default=0, form=False, help=_l("seed of the example draws")),
    FlagOption(name="json", label="json", form=False, help=_l("print the accepted and rejected topics as JSON")),
))
