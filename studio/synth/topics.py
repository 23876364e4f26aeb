"""Topic management: add, import, edit, export, seed, accept a rejected candidate.

Every way a topic arrives passes the one near-duplicate guard (:mod:`studio.synth.topic_guard`): a
copy, a punctuation-width change, a small edit or a paraphrase of a stored topic is refused with the
nearest topic and the score. ``force`` keeps one anyway — except a text that is the same once
punctuation and spacing are folded, which is never stored twice.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from importlib.resources import as_file
from pathlib import Path

from studio.datafiles.textfile import InputError
from studio.datafiles.topic_files import TopicRow, read_topic_file, write_topic_file
from studio.domain import RejectedTopic, Topic, TopicSource
from studio.domain.messages import N_, Message
from studio.domain.pii import Tally, redact_value
from studio.resources import data_file
from studio.store import Store
from studio.synth.topic_guard import DEFAULT_THRESHOLD, Match, NearDuplicate, TopicGuard, fold

#: The error every refused topic raises (kept under its older name too).
DuplicateTopic = NearDuplicate


def normalise(text: str) -> str:
    """The form a topic is stored in: inner white space folded, ends trimmed."""
    return " ".join(text.split())


@dataclass
class Refused:
    """A topic file row the guard turned away: where it was, and the topic it repeats."""

    line: int
    text: str
    match: Match


@dataclass
class ImportReport:
    added: list[Topic] = field(default_factory=list)
    duplicates: list[Refused] = field(default_factory=list)
    forced: list[Refused] = field(default_factory=list)
    pii: Tally = field(default_factory=Tally)  # personal data replaced by placeholders, by kind and line


def existing_texts(store: Store) -> dict[str, str]:
    return {normalise(raw["text"]): doc_id for doc_id, raw in store.topics.raw()}


def guard_of(store: Store, *, threshold: float = DEFAULT_THRESHOLD, exclude: str | None = None) -> TopicGuard:
    """The guard over every stored topic (less ``exclude``, the topic being edited)."""
    return TopicGuard.over([(doc_id, raw["text"]) for doc_id, raw in store.topics.raw() if doc_id != exclude],
                           threshold)


def _admit(guard: TopicGuard, text: str, force: bool) -> Match | None:
    """Raise NearDuplicate unless the text may be stored; returns the match that ``force`` overrode."""
    match = guard.check(text)
    if match is not None and (match.identical or not force):
        raise NearDuplicate(match)
    return match


def add_topic(store: Store, text: str, *, title: str = "", name_zh: str = "", tags: list[str] | None = None,
              source: TopicSource = TopicSource.MANUAL, parent_ids: list[str] | None = None, force: bool = False,
              threshold: float = DEFAULT_THRESHOLD) -> Topic:
    clean = normalise(text)
    if not fold(clean):
        raise ValueError(Message("topic.empty", N_("a topic needs some text")))
    with store.lock:
        _admit(guard_of(store, threshold=threshold), clean, force)
        topic = Topic(text=clean, title=title.strip(), name_zh=name_zh.strip(), tags=tags or [], source=source,
                      parent_ids=parent_ids or [])
        store.topics.put(topic)
        store.flush()
    return topic


def _rows_to_topics(rows: list[TopicRow], guard: TopicGuard, source: TopicSource, force: bool) -> ImportReport:
    """Rows through the guard, each against the store and the rows before it in the same file."""
    report = ImportReport()
    for row in rows:
        clean = normalise(row.text)
        match = guard.check(clean)
        if match is not None and (match.identical or not force):
            report.duplicates.append(Refused(row.line, clean, match))
            continue
        if match is not None:
            report.forced.append(Refused(row.line, clean, match))
        topic = Topic(text=clean, title=row.title, name_zh=row.name_zh, tags=row.tags, source=source)
        guard.add(topic.id, clean)
        report.added.append(topic)
    return report


def import_topics(store: Store, path: Path, *, source: TopicSource = TopicSource.IMPORTED, force: bool = False,
                  threshold: float = DEFAULT_THRESHOLD, keep_pii: bool = False) -> ImportReport:
    """All or nothing: the whole file is parsed first; a bad line raises InputError and writes nothing.

    Near-duplicates (of a stored topic or of an earlier row) are skipped and reported with the
    nearest topic; ``force`` imports them anyway, except rows that fold to the same text.
    """
    if not path.is_file():
        raise InputError(path, None, Message("file.missing", N_("no such file")))
    rows = read_topic_file(path)
    pii = Tally()
    if not keep_pii:  # a topic written from a real lesson may name a student, a school, an address
        rows = [dataclasses.replace(r, text=redact_value(r.text, pii, r.line), title=redact_value(r.title, pii, r.line),
                                    name_zh=redact_value(r.name_zh, pii, r.line)) for r in rows]
    with store.atomic():
        report = _rows_to_topics(rows, guard_of(store, threshold=threshold), source, force)
        report.pii = pii
        store.topics.put_many(report.added)
    return report


def export_topics(store: Store, path: Path) -> int:
    topics = sorted(store.topics.all(), key=lambda t: (t.created, t.id))
    write_topic_file(path, topics)
    return len(topics)


def seed_topics(store: Store) -> int:
    """Add the shipped topic bank to a store that has no topics yet. Returns how many were added."""
    if store.topics.count():
        return 0
    with as_file(data_file("topics.tsv")) as bank:
        rows = read_topic_file(bank)
    topics: dict[str, Topic] = {}
    for row in rows:  # the shipped bank is checked by the guard's benchmark; here only copies are dropped
        clean = normalise(row.text)
        topics.setdefault(fold(clean), Topic(text=clean, title=row.title, name_zh=row.name_zh, tags=row.tags,
                                             source=TopicSource.SEED))
    with store.atomic():
        store.topics.put_many(list(topics.values()))
    return len(topics)


def dialogues_of(store: Store, topic_id: str) -> int:
    return sum(1 for _, raw in store.dialogues.raw() if raw["topic_id"] == topic_id)


def remove_topic(store: Store, topic_id: str, *, force: bool = False) -> Topic:
    topic = store.topics.get(topic_id)
    if topic is None:
        raise LookupError(Message("topic.unknown-listed", N_("no topic with id {id} (see: studio topics list)"),
                                  id=topic_id))
    used = dialogues_of(store, topic_id)
    if used and not force:
        raise ValueError(Message("topic.in-use", N_("topic {id} has {n} dialogue(s); disable it instead, or remove it "
                                                    "anyway with --force"), id=topic_id, n=used))
    store.topics.delete(topic_id)
    store.flush()
    return topic


def update_topic(store: Store, topic_id: str, *, force: bool = False, threshold: float = DEFAULT_THRESHOLD,
                 **fields: object) -> Topic:
    """Change some fields of a topic, reading it fresh from the store; a new text passes the guard."""
    topic = store.topics.get(topic_id)
    if topic is None:
        raise LookupError(Message("topic.unknown", N_("no topic with id {id}"), id=topic_id))
    if "text" in fields:
        fields["text"] = normalise(str(fields["text"]))
        if not fold(str(fields["text"])):
            raise ValueError(Message("topic.empty", N_("a topic needs some text")))
        if fields["text"] != topic.text:
            _admit(guard_of(store, threshold=threshold, exclude=topic_id), str(fields["text"]), force)
    changed = topic.model_copy(update=fields)
    store.topics.put(changed)
    store.flush()
    return changed


def accept_rejected(store: Store, rejected_id: str, *, force: bool = True,
                    threshold: float = DEFAULT_THRESHOLD) -> Topic:
    """Take a candidate that expansion turned away into the pool after all, with its titles and parents.

    Accepting from the review is the user's decision to keep a near-duplicate, so ``force`` is the
    default; a candidate that folds to the same text as a stored topic is still refused.
    """
    rejected = store.rejected.get(rejected_id)
    if rejected is None:
        raise LookupError(Message("topic.unknown-rejected", N_("no rejected candidate {id}"), id=rejected_id))
    with store.lock:
        _admit(guard_of(store, threshold=threshold), rejected.text, force)
        topic = Topic(text=rejected.text, title=rejected.title, name_zh=rejected.name_zh,
                      parent_ids=rejected.parent_ids, source=TopicSource.EXPANDED)
        with store.atomic():
            store.topics.put(topic)
            for other in store.rejected.all():  # the same candidate proposed again is the same decision
                if fold(other.text) == fold(rejected.text):
                    store.rejected.delete(other.id)
    return topic


def rejected_once(store: Store) -> list[RejectedTopic]:
    """Each rejected candidate once (rows that fold to the same text merged, their counts added),
    most often proposed first."""
    merged: dict[str, RejectedTopic] = {}
    for r in sorted(store.rejected.all(), key=lambda r: r.created):
        key = fold(r.text)
        if key in merged:
            first = merged[key]
            merged[key] = first.model_copy(update={"count": first.count + r.count,
                                                   "last_seen": max(first.last_seen, r.last_seen),
                                                   "parent_ids": first.parent_ids or r.parent_ids,
                                                   "title": first.title or r.title,
                                                   "name_zh": first.name_zh or r.name_zh})
        else:
            merged[key] = r
    return sorted(merged.values(), key=lambda r: (-r.count, -r.similarity, r.created))
