"""The prompt layout of the original tutorial, read back: sections like ``[主题介绍]`` and the
``teacher:``/``student:`` lines of ``[对话历史]``. Generation, lint, import and the offline
simulator all read prompts through this one parser."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

TOPIC = "主题介绍"
HISTORY = "对话历史"
OPENING = "开场白"

#: A heading alone on its line, or (one of :data:`INLINE`) followed by its text: ``[主题介绍] 两位同学…``;
#: a match counts where it starts a line (the pattern starts with its bracket, which the scan finds fast).
_HEADER = re.compile(r"\[([^\[\]\n]{1,12})\][ \t]*([^\n]*)$", re.M)
#: The sections whose text may start on the heading's own line (a workspace template may write them so).
INLINE = (TOPIC, "主题名称", HISTORY)
#: A line that looks like a heading, in any bracket: ``[主题介绍]`` is one this layout reads, ``【主题介绍】`` is not.
_HEADING_LIKE = re.compile(r"^\s*([\[【［〔][^\[\]【】［］〔〕\n]{1,12}[\]】］〕])\s*$", re.M)
_LINE = re.compile(r"^(teacher|student|老师|学生)\s*[:：]\s*(.*)$", re.I)


def _headers(text: str) -> list[re.Match[str]]:
    # no match spans a line's end, so each one at a line's start is found as a ``^``-anchored scan finds it
    return [m for m in _HEADER.finditer(text) if (not m.start() or text[m.start() - 1] == "\n")
            and (not m.group(2).strip() or m.group(1) in INLINE)]


def sections(text: str) -> dict[str, str]:
    """Section name → its text (stripped). A later section of the same name wins."""
    return _sections(text, _headers(text))


def _sections(text: str, headers: list[re.Match[str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for i, m in enumerate(headers):
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        found[m.group(1)] = text[m.start(2) : end].strip()
    return found


def section_order(text: str) -> list[str]:
    return [m.group(1) for m in _headers(text)]


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
    headers = _headers(text)
    parts = _sections(text, headers)
    order = [m.group(1) for m in headers]
    return PromptView(
        topic=parts.get(TOPIC, ""),
        history=parse_history(parts.get(HISTORY, "")),
        opening=bool(order) and order[-1] == OPENING or (OPENING in parts and HISTORY not in parts),
    )


def format_history(turns: list[tuple[str, str]]) -> str:
    """The ``[对话历史]`` body: one ``role: text`` line per turn, inner newlines folded."""
    return "\n".join(f"{role}: {' '.join(text.split())}" for role, text in turns)


def headings(text: str) -> list[str]:
    """The lines of ``text`` that look like section headings, as written, once each and in order."""
    return list(dict.fromkeys(m.group(1) for m in _HEADING_LIKE.finditer(text)))


def layout_problem(topic: str, history: list[tuple[str, str]], *, opening: bool, texts: Iterable[str]) -> str | None:
    """What keeps a teacher turn's context from being read: no topic, or a reply with no student turn in
    the dialogue before it (None: both found). The headings seen in ``texts`` (the prompt, the system
    message) are named, the usual cause being one written another way (【主题介绍】 for [主题介绍])."""
    missing = []
    if not topic:
        missing.append(f"no topic (a [{TOPIC}] section)")
    if not opening and last_said(history, "student") is None:
        missing.append(f"no student turn to answer (a [{HISTORY}] section of 'student: …' lines; an opening "
                       f"ends with [{OPENING}])")
    if not missing:
        return None
    seen = list(dict.fromkeys(h for text in texts for h in headings(text)))
    return "; ".join(missing) + (f"; headings seen: {', '.join(seen)}" if seen else "; no section headings in it")
