"""The form that starts a simulated dialogue (the commands' run forms: ``command_forms``)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Input

from studio.domain import STUDENT_FAULTS, Topic
from studio.i18n import _
from studio.ui.modals.fields import FieldsForm
from studio.ui.safe import Static

__all__ = ["FieldsForm", "SimulateForm"]


def _whole(text: str, name: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ValueError(_("{name} must be a whole number, got '{text}'").format(name=name, text=text)) from None
    if not low <= value <= high:
        raise ValueError(_("{name} must be between {low} and {high}").format(name=name, low=low, high=high))
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
    HEADING = _("Simulate a dialogue")
    FIELDS = (("topic", _("topic: type to search its text or title")), ("teacher", _("teacher: provider profile")),
              ("student", _("student: provider profile")),
              ("plan", _("fault plan: mix, or kinds in turn ({kinds})").format(kinds=",".join(STUDENT_FAULTS))),
              ("turns", _("teacher turns: 1-20")))

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
        text = f"→ {found[0].title or found[0].text}" + ("  " + _("(+{n} more)").format(n=len(found) - 1)
                                                          if len(found) > 1 else "") if found else _("no topic matches")
        self.query_one("#topic-match", Static).update(text)

    def result(self) -> SimulateSetup:
        found = find_topic(self.topics, self.value("topic"))
        if not found:
            raise ValueError(_("no topic matches the search; type part of a topic's text or title"))
        unknown = {"teacher": _("unknown teacher provider '{name}' (profiles: {profiles}, or job:<id> for a tuned local "
                                "model)"),
                   "student": _("unknown student provider '{name}' (profiles: {profiles}, or job:<id> for a tuned local "
                                "model)")}
        for role in ("teacher", "student"):
            if self.value(role) not in self.profiles and not self.value(role).startswith("job:"):
                raise ValueError(unknown[role].format(name=self.value(role), profiles=", ".join(self.profiles)))
        return SimulateSetup(found[0], self.value("teacher"), self.value("student"), self.value("plan") or "mix",
                             _whole(self.value("turns"), _("teacher turns"), 1, 20))
