"""The detail of one sample: the dialogue up to it, the answer with failed checks marked, the rubric limits."""

from __future__ import annotations

import json

from rich.console import Group, RenderableType
from textual.containers import VerticalScroll

from studio.domain import Dialogue, StudentTurn, TeacherTurn, TurnKind
from studio.domain.rubric import limits
from studio.domain.text import visible
from studio.i18n import _
from studio.turn.shown import check_message, parse_problems
from studio.ui.safe import Static, Text
from studio.ui.widgets.turns import ROLES, student_lines
from studio.ui.words import word

FIELD_OF = {"reply": "Reply", "suggestion": "Suggestion", "analysis": "Analysis", "fault": "Analysis"}


def render_sample(d: Dialogue, index: int, topic: str) -> RenderableType:
    parts: list[RenderableType] = [Text(topic, style="bold"), Text("")]
    for i, t in enumerate(d.turns[: index + 1]):
        if isinstance(t, StudentTurn):
            parts.extend(student_lines(t))
        elif isinstance(t, TeacherTurn) and i < index:
            said = t.parsed.reply if t.parsed else visible(t.raw)
            parts.append(Text.assemble((ROLES["teacher"] + "  ", "bold green"), said))
    turn = d.turns[index]
    assert isinstance(turn, TeacherTurn)
    parts += [Text(""), Text(_("teacher answer · turn {turn} · review {review} · weight {weight} · attempts {attempts}").format(
        turn=index, review=word(turn.review.value), weight=turn.train_weight, attempts=turn.attempts), style="bold")]
    failed_fields: dict[str, list[str]] = {}
    for c in turn.checks:
        field = FIELD_OF.get(c.id.split(".")[0], "")
        failed_fields.setdefault(field, []).append(f"{'✗' if c.severity == 'error' else '!'} {c.id}: {check_message(c)}")
    if turn.parsed:
        for key, value in turn.parsed.to_contract().items():
            style = "bold red" if key in failed_fields else ""
            shown = json.dumps(value, ensure_ascii=False, indent=2) if isinstance(value, list) else value
            parts.append(Text.assemble((f"{key}: ", "bold"), (str(shown), style)))
            for message in failed_fields.get(key, []):
                parts.append(Text(f"    {message}", style="red"))
    else:
        parts.append(Text(visible(turn.raw), style="red"))
        parts.append(Text("    ✗ " + _("could not be read: {error}").format(error=parse_problems(turn.parse_error or "")), style="red"))
    for message in failed_fields.get("", []):
        parts.append(Text(message, style="yellow"))
    cap = limits([c.id for c in turn.checks if c.severity == "error"], opening=turn.kind == TurnKind.OPENING)
    parts += [Text(""), Text(_("rubric limits: compliance {compliance} · reply {reply} · suggestion {suggestion} · "
                               "analysis {analysis}").format(compliance=cap.compliance, reply=cap.reply,
                                                             suggestion=cap.suggestion, analysis=cap.analysis),
                             style="italic")]
    if turn.edits:
        last = turn.edits[-1]
        parts.append(Text(_("last change: {field} by {author} at {time} ({note})").format(
            field=last.field, author=last.author, time=f"{last.at:%Y-%m-%d %H:%M}", note=last.note), style="dim"))
    return Group(*parts)


class SampleView(VerticalScroll):
    HELP = _("The whole dialogue up to the selected teacher turn, with the student's fault badges and what the "
             "injector changed, then the teacher's answer with every failed check next to the field it concerns, "
             "and the most each rubric dimension can score given those checks.")
    PART_NAME = _("Sample detail")

    def compose(self):
        yield Static(_("Select a sample."), id="sample-body")

    plain = ""

    def show(self, renderable: RenderableType) -> None:
        """Show a sample (or streamed text); ``plain`` keeps its text for tests and copying."""
        parts = renderable.renderables if isinstance(renderable, Group) else [renderable]
        self.plain = "\n".join(getattr(p, "plain", str(p)) for p in parts)
        self.query_one("#sample-body", Static).update(renderable)
        self.scroll_home(animate=False)
