"""The prompt layout of the original tutorial, read back: sections like ``[主题介绍]`` and the
``teacher:``/``student:`` lines of ``[对话历史]``. Generation, lint, import and the offline
simulator all read prompts through this one parser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOPIC = "主题介绍"
HISTORY = "对话历史"
OPENING = "开场白"

_HEADER = re.compile(r"^\[([^\[\]\n]{1,12})\]\s*$", re.M)
_LINE = re.compile(r"^(teacher|student|老师|学生)\s*[:：]\s*(.*)$", re.I)


def sections(text: str) -> dict[str, str]:
    """Section name → its text (stripped). A later section of the same name wins."""
    found: dict[str, str] = {}
    headers = list(_HEADER.finditer(text))
    for i, m in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        found[m.group(1)] = text[m.end() : end].strip()
    return found


def section_order(text: str) -> list[str]:
    return [m.group(1) for m in _HEADER.finditer(text)]


@dataclass
class PromptView:
    """What a teacher prompt says: the topic, the dialogue so far, and whether it asks for the opening."""

    topic: str = ""
    history: list[tuple[str, str]] = field(default_factory=list)
    opening: bool = False

    @property
    def last_student(self) -> str | None:
        return last_said(self.history, "student")

    @property
    def last_teacher(self) -> str | None:
        return last_said(self.history, "teacher")


def last_said(history: list[tuple[str, str]], role: str) -> str | None:
    """The last thing ``role`` said in a history of ``(role, text)`` turns."""
    return next((text for who, text in reversed(history) if who == role), None)


def parse_history(text: str) -> list[tuple[str, str]]:
    """``teacher: …``/``student: …`` lines; a line without a role continues the previous one."""
    turns: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        m = _LINE.match(line)
        if m:
            role = "teacher" if m.group(1).lower() in ("teacher", "老师") else "student"
            turns.append((role, m.group(2).strip()))
        elif turns:
            role, prev = turns[-1]
            turns[-1] = (role, f"{prev}\n{line}")
    return turns


def read_prompt(text: str) -> PromptView:
    parts = sections(text)
    order = section_order(text)
    return PromptView(
        topic=parts.get(TOPIC, ""),
        history=parse_history(parts.get(HISTORY, "")),
        opening=bool(order) and order[-1] == OPENING or (OPENING in parts and HISTORY not in parts),
    )


def format_history(turns: list[tuple[str, str]]) -> str:
    """The ``[对话历史]`` body: one ``role: text`` line per turn, inner newlines folded."""
    return "\n".join(f"{role}: {' '.join(text.split())}" for role, text in turns)
