"""The detail of one sample: the dialogue up to it, the answer by field with failed checks marked, the rubric
limits, who reviewed it and its history.

The detail is two parts: the earlier dialogue (``#sample-before``) and, from the student line being answered
on (``#sample-body``), what a reviewer decides on. The view scrolls to the student line, so the answer shows
whole on a small terminal and the earlier dialogue is a scroll up.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Group, RenderableType
from textual.containers import VerticalScroll

from studio.domain import Dialogue, StudentTurn, TeacherTurn, TurnKind
from studio.domain.rubric import limits
from studio.domain.text import visible
from studio.evaluate.agreement import turn_decisions
from studio.i18n import _
from studio.turn.shown import parse_problems
from studio.ui.safe import Static, Text, heading
from studio.ui.widgets.answer_fields import answer_table, by_part, check_line
from studio.ui.widgets.turns import ROLES, student_lines
from studio.ui.words import word

CHANGES = {"review": _("review"), "raw": _("answer edited"), "train_weight": _("training weight")}


@dataclass
class Shown:
    """A sample as the detail shows it: the earlier dialogue, the part decided on, and both as plain text."""

    before: list[RenderableType] = field(default_factory=list)
    body: list[RenderableType] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)
    heading: str = ""  # the detail's border title: which turn, its review, weight and attempts

    def add(self, part: RenderableType, plain: str | None = None, *, before: bool = False) -> None:
        (self.before if before else self.body).append(part)
        self.plain.append(plain if plain is not None else getattr(part, "plain", ""))


def _answer(turn: TeacherTurn, shown: Shown) -> None:
    if turn.parsed:
        grid, plain = answer_table(turn.parsed.reply, list(turn.parsed.suggestions), turn.parsed.analysis,
                                   turn.checks)
        shown.add(grid, "\n".join(plain))
        return
    shown.add(Text(visible(turn.raw), style="red"))
    shown.add(Text("    ✗ " + _("could not be read: {error}").format(error=parse_problems(turn.parse_error or "")),
                   style="red"))
    for checks in by_part(turn.checks).values():
        for c in checks:
            shown.add(Text(check_line(c), style="red" if c.severity == "error" else "yellow"))


def reviewed_by(turn: TeacherTurn) -> str:
    """Each reviewer's standing decision ("—" when nobody decided yet)."""
    mine = turn_decisions(e.model_dump() for e in turn.edits)
    return ", ".join(f"{who or '?'} {'✓' if status == 'approved' else '✗'} {word(status)}"
                     for who, status in sorted(mine.items())) or "—"


def history_lines(turn: TeacherTurn) -> list[str]:
    """Every review decision and change of the sample, oldest first: when, who, what."""
    lines = []
    for e in turn.edits:
        what = CHANGES.get(e.field, e.field)
        change = e.note if e.field == "raw" else f"{word(e.before or '—')} → {word(e.after or '—')}"
        lines.append(f"{e.at:%Y-%m-%d %H:%M}  {e.author or '?'}  {what}: {change}")
    return lines


def render_sample(d: Dialogue, index: int, topic: str) -> Shown:
    shown = Shown()
    shown.add(Text(topic, style="bold"), before=True)
    last_student = max((i for i, t in enumerate(d.turns[:index]) if isinstance(t, StudentTurn)), default=-1)
    for i, t in enumerate(d.turns[: index + 1]):
        if isinstance(t, StudentTurn):
            for line in student_lines(t):
                shown.add(line, before=i != last_student)
        elif isinstance(t, TeacherTurn) and i < index:
            said = t.parsed.reply if t.parsed else visible(t.raw)
            shown.add(Text.assemble((ROLES["teacher"] + "  ", "bold green"), said), before=True)
    turn = d.turns[index]
    assert isinstance(turn, TeacherTurn)
    shown.heading = _("teacher answer · turn {turn} · review {review} · weight {weight} · attempts {attempts}").format(
        turn=index, review=word(turn.review.value), weight=turn.train_weight, attempts=turn.attempts)
    shown.plain.append(shown.heading)
    _answer(turn, shown)
    cap = limits([c.id for c in turn.checks if c.severity == "error"], opening=turn.kind == TurnKind.OPENING)
    shown.add(Text(_("rubric limits: compliance {compliance} · reply {reply} · suggestion {suggestion} · "
                     "analysis {analysis}").format(compliance=cap.compliance, reply=cap.reply,
                                                   suggestion=cap.suggestion, analysis=cap.analysis), style="italic"))
    shown.add(Text(_("reviewed by: {reviewers}").format(reviewers=reviewed_by(turn)), style="dim"))
    history = history_lines(turn)
    if history:
        shown.add(Text(_("history:"), style="dim"))
        for event in history:
            shown.add(Text("  " + event, style="dim"))
    return shown


class SampleView(VerticalScroll):
    HELP = _("The whole dialogue up to the selected teacher turn, with the student's fault badges and what the "
             "injector changed, then the teacher's answer with every failed check next to the field it concerns, "
             "and the most each rubric dimension can score given those checks.")
    PART_NAME = _("Sample detail")

    def compose(self):
        yield Static("", id="sample-before")
        yield Static(_("Select a sample."), id="sample-body")

    plain = ""

    def show(self, renderable: RenderableType | Shown) -> None:
        """Show a sample (or a message, or streamed text); ``plain`` keeps its text for tests and copying.
        A sample opens at the student line it answers: the earlier dialogue is a scroll up."""
        before = self.query_one("#sample-before", Static)
        body = self.query_one("#sample-body", Static)
        if isinstance(renderable, Shown):
            self.plain = "\n".join(renderable.plain)
            self.border_title = heading(renderable.heading)
            before.update(Group(*renderable.before))
            before.display = bool(renderable.before)
            body.update(Group(*renderable.body))
            self._anchored = False  # scrolled to the answer once the new parts are laid out (watch_virtual_size)
            self.call_after_refresh(self._to_answer)
            return
        parts = renderable.renderables if isinstance(renderable, Group) else [renderable]
        self.plain = "\n".join(getattr(p, "plain", str(p)) for p in parts)
        self.border_title = heading("")
        before.update("")
        before.display = False
        body.update(renderable)
        self._anchored = True
        self.scroll_home(animate=False)

    _anchored = True

    def watch_virtual_size(self) -> None:
        if not self._anchored:
            self._to_answer()

    def _to_answer(self) -> None:
        before = self.query_one("#sample-before", Static)
        y = before.outer_size.height if before.display else 0
        self.scroll_to(y=y, animate=False, immediate=True)
        self._anchored = self.scroll_y == min(y, self.max_scroll_y) and before.outer_size.height == before.virtual_size.height
