"""How one turn of a dialogue looks: a student line with its fault badges, a teacher answer by field."""

from __future__ import annotations

from rich.console import Group, RenderableType

from studio.domain import StudentTurn, TeacherTurn
from studio.domain.text import visible
from studio.i18n import _
from studio.turn.shown import fault_label, parse_problems
from studio.ui.safe import Text

ROLES = {"teacher": _("teacher"), "student": _("student")}


def badge(text: str, style: str) -> Text:
    return Text(f" {text} ", style=style)


def student_lines(t: StudentTurn) -> list[Text]:
    """The student's words behind fault badges, and what the injector changed."""
    line = Text(ROLES["student"] + "  ", style="bold cyan")
    line.append_text(badge(fault_label(t.intended_fault), "reverse"))
    if t.observed_fault and t.observed_fault != t.intended_fault:
        line.append(" ")
        line.append_text(badge(_("observed {fault}").format(fault=fault_label(t.observed_fault)), "reverse red"))
    line.append(f"  {t.text}")
    lines = [line]
    if t.injection and t.injection.corrections:
        fixes = "; ".join(f"{w} → {r}" for w, r in t.injection.corrections)
        lines.append(Text("          " + _("injected ({method}): {fixes}").format(method=t.injection.method, fixes=fixes),
                          style="dim"))
    elif t.injection and t.injection.original and t.injection.original != t.text:
        lines.append(Text("          " + _("made by {method} from: {original}").format(
            method=t.injection.method, original=t.injection.original), style="dim"))
    return lines


def teacher_block(t: TeacherTurn) -> RenderableType:
    """Reply, the three Suggestions and the Analysis, with a badge per failed check."""
    head = Text(ROLES["teacher"] + "  ", style="bold green")
    failed = [c.id for c in t.checks if c.severity == "error"]
    head.append_text(badge(_("✓ checks pass") if not failed else _("✗ {n} failed").format(n=len(failed)),
                           "reverse green" if not failed else "reverse red"))
    for check in failed:
        head.append(" ")
        head.append_text(badge(check, "red"))
    if t.parsed is None:
        return Group(head, Text(visible(t.raw), style="red"),
                     Text("    " + _("could not be read: {error}").format(error=parse_problems(t.parse_error or "")), style="red"))
    parts: list[RenderableType] = [head, Text.assemble(("  " + _("Reply") + "  ", "bold"), t.parsed.reply)]
    for i, s in enumerate(t.parsed.suggestions, 1):
        parts.append(Text.assemble((f"  {i}.  ", "bold dim"), (s, "italic")))
    if t.parsed.analysis:
        parts.append(Text.assemble(("  " + _("Analysis") + "  ", "bold"), t.parsed.analysis))
    return Group(*parts)


def turn_block(t: StudentTurn | TeacherTurn) -> RenderableType:
    return Group(*student_lines(t)) if isinstance(t, StudentTurn) else teacher_block(t)


def streaming_block(role: str, text: str) -> RenderableType:
    style = "bold green" if role == "teacher" else "bold cyan"
    return Group(Text(f"{ROLES.get(role, role)}  " + _("… writing"), style=style), Text(visible(text) or "…", style="dim"))
