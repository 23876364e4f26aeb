"""Forms that start model work: a simulated dialogue, and a generation run."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Input, Static

from studio.datafiles.formats import by_name, names
from studio.domain import DEFAULT_MIX, STUDENT_FAULTS, Mix, MixError, Topic
from studio.ui.modals.fields import FieldsForm

__all__ = ["FieldsForm", "GenerateForm", "SimulateForm", "ExportForm"]


def _whole(text: str, name: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got '{text}'") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}")
    return value


@dataclass
class SimulateSetup:
    topic: Topic
    teacher: str
    student: str
    plan: str
    turns: int


def find_topic(topics: list[Topic], query: str) -> list[Topic]:
    q = query.strip().lower()
    return [t for t in topics if not q or q in f"{t.id} {t.title} {t.text}".lower()]


class SimulateForm(FieldsForm):
    HEADING = "Simulate a dialogue"
    FIELDS = (("topic", "topic: type to search its text or title"), ("teacher", "teacher: provider profile"),
              ("student", "student: provider profile"),
              ("plan", f"fault plan: mix, or kinds in turn ({','.join(STUDENT_FAULTS)})"),
              ("turns", "teacher turns: 1-20"))

    def __init__(self, values: dict[str, str], topics: list[Topic], profiles: list[str]) -> None:
        super().__init__(values)
        self.topics, self.profiles = topics, profiles

    def below(self, field_id: str) -> ComposeResult:
        if field_id == "topic":
            yield Static("", id="topic-match", classes="hint")

    def on_mount(self) -> None:
        super().on_mount()
        self._match(self.value("topic"))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "topic":
            self._match(event.value)

    def _match(self, query: str) -> None:
        found = find_topic(self.topics, query)
        text = f"→ {found[0].title or found[0].text}" + (f"  (+{len(found) - 1} more)" if len(found) > 1 else "") \
            if found else "no topic matches"
        self.query_one("#topic-match", Static).update(text)

    def result(self) -> SimulateSetup:
        found = find_topic(self.topics, self.value("topic"))
        if not found:
            raise ValueError("no topic matches the search; type part of a topic's text or title")
        for role in ("teacher", "student"):
            if self.value(role) not in self.profiles and not self.value(role).startswith("job:"):
                raise ValueError(f"unknown {role} provider '{self.value(role)}' (profiles: {', '.join(self.profiles)}, "
                                 "or job:<id> for a tuned local model)")
        return SimulateSetup(found[0], self.value("teacher"), self.value("student"), self.value("plan") or "mix",
                             _whole(self.value("turns"), "teacher turns", 1, 20))


@dataclass
class GenerateSetup:
    dialogues: int
    teacher: str
    student: str
    concurrency: int
    mix: dict[str, float]


class GenerateForm(FieldsForm):
    HEADING = "Start a generation run"
    FIELDS = (("dialogues", "dialogues: how many to make"), ("teacher", "teacher: provider profile"),
              ("student", "student: provider profile"), ("concurrency", "at once: dialogues made in parallel"),
              ("mix", f"fault mix: {':'.join(STUDENT_FAULTS)} weights"))

    def __init__(self, values: dict[str, str], profiles: list[str]) -> None:
        super().__init__(values)
        self.profiles = profiles

    def below(self, field_id: str) -> ComposeResult:
        if field_id == "mix":
            yield Static(f"relative weights: normalised to shares, so {DEFAULT_MIX.text()} (sum {DEFAULT_MIX.total:g}) "
                         "is fine", classes="hint")

    def result(self) -> GenerateSetup:
        for role in ("teacher", "student"):
            if self.value(role) not in self.profiles:
                raise ValueError(f"unknown {role} provider '{self.value(role)}' (profiles: {', '.join(self.profiles)})")
        return GenerateSetup(_whole(self.value("dialogues"), "dialogues", 1, 1_000_000), self.value("teacher"),
                             self.value("student"), _whole(self.value("concurrency"), "concurrency", 1, 512),
                             parse_mix(self.value("mix")))


def parse_mix(text: str) -> dict[str, float]:
    try:
        mix = Mix.parse(text)
    except MixError as exc:
        raise ValueError(f"mix: {exc}") from None
    return {k.value: w for k, w in mix.weights.items()}


def mix_text(weights: dict[str, float]) -> str:
    return ":".join(f"{weights.get(k.value, 0):g}" for k in STUDENT_FAULTS)


@dataclass
class ExportSetup:
    format: str
    split: float | None
    review: str


class ExportForm(FieldsForm):
    HEADING = "Export an SFT dataset (a snapshot jobs and eval sets can name)"
    SUBMIT = "exports"
    FIELDS = (("format", f"format: {', '.join(names())}"),
              ("split", "train share: split by topic, e.g. 0.9 (empty: no eval split)"),
              ("review", "samples: default (approved, or unreviewed and passing), approved, passing, all"))

    def result(self) -> ExportSetup:
        fmt = by_name(self.value("format")).name  # an unknown name: the one-line error lists the known ones
        review = self.value("review") or "default"
        if review not in ("default", "approved", "passing", "all"):
            raise ValueError(f"which samples: default, approved, passing or all, got '{review}'")
        split = None
        if self.value("split"):
            try:
                split = float(self.value("split"))
            except ValueError:
                raise ValueError(f"train share: a number between 0 and 1, got '{self.value('split')}'") from None
            if not 0 < split < 1:
                raise ValueError("train share: a number between 0 and 1 (0.9 keeps 10 % of topics for evaluation)")
        return ExportSetup(fmt, split, review)
