"""Prompt templates (``data/prompts/``, overridable per workspace) and safe rendering."""

from __future__ import annotations

import re
from pathlib import Path

from studio.resources import data_file

NAMES = (
    "teacher_opening", "teacher_reply", "student_normal", "student_short", "student_chinese",
    "translate_chinese", "rewrite_spelling", "rewrite_grammar", "expand_topics", "repair", "judge",
)
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class TemplateError(ValueError):
    pass


class Prompts:
    """Templates by name; a workspace's ``prompts/NAME.txt`` replaces the shipped one."""

    def __init__(self, workspace: Path | None = None) -> None:
        self.folder = workspace / "prompts" if workspace else None
        self._cache: dict[str, str] = {}

    def template(self, name: str) -> str:
        if name not in NAMES:
            raise TemplateError(f"no prompt template named '{name}' (known: {', '.join(NAMES)})")
        if name not in self._cache:
            own = self.folder / f"{name}.txt" if self.folder else None
            if own is not None and own.exists():
                self._cache[name] = own.read_text(encoding="utf-8")
            else:
                self._cache[name] = data_file(f"prompts/{name}.txt").read_text(encoding="utf-8")
        return self._cache[name]

    def render(self, name: str, **values: object) -> str:
        return render(self.template(name), name, **values)


def render(template: str, name: str = "template", **values: object) -> str:
    """Fill ``{placeholder}``s in one pass over the template only.

    Values are never scanned again, so a topic or an utterance holding ``{chat}`` or any braces
    is inserted literally and cannot inject into the template.
    """
    missing = sorted({m.group(1) for m in PLACEHOLDER.finditer(template)} - set(values))
    if missing:
        raise TemplateError(f"prompt '{name}' needs values for: {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)
