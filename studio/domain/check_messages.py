"""What a failed check says, as ids and parameters: the English templates and their one renderer.

A :class:`~studio.domain.models.CheckResult` holds its check's ``id``, a ``variant`` (which of the
check's messages) and the ``params`` that fill it; the text is made when it is shown, by
:func:`render`, in English here and in the user's language above the domain (``studio.turn.shown``
passes the catalogue's ``_`` as ``translate``). A stored sample is then shown in whatever language
the studio speaks, without checking it again.

A template is English with ``{name}`` fields, marked with :func:`N_` for the catalogue. A parameter
is a number or text put in as it is, or:

* a *part*, ``{"part": key, **params}``: one of :data:`PARTS`, itself translated and filled (a list
  of parts is joined with ``"; "``: what a parse or the keys check found);
* a *phrase*, ``{"phrase": text}``: English marked elsewhere (a fault kind's ``said``), translated whole.

Results written before messages had ids hold only their English text; :func:`read_back` finds
the template it was made from and its parameters, so they are shown translated too; a text that
matches none is kept (variant :data:`LITERAL`) and shown as it is.

To add a message: an entry in :data:`CHECK_TEXTS` (or :data:`PARTS`), a :class:`CheckResult` made
with ``CheckResult.of(id, variant, **params)``, and its Chinese in the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from studio.domain.messages import N_

#: The variant of a result kept as its text (written before messages had ids, or matching no template).
LITERAL = ""
#: The check id of a variant any check may have.
ANY = "*"

#: Every check message, by (check id, variant), in English.
CHECK_TEXTS: dict[tuple[str, str], str] = {
    ("format.fence", "fenced"): N_("the JSON is wrapped in a code fence"),
    ("format.json", "not_one"): N_("not exactly one JSON object: {problems}"),
    ("format.json", "not_one_recovered"):
        N_("not exactly one JSON object: {problems} (the object was recovered for the other checks)"),
    ("format.json", "recovered"): N_("recovered from a non-strict answer: {problems}"),
    ("format.keys", "keys"): N_("{problems}"),
    ("reply.words", "empty"): N_("Reply is empty"),
    ("reply.words", "too_long"): N_("Reply has {n} words (at most {most}): '{text}'"),
    ("reply.english", "not_english"): N_("Reply is not in English: '{text}'"),
    ("suggestion.count", "count"): N_("{n} suggestions instead of exactly 3"),
    ("suggestion.words", "too_long"): N_("suggestion {i} has {n} words (at most {most}): '{text}'"),
    ("suggestion.english", "not_english"): N_("suggestion {i} is not in English: '{text}'"),
    ("suggestion.voice", "coaches"):
        N_("suggestion {i} coaches the student instead of being something the student says: '{text}'"),
    ("suggestion.voice", "asks"): N_("suggestion {i} asks the student a question, as the teacher would: '{text}'"),
    ("suggestion.distinct", "same"): N_("suggestions {i} and {j} are nearly the same: '{text}'"),
    ("suggestion.answers", "unanswered"): N_("no suggestion answers the Reply's question '{question}'"),
    ("suggestion.repeat", "repeats"): N_("suggestion {i} repeats what the student just said: '{text}'"),
    ("analysis.chinese", "empty"): N_("Analysis is empty"),
    ("analysis.chinese", "not_chinese"): N_("Analysis is not mainly Chinese: '{text}'"),
    ("analysis.target", "teacher"): N_("Analysis talks about the teacher's own answer or next move ('{text}') "
                                       "instead of the student's utterance"),
    ("analysis.target", "translates"):
        N_("Analysis only translates or restates the student's words; it does not assess them"),
    ("fault.language", "no_english"):
        N_("the student {said}, but the teacher neither asks for English nor says so in the Analysis"),
    ("fault.off_topic", "not_back"):
        N_("the student went off topic, but the teacher does not bring them back to it"),
    ("fault.off_topic", "seems"):
        N_("the student's words seem to leave the topic, but the teacher does not bring them back to it"),
    ("fault.uncorrected", "none"): N_("the student's errors are not corrected in the Analysis ({shown})"),
    ("fault.uncorrected", "some"): N_("some errors are not corrected: {shown}"),
    ("fault.uncorrected", "words"):
        N_("the Analysis does not give the English for the student's Chinese words ({shown})"),
    ("fault.praised_error", "praised"): N_("Analysis calls an erroneous utterance correct: '{text}'"),
    (ANY, "no_answer"): N_("no answer to check: {error}"),
}

#: The pieces a message lists (joined with "; "): why an answer is not one JSON object, what is
#: wrong with its keys.
PARTS: dict[str, str] = {
    "answer.empty": N_("the answer is empty"),
    "answer.deep": N_("the answer nests {depth} levels deep (at most {most} are read)"),
    "answer.not_object": N_("the answer is JSON but not an object (a {type})"),
    "answer.objects": N_("{n} JSON objects instead of one"),
    "answer.continues": N_("the answer continues the dialogue itself: '{text}'"),
    "answer.after": N_("text after the JSON: '{text}'"),
    "answer.before": N_("text before the JSON: '{text}'"),
    "answer.invalid": N_("not valid JSON"),
    "keys.missing": N_("missing {keys}"),
    "keys.unexpected": N_("unexpected {keys}"),
    "keys.unexpected_opening": N_("unexpected {keys} (an opening turn has no Analysis)"),
    "keys.reply_type": N_("Reply must be a string"),
    "keys.suggestion_type": N_("Suggestion must be a list of strings"),
    "keys.analysis_type": N_("Analysis must be a string"),
}

#: Fields that hold a list of parts, fields that hold a phrase, fields that hold a whole number
#: (how :func:`read_back` reads each field of a stored text).
LIST_FIELDS = frozenset({"problems"})
PHRASE_FIELDS = frozenset({"said"})
NUMBER_FIELDS = frozenset({"n", "i", "j", "most", "depth"})
SEPARATOR = "; "

Translate = Callable[[str], str]


def _same(text: str) -> str:
    return text


def part(key: str, **params: Any) -> dict[str, Any]:
    """One of :data:`PARTS` with its parameters, as a parameter."""
    if key not in PARTS:
        raise KeyError(f"no message part '{key}'")
    return {"part": key, **params}


def phrase(text: str) -> dict[str, str]:
    """English marked for the catalogue where it is defined, as a parameter translated whole."""
    return {"phrase": text}


def template_of(check_id: str, variant: str) -> str | None:
    """The English template of a check's variant; None for :data:`LITERAL` or one not known."""
    return CHECK_TEXTS.get((check_id, variant)) or CHECK_TEXTS.get((ANY, variant))


def variants() -> list[tuple[str, str]]:
    """Every (check id, variant) that has a template."""
    return list(CHECK_TEXTS)


def _fill(template: str, params: Mapping[str, Any], translate: Translate) -> str:
    try:
        return translate(template).format(**params)
    except (KeyError, IndexError, ValueError):  # a translation that lost a field: the English line
        return template.format(**params)


def _value(value: Any, translate: Translate) -> Any:
    if isinstance(value, list):
        return SEPARATOR.join(str(_value(v, translate)) for v in value)
    if isinstance(value, dict):
        if "phrase" in value:
            return translate(str(value["phrase"]))
        template = PARTS.get(str(value.get("part")))
        if template is None:  # a part this studio does not know: its parameters as they are
            return ", ".join(str(v) for k, v in value.items() if k != "part")
        return _fill(template, {k: _value(v, translate) for k, v in value.items() if k != "part"}, translate)
    return value


def text_of(value: Any, translate: Translate = _same) -> str:
    """A parameter as text: a part or a list of parts filled, a phrase translated, else as it is."""
    return str(_value(value, translate))


def render(check_id: str, variant: str, params: Mapping[str, Any], translate: Translate = _same) -> str:
    """The message of a check result: its template translated with ``translate``, then filled."""
    template = template_of(check_id, variant)
    if template is None:  # kept as text, or a variant this studio does not know
        return str(params["text"]) if "text" in params else " ".join(str(v) for v in params.values())
    return _fill(template, {k: _value(v, translate) for k, v in params.items()}, translate)


# -- reading back a message stored as text ----------------------------------------------------

_FIELD = re.compile(r"\{(\w+)\}")


@cache
def _pattern(template: str) -> re.Pattern[str]:
    out, at = [], 0
    for m in _FIELD.finditer(template):
        out += [re.escape(template[at:m.start()]), f"(?P<{m.group(1)}>.*?)"]
        at = m.end()
    out.append(re.escape(template[at:]))
    return re.compile("".join(out), re.S)


def _by_literal_length(template: str) -> int:
    return -len(_FIELD.sub("", template))


def _read_field(name: str, text: str) -> Any:
    if name in LIST_FIELDS:
        parts = read_parts(text)
        return text if parts is None else parts
    if name in PHRASE_FIELDS:
        return phrase(text)
    if name in NUMBER_FIELDS and text.isdigit():
        return int(text)
    return text


def _read(template: str, text: str, start: int = 0, end: int | None = None) -> dict[str, Any] | None:
    m = _pattern(template).fullmatch(text, start, len(text) if end is None else end)
    return None if m is None else {name: _read_field(name, value) for name, value in m.groupdict().items()}


def read_parts(text: str) -> list[dict[str, Any]] | None:
    """The parts a ``"; "``-joined text was made of, or None when it is not made of parts."""
    keys = sorted(PARTS, key=lambda k: _by_literal_length(PARTS[k]))

    def parse(start: int) -> list[dict[str, Any]] | None:
        ends = [i for i in range(start, len(text)) if text.startswith(SEPARATOR, i)] + [len(text)]
        for end in ends:
            for key in keys:
                params = _read(PARTS[key], text, start, end)
                if params is None:
                    continue
                if end == len(text):
                    return [part(key, **params)]
                rest = parse(end + len(SEPARATOR))
                if rest is not None:
                    return [part(key, **params), *rest]
        return None

    return parse(0) if text else None


def read_back(check_id: str, message: str) -> tuple[str, dict[str, Any]]:
    """The variant and parameters a check's English ``message`` was made from; a text that no
    template of the check makes is kept: (:data:`LITERAL`, ``{"text": message}``)."""
    found = [(v, t) for (c, v), t in CHECK_TEXTS.items() if c in (check_id, ANY)]
    for variant, template in sorted(found, key=lambda vt: _by_literal_length(vt[1])):
        params = _read(template, message)
        if params is not None and render(check_id, variant, params) == message:
            return variant, params
    return LITERAL, {"text": message}


def literal(message: str) -> tuple[str, dict[str, Any]]:
    """A message kept as its text."""
    return LITERAL, {"text": message}


__all__ = ["ANY", "CHECK_TEXTS", "LITERAL", "N_", "PARTS", "literal", "part", "phrase", "read_back", "read_parts",
           "render", "template_of", "text_of", "variants"]
