"""Topic management: add, import, export, seed. Exact duplicates are reported, never stored twice."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.resources import as_file
from pathlib import Path

from studio.datafiles.textfile import InputError
from studio.datafiles.topic_files import TopicRow, read_topic_file, write_topic_file
from studio.domain import Topic, TopicSource
from studio.resources import data_file
from studio.store import Store


class DuplicateTopic(ValueError):
    pass


def normalise(text: str) -> str:
    """The form two topics are compared in: inner white space folded, ends trimmed."""
    return " ".join(text.split())


@dataclass
class ImportReport:
    added: list[Topic] = field(default_factory=list)
    duplicates: list[tuple[int, str]] = field(default_factory=list)


def existing_texts(store: Store) -> dict[str, str]:
    return {normalise(raw["text"]): doc_id for doc_id, raw in store.topics.raw()}


def add_topic(store: Store, text: str, *, title: str = "", tags: list[str] | None = None,
              source: TopicSource = TopicSource.MANUAL) -> Topic:
    clean = normalise(text)
    if not clean:
        raise ValueError("a topic needs some text")
    with store.lock:
        same = existing_texts(store).get(clean)
        if same:
            raise DuplicateTopic(f"the same topic already exists as {same}")
        topic = Topic(text=clean, title=title.strip(), tags=tags or [], source=source)
        store.topics.put(topic)
        store.flush()
    return topic


def _rows_to_topics(rows: list[TopicRow], known: dict[str, str], source: TopicSource) -> ImportReport:
    report = ImportReport()
    seen = dict(known)
    for row in rows:
        clean = normalise(row.text)
        if clean in seen:
            report.duplicates.append((row.line, clean))
            continue
        seen[clean] = "(this file)"
        report.added.append(Topic(text=clean, title=row.title, tags=row.tags, source=source))
    return report


def import_topics(store: Store, path: Path, *, source: TopicSource = TopicSource.IMPORTED) -> ImportReport:
    """All or nothing: the whole file is parsed first; a bad line raises InputError and writes nothing."""
    if not path.is_file():
        raise InputError(path, None, "no such file")
    rows = read_topic_file(path)
    with store.atomic():
        report = _rows_to_topics(rows, existing_texts(store), source)
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
    with store.atomic():
        report = _rows_to_topics(rows, {}, TopicSource.SEED)
        store.topics.put_many(report.added)
    return len(report.added)


def dialogues_of(store: Store, topic_id: str) -> int:
    return sum(1 for _, raw in store.dialogues.raw() if raw["topic_id"] == topic_id)


def remove_topic(store: Store, topic_id: str, *, force: bool = False) -> Topic:
    topic = store.topics.get(topic_id)
    if topic is None:
        raise LookupError(f"no topic with id {topic_id} (see: studio topics list)")
    used = dialogues_of(store, topic_id)
    if used and not force:
        raise ValueError(
            f"topic {topic_id} has {used} dialogue(s); disable it instead, or remove it anyway with --force"
        )
    store.topics.delete(topic_id)
    store.flush()
    return topic


def update_topic(store: Store, topic_id: str, **fields: object) -> Topic:
    """Change some fields of a topic, reading it fresh from the store."""
    topic = store.topics.get(topic_id)
    if topic is None:
        raise LookupError(f"no topic with id {topic_id}")
    if "text" in fields:
        same = existing_texts(store).get(normalise(str(fields["text"])))
        if same and same != topic_id:
            raise DuplicateTopic(f"the same topic already exists as {same}")
    changed = topic.model_copy(update=fields)
    store.topics.put(changed)
    store.flush()
    return changed


def accept_rejected(store: Store, rejected_id: str) -> Topic:
    """Take a candidate that expansion turned away into the pool after all."""
    rejected = store.rejected.get(rejected_id)
    if rejected is None:
        raise LookupError(f"no rejected candidate {rejected_id}")
    topic = Topic(text=rejected.text, source=TopicSource.EXPANDED)
    with store.atomic():
        store.topics.put(topic)
        store.rejected.delete(rejected_id)
    return topic
