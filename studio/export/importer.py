"""Import existing datasets (any format of :mod:`studio.datafiles.formats`) as dialogues to review.

An import runs every check at reading speed; the off-topic judgement of its student turns is left
pending and made after (:mod:`studio.synth.pending`): the samples are browsable at once.

The file is read once, a chunk of records at a time; each chunk is redacted of personal data and
checked (:mod:`.import_checks`) in worker processes for a large file, while the importer reads on and
puts the dialogues together in file order. A file with an unreadable line imports nothing (the store is rolled back) and names its
bad lines."""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from studio.datafiles.dataset_reader import BadLine, Record, read_records
from studio.datafiles.formats import FORMATS
from studio.datafiles.textfile import InputError
from studio.domain import (
    Dialogue,
    DialogueStatus,
    Run,
    RunStatus,
    StudentTurn,
    TeacherTurn,
    Topic,
    TopicSource,
    TurnKind,
    utcnow,
)
from studio.domain.faults import spec_of
from studio.domain.language import Language, language_of
from studio.domain.messages import N_
from studio.domain.messages import Message as Told
from studio.export.collector import collector_paused
from studio.export.import_checks import Checked, Checker, Sent, checker
from studio.export.privacy import Tally
from studio.store import Store
from studio.synth.run import off_topic_bank
from studio.synth.topic_guard import TopicGuard
from studio.synth.topics import existing_texts, normalise

# The off-topic rule of the studio's teacher prompt names the topic's short title.
_TITLE = re.compile(r"我们现在讨论的是关于(.{1,40}?)的内容")


@dataclass
class ImportReport:
    run_id: str | None
    dialogues: int = 0
    samples: int = 0
    duplicates: int = 0
    failing: int = 0
    topics_created: int = 0
    topics_matched: int = 0  # topic texts taken as near-duplicates of stored topics (the guard's first note below)
    topic_note: str = ""
    already: bool = False
    pending: int = 0  # student turns whose off-topic judgement is left for after (studio.synth.pending)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


#: Bad lines named in an import's error (the rest are counted): memory stays the same however many there are.
NAMED_BAD_LINES = 5


def _unreadable(path: Path, bad: list[BadLine], n: int) -> InputError:
    shown: Told | None = None
    for b in bad[:NAMED_BAD_LINES]:
        line = Told("import.bad-line", N_("line {line}: {problem}"), line=b.line, problem=b.problem)
        shown = line if shown is None else Told("import.bad-lines", N_("{lines}; {line}"), lines=shown, line=line)
    if n > NAMED_BAD_LINES:
        shown = Told("import.more", N_("{lines} (and {n} more)"), lines=shown, n=n - NAMED_BAD_LINES)
    return InputError(path, bad[0].line, Told("import.unreadable", N_("{n} unreadable line(s), nothing imported: "
                                                                      "{lines}"), n=n, lines=shown))


def _no_turns(path: Path) -> InputError:
    shapes = "; ".join(f"{f.name}: {f.shape}" for f in FORMATS.values())
    return InputError(path, None, Told("import.no-turns", N_("no teacher turns found (expected JSON Lines of {shapes})"),
                                       shapes=shapes))


#: Records read and checked together.
CHUNK = 256


def _chunks(items: Iterable[Record | BadLine]) -> Iterator[list[Record | BadLine]]:
    it = iter(items)
    while chunk := list(islice(it, CHUNK)):
        yield chunk




class _Said:
    """A turn as a history line may give it: its role and its words, a student's text or a teacher's raw
    answer or parsed Reply; a line says them when it is one of them, or is with spaces folded (folded
    only when a line is not one of them as it stands)."""

    __slots__ = ("folded", "role", "texts")

    def __init__(self, turn: StudentTurn | TeacherTurn) -> None:
        self.texts: tuple[str, ...]
        if isinstance(turn, StudentTurn):
            self.role, self.texts = "student", (turn.text,)
        else:
            self.role = "teacher"
            self.texts = (turn.raw, turn.parsed.reply) if turn.parsed is not None else (turn.raw,)
        self.folded: frozenset[str] | None = None

    def says(self, role: str, text: str) -> bool:
        if role != self.role:
            return False
        if text in self.texts:
            return True
        if self.folded is None:
            self.folded = frozenset(" ".join(t.split()) for t in self.texts)
        return " ".join(text.split()) in self.folded


def _continues(said: list[_Said], history: list[tuple[str, str]]) -> bool:
    """Whether ``history`` is the dialogue whose turns say ``said`` so far plus one student utterance."""
    if len(history) != len(said) + 1 or history[-1][0] != "student":
        return False
    return all(turn.says(role, text) for (role, text), turn in zip(history, said, strict=False))


class Importer:
    def __init__(self, store: Store, path: Path, workspace: Path | None = None, *, keep_pii: bool = False) -> None:
        self.store, self.path = store, path
        self.keep_pii, self.pii = keep_pii, Tally()  # personal data replaced as the file is read (.privacy)
        self.bank = off_topic_bank(workspace)
        self.topics = existing_texts(store)
        self.created: dict[str, Topic] = {}
        self._guard: TopicGuard | None = None
        self.pending = 0
        self.keys = {t["source_key"] for _, raw in store.dialogues.raw() if raw.get("source") == "imported"
                     for t in raw.get("turns", ()) if t.get("role") == "teacher" and t.get("source_key")}
        self._said: list[_Said] = []  # the dialogue being built, as its history gives it

    def _student(self, text: str, checked: Checked) -> StudentTurn:
        """Every check but the off-topic judgement, which :func:`studio.synth.pending.judge_pending` makes after."""
        seen = checked.seen[text]
        pending = spec_of(seen).topic_judged  # Chinese, or a bank line: nothing to judge
        self.pending += pending
        return StudentTurn(text=text, intended_fault=seen, observed_fault=seen, topic_pending=pending)

    @property
    def guard(self) -> TopicGuard:
        if self._guard is None:
            self._guard = TopicGuard.over([(t.id, t.text) for t in self.store.topics])
        return self._guard

    def _topic(self, rec: Record, report: ImportReport) -> str:
        clean = normalise(rec.topic) or f"导入的数据（{self.path.name}）"
        known = self.topics.get(clean)
        if known is not None and ((made := self.created.get(known)) is None or (made.name_zh and made.title)):
            return known  # a stored topic, or one this import made with both names: its prompt changes nothing
        # A whole dialogue's system line holds the prompt's rules, the topic's name among them.
        title = _TITLE.search(f"{rec.prompt}\n{rec.system or ''}")
        # The rule names the topic in Chinese (name_zh); data made with older prompts names an English title.
        field_name = "name_zh" if title and language_of(title.group(1)) is Language.CHINESE else "title"
        if clean not in self.topics and (match := self.guard.check(clean)) is not None and match.id:
            # The one near-duplicate guard: a topic told with other punctuation, a small edit or in other
            # words is the stored topic, so its samples join that topic instead of a copy of it.
            self.topics[clean] = match.id
            report.topics_matched += 1
            report.topic_note = report.topic_note or f"“{clean}” taken as {match.explain()}"
        if clean not in self.topics:
            named = title.group(1) if title else ""
            topic = Topic(text=clean, source=TopicSource.IMPORTED,
                          name_zh=named if field_name == "name_zh" else "", title=named if field_name == "title" else "")
            self.topics[clean] = topic.id
            self.created[topic.id] = topic
            self.store.topics.put(topic)
            self.guard.add(topic.id, clean)
            report.topics_created += 1
        elif title and (made := self.created.get(self.topics[clean])) and not getattr(made, field_name):
            setattr(made, field_name, title.group(1))  # an opening prompt names no topic; a later reply prompt does
            self.store.topics.put(made)
        return self.topics[clean]

    def _store(self, d: Dialogue) -> None:
        d.planned_faults = [t.intended_fault for t in d.turns if isinstance(t, StudentTurn)]
        self.store.dialogues.put(d)

    def _add(self, rec: Record, run: Run, report: ImportReport, current: Dialogue | None, key: str,
             checked: Checked) -> Dialogue | None:
        if key in self.keys:
            report.duplicates += 1
            return current
        self.keys.add(key)
        topic_id = self._topic(rec, report)
        sample = TeacherTurn(kind=rec.kind, raw=rec.response, parsed=checked.reply, checks=checked.checks,
                             source_key=key, parse_error=checked.parse_error,
                             train_weight=1 if rec.weight else 0)  # a weight-0 turn stays context, as in the file
        report.samples += sample.train_weight
        report.failing += sample.train_weight and not sample.passed
        if current is not None and current.topic_id == topic_id and _continues(self._said, rec.history):
            student = self._student(rec.history[-1][1], checked)
            current.turns.extend((student, sample))
            self._said += [_Said(student), _Said(sample)]
            return current
        if current is not None:
            self._store(current)
        turns: list[StudentTurn | TeacherTurn] = []
        for i, (role, text) in enumerate(rec.history):
            if role == "student":
                turns.append(self._student(text, checked))
            else:
                turns.append(TeacherTurn(kind=TurnKind.OPENING if i == 0 else TurnKind.REPLY, raw=text, train_weight=0))
        report.dialogues += 1
        self._said = [_Said(t) for t in (*turns, sample)]
        return Dialogue(topic_id=topic_id, run_id=run.id, index=report.dialogues - 1, source="imported",
                        status=DialogueStatus.COMPLETE, turns=[*turns, sample])

    def _check(self, records: list[Record], check: Checker) -> _Chunk:
        """A chunk's records, sent to be redacted, keyed and checked."""
        return _Chunk(records, check.submit(records, self.keep_pii))

    def _add_chunk(self, chunk: _Chunk, check: Checker, run: Run, report: ImportReport,
                   current: Dialogue | None) -> Dialogue | None:
        for read in check.result(chunk.records, self.keep_pii, chunk.reading):
            if read.pii:
                self.pii.add_kinds(read.pii, read.record.line)
            current = self._add(read.record, run, report, current, read.key, read.checked)
        return current


    def run(self) -> ImportReport:
        if not self.path.is_file():
            raise InputError(self.path, None, Told("file.missing", N_("no such file")))
        digest = file_hash(self.path)
        done = next((r for r in self.store.runs if r.source_hash == digest), None)
        if done is not None:
            return ImportReport(done.id, already=True)
        run = Run(kind="import", status=RunStatus.SUCCEEDED, source=str(self.path), source_hash=digest,
                  started=utcnow(), finished=utcnow())
        report = ImportReport(run.id)
        bad: list[BadLine] = []  # the first few, named in the error
        bad_count = read = 0
        # All or nothing: dialogues are stored as they are completed, and an unreadable line found on
        # the way rolls every one of them back (the rest of the file is read only to name its bad lines).
        with self.store.atomic(), checker(self.bank, self.path.stat().st_size) as check, collector_paused():
            current: Dialogue | None = None
            waiting: deque[_Chunk] = deque()  # being checked, in file order
            for chunk in _chunks(read_records(self.path)):  # each record's personal data goes in its check
                records = [item for item in chunk if isinstance(item, Record)]
                read += len(records)
                if len(records) < len(chunk):
                    found = [item for item in chunk if isinstance(item, BadLine)]
                    bad_count += len(found)
                    bad += found[:NAMED_BAD_LINES - len(bad)]
                if bad:
                    continue
                waiting.append(self._check(records, check))
                while len(waiting) > check.ahead:
                    current = self._add_chunk(waiting.popleft(), check, run, report, current)
            if bad:
                raise _unreadable(self.path, bad, bad_count)
            if not read:
                raise _no_turns(self.path)
            while waiting:
                current = self._add_chunk(waiting.popleft(), check, run, report, current)
            if current is not None:
                self._store(current)
            run.planned = run.completed = report.dialogues
            report.pending = self.pending
            self.store.runs.put(run)
        return report




@dataclass
class _Chunk:
    records: list[Record]  # as read: the check gives them back redacted (.import_checks.read_chunk)
    reading: Future[Sent]
