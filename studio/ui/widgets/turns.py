"""How one turn of a dialogue looks: a student line with its fault badges, a teacher answer by field."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from studio.domain import StudentTurn, TeacherTurn
from studio.domain.text import visible


def badge(text: str, style: str) -> Text:
    return Text(f" {text} ", style=style)


def student_lines(t: StudentTurn) -> list[Text]:
    """The student's words behind fault badges, and what the injector changed."""
    line = Text("student  ", style="bold cyan")
    line.append_text(badge(t.intended_fault.label, "reverse"))
    if t.observed_fault and t.observed_fault != t.intended_fault:
        line.append(" ")
        line.append_text(badge(f"observed {t.observed_fault.label}", "reverse red"))
    line.append(f"  {t.text}")
    lines = [line]
    if t.injection and t.injection.corrections:
        fixes = "; ".join(f"{w} → {r}" for w, r in t.injection.corrections)
        lines.append(Text(f"          injected ({t.injection.method}): {fixes}", style="dim"))
    elif t.injection and t.injection.original and t.injection.original != t.text:
        lines.append(Text(f"          made by {t.injection.method} from: {t.injection.original}", style="dim"))
    return lines


def teacher_block(t: TeacherTurn) -> RenderableType:
    """Reply, the three Suggestions and the Analysis, with a badge per failed check."""
    head = Text("teacher  ", style="bold green")
    failed = [c.id for c in t.checks if c.severity == "error"]
    head.append_text(badge("✓ checks pass" if not failed else f"✗ {len(failed)} failed", "reverse green" if not failed
                           else "reverse red"))
    for check in failed:
        head.append(" ")
        head.append_text(badge(check, "red"))
    if t.parsed is None:
        return Group(head, Text(visible(t.raw), style="red"), Text(f"    could not be read: {t.parse_error}", style="red"))
    parts: list[RenderableType] = [head, Text.assemble(("  Reply  ", "bold"), t.parsed.reply)]
    for i, s in enumerate(t.parsed.suggestions, 1):
        parts.append(Text.assemble((f"  {i}.  ", "bold dim"), (s, "italic")))
    if t.parsed.analysis:
        parts.append(Text.assemble(("  Analysis  ", "bold"), t.parsed.analysis))
    return Group(*parts)


def turn_block(t: StudentTurn | TeacherTurn) -> RenderableType:
    return Group(*student_lines(t)) if isinstance(t, StudentTurn) else teacher_block(t)


def streaming_block(role: str, text: str) -> RenderableType:
    style = "bold green" if role == "teacher" else "bold cyan"
    return Group(Text(f"{role}  … writing", style=style), Text(visible(text) or "…", style="dim"))
