"""Prompt templates (``data/prompts/``, overridable per workspace) and safe rendering."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from studio.domain.faults import SPECS
from studio.resources import data_file

#: Every template, the rewrite prompts among them: one ``rewrite_<kind>`` per fault kind made by
#: rewriting a normal answer (its spec's ``made = "rewrite"``).
NAMES = (
    "teacher_opening", "teacher_reply", "student_normal", "student_short", "student_chinese",
    "translate_chinese", *(f"rewrite_{s.kind}" for s in SPECS.values() if s.made == "rewrite"), "expand_topics",
    "title_topics", "repair", "judge", "compact_opening", "compact_reply",
)
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
#: ``{topic_name}`` (the topic's Chinese name in rule 5) was ``{title}`` in older workspace templates.
ALIASES = {"topic_name": "title"}


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

    def frame(self, name: str, slot: str, **values: object) -> tuple[str, ...]:
        """Template ``name`` rendered with ``values`` but for ``slot``, cut where ``slot`` goes:
        ``text.join(parts)`` is ``render(name, **values, slot=text)``."""
        return frame(self.template(name), name, slot, **values)

    def source(self, name: str) -> str:
        """Where template ``name`` comes from: the workspace's own file or the shipped one."""
        own = self.folder / f"{name}.txt" if self.folder else None
        return str(own) if own is not None and own.exists() else f"shipped data/prompts/{name}.txt"


#: Templates with a counterpart in the original tutorial (``data/prompts/tutorial/``, verbatim).
TUTORIAL_NAMES = ("teacher_opening", "teacher_reply", "student_normal", "student_short", "translate_chinese",
                  "rewrite_spelling", "rewrite_grammar", "expand_topics")


def tutorial_template(name: str) -> str:
    """The tutorial's own prompt for ``name``, verbatim (see ``data/prompts/tutorial/SOURCE.md``)."""
    if name not in TUTORIAL_NAMES:
        raise TemplateError(f"the tutorial has no prompt for '{name}' (it has: {', '.join(TUTORIAL_NAMES)})")
    return data_file(f"prompts/tutorial/{name}.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=256)
def _pieces(template: str) -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    """The template cut at its placeholders: the literal texts around them, their names in order,
    and the set of names (cut once per template: an export renders one template 40,000 times)."""
    parts = PLACEHOLDER.split(template)  # literal, name, literal, name, …, literal
    return tuple(parts[0::2]), tuple(parts[1::2]), frozenset(parts[1::2])


def render(template: str, name: str = "template", **values: object) -> str:
    """Fill ``{placeholder}``s in one pass over the template only.

    Values are never scanned again, so a topic or an utterance holding ``{chat}`` or any braces
    is inserted literally and cannot inject into the template.
    """
    _aliased(values)
    literals, names, wanted = _pieces(template)
    if not wanted <= values.keys():
        missing = sorted(wanted - values.keys())
        raise TemplateError(f"prompt '{name}' needs values for: {', '.join(missing)}")
    out = [literals[0]]
    for key, literal in zip(names, literals[1:], strict=True):
        out.append(str(values[key]))
        out.append(literal)
    return "".join(out)


def frame(template: str, name: str, slot: str, **values: object) -> tuple[str, ...]:
    """:func:`render` with every value but ``slot``, cut at each place ``slot`` goes, so that
    ``text.join(parts) == render(template, name, **values, slot=text)``: a topic's prompt is rendered
    once and each sample's dialogue put into it (an export renders one topic hundreds of times)."""
    if slot in ALIASES or slot in ALIASES.values():
        raise TemplateError(f"'{slot}' has another name; it cannot be left open")
    _aliased(values)
    literals, names, wanted = _pieces(template)
    if not wanted - {slot} <= values.keys():
        missing = sorted(wanted - {slot} - values.keys())
        raise TemplateError(f"prompt '{name}' needs values for: {', '.join(missing)}")
    parts: list[str] = []
    current = [literals[0]]
    for key, literal in zip(names, literals[1:], strict=True):
        if key == slot:
            parts.append("".join(current))
            current = [literal]
        else:
            current += [str(values[key]), literal]
    parts.append("".join(current))
    return tuple(parts)


def _aliased(values: dict[str, object]) -> None:
    for new_name, old_name in ALIASES.items():  # either name fills both
        if new_name in values and old_name not in values:
            values[old_name] = values[new_name]
        elif old_name in values and new_name not in values:
            values[new_name] = values[old_name]
