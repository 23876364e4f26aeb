"""Import existing datasets (any format of :mod:`studio.datafiles.formats`) as dialogues to review.

An import runs every check at reading speed; the off-topic judgement of its student turns is left
pending and made after (:mod:`studio.synth.pending`): the samples are browsable at once."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
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
from studio.store import Store
from studio.synth.detect import observe, student_of
from studio.synth.run import off_topic_bank
from studio.synth.topic_guard import TopicGuard
from studio.synth.topics import existing_texts, normalise
from studio.turn.verdict import judge_answer, reply_of

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


def _check_readable(path: Path) -> int:
    bad: list[BadLine] = []
    count = 0
    for item in read_records(path):
        if isinstance(item, BadLine):
            bad.append(item)
        else:
            count += 1
    if bad:
        shown = "; ".join(f"line {b.line}: {b.problem}" for b in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise InputError(path, bad[0].line, f"{len(bad)} unreadable line(s), nothing imported: {shown}{more}")
    if not count:
        shapes = "; ".join(f"{f.name}: {f.shape}" for f in FORMATS.values())
        raise InputError(path, None, f"no teacher turns found (expected JSON Lines of {shapes})")
    return count


def _teacher_text(turn: TeacherTurn) -> set[str]:
    texts = {" ".join(turn.raw.split())}
    if turn.parsed is not None:
        texts.add(" ".join(turn.parsed.reply.split()))
    return texts


def _continues(d: Dialogue, history: list[tuple[str, str]]) -> bool:
    """Whether ``history`` is this dialogue so far plus one student utterance."""
    if len(history) != len(d.turns) + 1 or history[-1][0] != "student":
        return False
    for (role, text), turn in zip(history, d.turns, strict=False):
        said = " ".join(text.split())
        if isinstance(turn, StudentTurn):
            if role != "student" or said != " ".join(turn.text.split()):
                return False
        elif role != "teacher" or said not in _teacher_text(turn):
            return False
    return True


class Importer:
    def __init__(self, store: Store, path: Path, workspace: Path | None = None) -> None:
        self.store, self.path = store, path
        self.bank = off_topic_bank(workspace)
        self.topics = existing_texts(store)
        self.created: dict[str, Topic] = {}
        self._guard: TopicGuard | None = None
        self.pending = 0
        self.keys = {t.source_key for _, raw in store.dialogues.raw() if raw.get("source") == "imported"
                     for t in Dialogue.model_validate(raw).turns if isinstance(t, TeacherTurn) and t.source_key}

    def _student(self, text: str) -> StudentTurn:
        """Every check but the off-topic judgement, which :func:`studio.synth.pending.judge_pending` makes after."""
        seen = observe(text, off_topic_bank=self.bank)
        pending = spec_of(seen).topic_judged  # Chinese, or a bank line: nothing to judge
        self.pending += pending
        return StudentTurn(text=text, intended_fault=seen, observed_fault=seen, topic_pending=pending)

    @property
    def guard(self) -> TopicGuard:
        if self._guard is None:
            self._guard = TopicGuard.over([(t.id, t.text) for t in self.store.topics])
        return self._guard

    def _topic(self, text: str, report: ImportReport, prompt: str = "") -> str:
        clean = normalise(text) or f"导入的数据（{self.path.name}）"
        title = _TITLE.search(prompt)
        # The rule names the topic in Chinese (name_zh); data made with older prompts names an English title.
        field_name = "name_zh" if title and language_of(title.group(1)) is Language.CHINESE else "title"
        if clean not in self.topics and (match := self.guard.check(clean)) is not None and match.id:
            # The one near-duplicate guard: a topic told with other punctuation, a small edit or in other
            # words is the stored topic, so its samples join that topic instead of a copy of it.
            self.topics[clean] = match.id
            report.topics_matched += 1
            report.topic_note = report.topic_note or f"“{clean}” taken as {match.explain()}"
        if clean not in self.topics:
            topic = Topic(text=clean, source=TopicSource.IMPORTED, **{field_name: title.group(1) if title else ""})
            self.topics[clean] = topic.id
            self.created[topic.id] = topic
            self.store.topics.put(topic)
            self.guard.add(topic.id, clean)
            report.topics_created += 1
        elif title and (made := self.created.get(self.topics[clean])) and not getattr(made, field_name):
            setattr(made, field_name, title.group(1))  # an opening prompt names no topic; a later reply prompt does
            self.store.topics.put(made)
        return self.topics[clean]

    def _sample(self, rec: Record, key: str) -> TeacherTurn:
        last = rec.student
        student = None
        if rec.kind == TurnKind.REPLY and last is not None:
            student = student_of(last, off_topic_bank=self.bank)  # the off-topic suspicion comes with the verdict
        check, results = judge_answer(rec.response, rec.kind, student)
        parsed = reply_of(check.parsed.obj, rec.kind)
        return TeacherTurn(kind=rec.kind, raw=rec.response, parsed=parsed, checks=results, source_key=key,
                           parse_error=None if parsed else "; ".join(check.parsed.problems) or "keys missing")

    def _store(self, d: Dialogue) -> None:
        d.planned_faults = [t.intended_fault for t in d.turns if isinstance(t, StudentTurn)]
        self.store.dialogues.put(d)

    def _add(self, rec: Record, run: Run, report: ImportReport, current: Dialogue | None) -> Dialogue | None:
        material = f"{rec.prompt}\0{rec.response}"
        if not rec.in_prompt:  # a chat's turn: the same words in another dialogue are another sample
            material += "\0" + "\0".join([rec.system or "", *(f"{role}: {text}" for role, text in rec.history)])
        key = hashlib.sha256(material.encode()).hexdigest()[:32]
        if key in self.keys:
            report.duplicates += 1
            return current
        self.keys.add(key)
        # A whole dialogue's system line holds the prompt's rules, the topic's name among them.
        topic_id = self._topic(rec.topic, report, f"{rec.prompt}\n{rec.system or ''}")
        sample = self._sample(rec, key)
        sample.train_weight = 1 if rec.weight else 0  # a weight-0 turn stays context, as in the file
        report.samples += sample.train_weight
        report.failing += sample.train_weight and not sample.passed
        if current is not None and current.topic_id == topic_id and _continues(current, rec.history):
            current.turns += [self._student(rec.history[-1][1]), sample]
            return current
        if current is not None:
            self._store(current)
        turns: list[StudentTurn | TeacherTurn] = []
        for i, (role, text) in enumerate(rec.history):
            if role == "student":
                turns.append(self._student(text))
            else:
                turns.append(TeacherTurn(kind=TurnKind.OPENING if i == 0 else TurnKind.REPLY, raw=text, train_weight=0))
        report.dialogues += 1
        return Dialogue(topic_id=topic_id, run_id=run.id, index=report.dialogues - 1, source="imported",
                        status=DialogueStatus.COMPLETE, turns=[*turns, sample])


    def run(self) -> ImportReport:
        if not self.path.is_file():
            raise InputError(self.path, None, "no such file")
        digest = file_hash(self.path)
        done = next((r for r in self.store.runs if r.source_hash == digest), None)
        if done is not None:
            return ImportReport(done.id, already=True)
        _check_readable(self.path)
        run = Run(kind="import", status=RunStatus.SUCCEEDED, source=str(self.path), source_hash=digest,
                  started=utcnow(), finished=utcnow())
        report = ImportReport(run.id)
        with self.store.atomic():  # all or nothing; dialogues are stored as they are completed
            current: Dialogue | None = None
            for rec in read_records(self.path):
                assert isinstance(rec, Record)
                current = self._add(rec, run, report, current)
            if current is not None:
                self._store(current)
            run.planned = run.completed = report.dialogues
            report.pending = self.pending
            self.store.runs.put(run)
        return report
