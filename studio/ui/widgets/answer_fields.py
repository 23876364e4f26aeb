"""A teacher answer as its fields (Reply, the three Suggestions, Analysis), each with the checks it fails beside it.

One place says which field a check concerns (``field_of``), so the Samples detail, the answer editor and
the blind review mark the same field for the same check.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from studio.domain import CheckResult, jsondepth
from studio.i18n import _
from studio.turn.shown import check_message
from studio.ui.safe import Table, Text

#: The answer's fields in the order a reviewer reads them: (id, the contract key).
FIELDS = (("reply", "Reply"), ("suggestion1", "Suggestion"), ("suggestion2", "Suggestion"),
          ("suggestion3", "Suggestion"), ("analysis", "Analysis"))
SUGGESTIONS = 3
# A check's id starts with the part of the answer it is about; a fault check is about the Analysis.
_PART = {"reply": "reply", "suggestion": "suggestions", "analysis": "analysis", "fault": "analysis"}


def label(field: str) -> str:
    """A field's name as shown: Reply, Suggestion 1…3, Analysis."""
    if field.startswith("suggestion"):
        return _("Suggestion {n}").format(n=field[-1])
    return {"reply": _("Reply"), "analysis": _("Analysis")}[field]


def part_of(check_id: str) -> str:
    """The part of an answer a check is about: reply, suggestions, analysis, or "" (the whole answer)."""
    return _PART.get(check_id.split(".")[0], "")


def check_line(c: CheckResult) -> str:
    return f"{'✗' if c.severity == 'error' else '!'} {c.id}: {check_message(c)}"


def by_part(checks: Iterable[CheckResult]) -> dict[str, list[CheckResult]]:
    out: dict[str, list[CheckResult]] = {}
    for c in checks:
        out.setdefault(part_of(c.id), []).append(c)
    return out


def values_of(raw: str) -> tuple[dict[str, str] | None, str]:
    """The fields of a raw answer, or None and why it cannot be shown as fields (then it is edited raw)."""
    try:
        obj = jsondepth.loads(raw)  # the depth guard first: a 3,000-deep answer is refused, never recursed into
    except ValueError as exc:
        return None, _("the answer is not JSON ({error}): edit it as text").format(error=exc)
    if not isinstance(obj, dict):
        return None, _("the answer is not a JSON object: edit it as text")
    suggestions = obj.get("Suggestion", [])
    if not isinstance(suggestions, list) or len(suggestions) > SUGGESTIONS or \
            not all(isinstance(s, str) for s in suggestions) or \
            not all(isinstance(obj.get(k, ""), str) for k in ("Reply", "Analysis")) or \
            set(obj) - {"Reply", "Suggestion", "Analysis"}:
        return None, _("the answer is not Reply, up to three Suggestions and Analysis as text: edit it as text")
    values = {"reply": obj.get("Reply", ""), "analysis": obj.get("Analysis", "")}
    for n in range(SUGGESTIONS):
        values[f"suggestion{n + 1}"] = suggestions[n] if n < len(suggestions) else ""
    return values, ""


def contract_json(values: dict[str, str], analysis: bool = True) -> str:
    """The fields as the contract's JSON (empty Suggestions left out: the checks say if three are owed;
    ``analysis``: whether the answer has an Analysis, an opening turn's has none)."""
    suggestions = [values.get(f"suggestion{n + 1}", "") for n in range(SUGGESTIONS)]
    obj: dict[str, object] = {"Reply": values.get("reply", ""), "Suggestion": [s for s in suggestions if s]}
    if analysis:
        obj["Analysis"] = values.get("analysis", "")
    return json.dumps(obj, ensure_ascii=False)


def answer_table(reply: str, suggestions: list[str], analysis: str | None,
                 checks: Iterable[CheckResult]) -> tuple[Table, list[str]]:
    """The fields in two columns (name, text), the failed checks of each under it, red where one fails;
    and the same as plain lines (for copying and tests)."""
    plain: list[str] = []
    failed = by_part(checks)
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    rows: list[tuple[str, str, str]] = [("reply", label("reply"), reply)]
    rows += [("suggestions", label(f"suggestion{n + 1}"), s) for n, s in enumerate(suggestions)]
    if analysis is not None:
        rows.append(("analysis", label("analysis"), analysis))
    seen: set[str] = set()
    for n, (part, name, text) in enumerate(rows):
        grid.add_row(Text(name), Text(text, style="red" if part in failed else ""))
        plain.append(f"{name}  {text}")
        last_of_part = n + 1 == len(rows) or rows[n + 1][0] != part
        if last_of_part and part not in seen:
            seen.add(part)
            for c in failed.get(part, []):
                grid.add_row("", Text(check_line(c), style="red" if c.severity == "error" else "yellow"))
                plain.append("    " + check_line(c))
    for c in failed.get("", []):
        grid.add_row("", Text(check_line(c), style="red" if c.severity == "error" else "yellow"))
        plain.append(check_line(c))
    return grid, plain
