"""Every string marked for translation in studio/ is in the Chinese catalogue, translated, with
the same placeholders; the catalogue holds nothing the code no longer says. When this fails,
update the catalogue (README "Language") and translate what it lists."""

from __future__ import annotations

import ast
import string
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from studio.i18n import EXTRA_KEYWORDS, LANGUAGES, LOCALE_DIR, LOCALES

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "studio"
UPDATE = ("pybabel extract -F babel.cfg -k _l --no-wrap --add-location=file --sort-output -o build/studio.pot "
          "studio && pybabel update -i build/studio.pot -d studio/locale -D studio --no-wrap --ignore-obsolete")
MARKERS = {"_", "_l", "N_", "gettext", "ngettext", "pgettext"}


def extracted() -> dict[tuple[str | None, str], tuple[str, int, str | tuple[str, ...]]]:
    """(context, msgid) → (file, line, message) for every marked string, as pybabel extract finds them."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = {}
    for file, line, message, _comments, context in extract_from_dir(
            PACKAGE, method_map, options_map, keywords={**DEFAULT_KEYWORDS, **EXTRA_KEYWORDS}):
        msgid = message[0] if isinstance(message, tuple) else message
        found.setdefault((context, msgid), (file, line, message))
    return found


def fields(text: str) -> set[str]:
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        return {f"(unreadable: {exc})"}


def test_every_marked_string_is_translated_in_every_catalogue() -> None:
    marked = extracted()
    assert len(marked) >= 20  # the main help at least: an empty extraction would pass everything
    for language in LANGUAGES:
        if language not in LOCALES:
            continue  # English: the message ids themselves
        po = LOCALE_DIR / LOCALES[language] / "LC_MESSAGES" / "studio.po"
        with po.open("rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
        problems = []
        for (context, msgid), (file, line, message) in sorted(marked.items(), key=lambda kv: kv[1][:2]):
            where = f"studio/{file}:{line}: {msgid!r}"
            entry = catalog.get(msgid, context=context)
            if entry is None:
                problems.append(f"{where} is not in {po.name} (the catalogue is out of date)")
                continue
            forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if isinstance(message, tuple) != entry.pluralizable:
                problems.append(f"{where}: plural in one place and not the other")
            elif entry.fuzzy:
                problems.append(f"{where}: translation marked fuzzy (check it, then drop the flag)")
            elif not all(forms):
                problems.append(f"{where}: no {language} translation")
            else:
                ids = message if isinstance(message, tuple) else (message,)
                wanted = set().union(*(fields(m) for m in ids))
                for form in forms:
                    if fields(form) != wanted:
                        problems.append(f"{where}: placeholders {sorted(wanted)} but the translation has "
                                        f"{sorted(fields(form))}")
        for entry in catalog:
            if entry.id and (entry.context, entry.id if isinstance(entry.id, str) else entry.id[0]) not in marked:
                problems.append(f"{po.name}: {entry.id!r} is no longer in the code (the catalogue is out of date)")
        for entry, errors in catalog.check():
            problems.extend(f"{po.name}: {entry.id!r}: {error}" for error in errors)
        assert not problems, "\n".join([*problems, f"update with: {UPDATE}"])


def test_no_marked_string_is_built_before_it_is_looked_up() -> None:
    """``_(f"…")``, ``_("a" + b)`` or ``_("…".format())`` can never match the catalogue: fill the
    placeholders after translating, ``_("… {name} …").format(name=…)``."""
    built = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS:
                for arg in node.args:
                    if isinstance(arg, ast.JoinedStr | ast.BinOp) or (
                            isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute)
                            and isinstance(arg.func.value, ast.Constant)):
                        built.append(f"{path.relative_to(REPO)}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert not built, "\n".join(built)
