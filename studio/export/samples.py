"""Training samples derived on demand: a teacher turn, its topic and the turns before it.

Samples are read from the stored dialogue documents as they are: an export of 40,000 samples
validates no model. A topic's prompt is rendered once (:func:`studio.turn.context.teacher_frame`)
and each sample's dialogue so far put into it. A sample's ``dialogue`` and ``turn`` models are made
when a caller asks for them. A document not in the shape the store writes is validated instead, so
what is wrong with it is named (and an old document's defaults apply as they always did).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring  # the string writer of json.dumps(…, ensure_ascii=False)
from typing import Any

from studio.domain import (
    Dialogue,
    DialogueStatus,
    FaultKind,
    ReviewStatus,
    StudentTurn,
    TeacherTurn,
    Topic,
    TurnKind,
)
from studio.domain.text import CONTROL
from studio.llm.base import estimate_tokens, tokens_for, wide_chars
from studio.store import Store
from studio.turn.context import context_at, fault_of, render_teacher_prompt, teacher_frame
from studio.turn.prompts import Prompts


def answer_json(reply: str, suggestions: list[str], analysis: str | None) -> str:
    """``json.dumps(reply.to_contract(), ensure_ascii=False)`` written out directly (the same string
    writer, the same separators): the answer a tuned model is trained on, byte for byte."""
    text = f'{{"Reply": {encode_basestring(reply)}, "Suggestion": [{", ".join(map(encode_basestring, suggestions))}]'
    return text + (f', "Analysis": {encode_basestring(analysis)}}}' if analysis is not None else "}")


def canonical(turn: TeacherTurn) -> str:
    """The answer exactly as the tuned model must write it: one JSON object, keys in contract order."""
    assert turn.parsed is not None
    return answer_json(turn.parsed.reply, turn.parsed.suggestions, turn.parsed.analysis)


class Stored:
    """A stored dialogue document (read-only) and, once asked for, its model, shared by its samples."""

    __slots__ = ("_model", "doc")

    def __init__(self, doc: Mapping[str, Any], model: Dialogue | None = None) -> None:
        self.doc, self._model = doc, model

    @property
    def model(self) -> Dialogue:
        if self._model is None:
            self._model = Dialogue.model_validate(self.doc)
        return self._model


@dataclass(eq=False)
class Sample:
    stored: Stored
    index: int
    topic: Topic
    prompt: str
    answer: str
    fault: FaultKind
    failed: list[str] = field(default_factory=list)
    review: ReviewStatus = ReviewStatus.PENDING
    reply: str = ""  # the parsed Reply (its word count is a pre-flight figure)
    tokens: int = 0  # estimate_tokens(prompt) + estimate_tokens(answer)

    @property
    def dialogue(self) -> Dialogue:
        return self.stored.model

    @property
    def turn(self) -> TeacherTurn:
        turn = self.dialogue.turns[self.index]
        assert isinstance(turn, TeacherTurn)
        return turn

    @property
    def dialogue_id(self) -> str:
        return str(self.stored.doc["id"])

    @property
    def run_id(self) -> str | None:
        return self.stored.doc.get("run_id")

    @property
    def key(self) -> str:
        return f"{self.dialogue_id}:{self.index}"

    @property
    def passed(self) -> bool:
        return not self.failed  # a sample's turn is parsed: it passes when no check failed as an error


def teacher_prompt(prompts: Prompts, topic: Topic, dialogue: Dialogue, index: int, style: str = "full") -> str:
    return render_teacher_prompt(prompts, context_at(dialogue, topic, index), style)


_EXPORTED = (DialogueStatus.COMPLETE.value, DialogueStatus.RUNNING.value)


def iter_samples(store: Store, prompts: Prompts, style: str = "full") -> Iterator[Sample]:
    """Every teacher turn that could be a sample (parsed, weight 1), in a stable order, its prompt
    written in ``style`` (``studio.turn.context.PROMPT_STYLES``)."""
    topics = {t.id: t for t in store.topics}
    docs = [raw for _, raw in store.dialogues.raw() if raw.get("status") in _EXPORTED]
    docs.sort(key=_order)
    frames = Frames(prompts, style)
    for doc in docs:
        topic_id = doc.get("topic_id")
        topic = topics.get(topic_id) if isinstance(topic_id, str) else None
        if topic is None:
            missing = topic_id if isinstance(topic_id, str) else Dialogue.model_validate(doc).topic_id
            topic = Topic(id=missing, text="(deleted topic)")
        try:
            samples = samples_of_document(doc, topic, frames)
        except _NotAsWritten:
            samples = samples_of_model(Dialogue.model_validate(doc), topic, prompts, style, doc)
        yield from samples


def _order(doc: Mapping[str, Any]) -> tuple[str, int, str]:
    run, index, id_ = doc.get("run_id"), doc.get("index"), doc.get("id")
    if (run is None or type(run) is str) and (index is None or type(index) is int) and type(id_) is str:
        return run or "", -1 if index is None else index, id_
    d = Dialogue.model_validate(doc)
    return d.run_id or "", d.index if d.index is not None else -1, d.id


class Frames:
    """Each topic's teacher prompt frame (an opening's and a reply's), with its parts' length and
    CJK characters for the token estimate, made once per export."""

    def __init__(self, prompts: Prompts, style: str) -> None:
        self.prompts, self.style = prompts, style
        self._made: dict[tuple[str, bool], tuple[tuple[str, ...], int, int]] = {}

    def __call__(self, topic: Topic, opening: bool) -> tuple[tuple[str, ...], int, int]:
        key = (topic.id, opening)
        made = self._made.get(key)
        if made is None:
            parts = teacher_frame(self.prompts, topic, opening=opening, style=self.style)
            made = self._made[key] = (parts, sum(map(wide_chars, parts)), sum(map(len, parts)))
        return made


class _NotAsWritten(Exception):
    """A document not in the shape the store writes: it is read through its model instead."""


_DIALOGUE_KEYS = frozenset(Dialogue.model_fields)
_TEACHER_KEYS = frozenset(TeacherTurn.model_fields)
_STUDENT_KEYS = frozenset(StudentTurn.model_fields)
_PARSED_KEYS = frozenset(("reply", "suggestions", "analysis"))
_FAULTS = {k.value: k for k in FaultKind}
_REVIEWS = {r.value: r for r in ReviewStatus}
_KINDS = frozenset(k.value for k in TurnKind)
_has_control = CONTROL.search


def _text(value: Any) -> str:
    """A text field as its model would hold it (:data:`studio.domain.text.CleanStr`)."""
    if type(value) is not str:
        raise _NotAsWritten
    return CONTROL.sub("", value) if _has_control(value) else value


def _member(table: Mapping[str, Any], value: Any) -> Any:
    found = table.get(value) if type(value) is str else None
    if found is None:
        raise _NotAsWritten
    return found


def samples_of_document(doc: Mapping[str, Any], topic: Topic, frames: Frames) -> list[Sample]:
    """:func:`samples_of_model` of a stored document, read as it is (no model validated); raises
    ``_NotAsWritten`` for a document whose fields are not as the store writes them."""
    turns = doc.get("turns", [])
    source = doc.get("source", "generated")
    if (not doc.keys() <= _DIALOGUE_KEYS or type(turns) is not list or source not in ("generated", "manual", "imported")
            or type(doc.get("id")) is not str):
        raise _NotAsWritten
    stored = Stored(doc)
    chat = _Chat()
    out: list[Sample] = []
    before: FaultKind | None = None  # the fault of the student turn just read
    for i, t in enumerate(turns):
        if type(t) is not dict:
            raise _NotAsWritten
        role = t.get("role")
        if role == "student":
            if not t.keys() <= _STUDENT_KEYS:
                raise _NotAsWritten
            text = _text(t.get("text"))
            intended, observed = _member(_FAULTS, t.get("intended_fault", "normal")), t.get("observed_fault")
            before = intended if source == "generated" or observed is None else _member(_FAULTS, observed)
            chat.add("student", text)
            continue
        kind = t.get("kind", "reply")
        if role != "teacher" or not t.keys() <= _TEACHER_KEYS or type(kind) is not str or kind not in _KINDS:
            raise _NotAsWritten
        parsed, weight = t.get("parsed"), t.get("train_weight", 1)
        if type(weight) is not int or weight not in (0, 1):
            raise _NotAsWritten
        if parsed is None:
            said = t.get("raw")
            if type(said) is not str:
                raise _NotAsWritten
            said = said[:300]
        else:
            if type(parsed) is not dict or not parsed.keys() <= _PARSED_KEYS:
                raise _NotAsWritten
            said = reply = _text(parsed.get("reply"))
            analysis = parsed.get("analysis")
            analysis = None if analysis is None else _text(analysis)
            if weight == 1 and not (kind == TurnKind.REPLY.value and analysis is None):
                suggestions = parsed.get("suggestions")
                if type(suggestions) is not list:
                    raise _NotAsWritten
                answer = answer_json(reply, [_text(s) for s in suggestions], analysis)
                out.append(_sample(stored, i, t, topic, frames, chat, answer, reply, before))
        chat.add("teacher", said)
        before = None
    return out


class _Chat:
    """The dialogue so far as :func:`studio.domain.layout.format_history` writes it, a line a turn,
    with its length and CJK characters."""

    __slots__ = ("length", "lines", "wide")

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.length = -1  # no line yet: no newline either
        self.wide = 0

    def add(self, role: str, text: str) -> None:
        line = f"{role}: {' '.join(text.split())}"
        self.lines.append(line)
        self.length += len(line) + 1
        self.wide += wide_chars(line)

    def text(self) -> str:
        return "\n".join(self.lines)


def _sample(stored: Stored, i: int, t: dict[str, Any], topic: Topic, frames: Frames, chat: _Chat,
            answer: str, reply: str, before: FaultKind | None) -> Sample:
    checks = t.get("checks", [])
    if type(checks) is not list:
        raise _NotAsWritten
    errors = set()
    for c in checks:
        if type(c) is not dict or type(check_id := c.get("id")) is not str:
            raise _NotAsWritten
        severity = c.get("severity", "error")
        if severity == "error":
            errors.add(check_id)
        elif severity != "warning":
            raise _NotAsWritten
    failed = sorted(errors)
    review = _member(_REVIEWS, t.get("review", "pending"))
    if i == 0:
        (prompt,), wide, length = frames(topic, True)
    else:
        parts, wide, length = frames(topic, False)
        prompt = chat.text().join(parts)
        wide, length = wide + (len(parts) - 1) * chat.wide, length + (len(parts) - 1) * max(chat.length, 0)
    fault = FaultKind.OPENING if i == 0 or before is None else before
    return Sample(stored, i, topic, prompt, answer, fault, failed, review, reply,
                  tokens_for(wide, length) + estimate_tokens(answer))


def samples_of_model(d: Dialogue, topic: Topic, prompts: Prompts, style: str = "full",
                     doc: Mapping[str, Any] | None = None) -> list[Sample]:
    """The samples of a dialogue's model: each teacher turn that is parsed, has weight 1 and, if a
    reply, an Analysis."""
    stored = Stored(doc if doc is not None else d.model_dump(mode="json"), d)
    out = []
    for i, turn in enumerate(d.turns):
        if not isinstance(turn, TeacherTurn) or turn.parsed is None or turn.train_weight == 0:
            continue
        if turn.kind == TurnKind.REPLY and turn.parsed.analysis is None:
            continue
        prompt, answer = teacher_prompt(prompts, topic, d, i, style), canonical(turn)
        out.append(Sample(stored, i, topic, prompt, answer, fault_of(d, i),
                          sorted({c.id for c in turn.checks if c.severity == "error"}), turn.review,
                          turn.parsed.reply, estimate_tokens(prompt) + estimate_tokens(answer)))
    return out


@dataclass
class Filters:
    review: str = "default"  # default (approved, or unreviewed and passing) | approved | passing | all
    faults: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    require_pass: bool = False

    def keep(self, s: Sample) -> bool:
        review = s.review
        if review == ReviewStatus.REJECTED and self.review != "all":
            return False
        if self.review == "default" and not (review == ReviewStatus.APPROVED or s.passed):
            return False
        if self.review == "approved" and review != ReviewStatus.APPROVED:
            return False
        if self.review == "passing" and not s.passed:
            return False
        if self.require_pass and not s.passed:
            return False
        if self.faults and s.fault.value not in self.faults:
            return False
        if self.runs and (s.run_id or "") not in self.runs:
            return False
        return not (self.topics and s.topic.id not in self.topics)

    def describe(self) -> dict[str, object]:
        return {"review": self.review, "faults": self.faults, "runs": self.runs, "topics": self.topics,
                "require_pass": self.require_pass}
