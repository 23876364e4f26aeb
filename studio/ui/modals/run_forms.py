"""The form that starts a simulated dialogue (the commands' run forms: ``command_forms``)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.widgets import Input, Static

from studio.domain import STUDENT_FAULTS, Topic
from studio.ui.modals.fields import FieldsForm

__all__ = ["FieldsForm", "SimulateForm"]


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
