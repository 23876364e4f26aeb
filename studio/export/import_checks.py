"""The checks of an import's records: every check but the off-topic judgement, a chunk at a time.

Each record's checks need nothing of the others (its answer's contract and meaning checks, what each
student turn before it turned out to be), so a large file's chunks are checked in worker processes,
one per core (:class:`Checker`), while the importer reads on and puts the dialogues together in file
order. A worker also takes the personal data out of its records first (:mod:`.privacy`) and gives
each its identity (:func:`sample_key`): the importer stores the records as the workers give them back. A small file, or a machine with one core, is checked in the importer's own process: the
same function either way (:func:`check_chunk`). Workers start from a fresh server process
(``forkserver``), never as a copy of a process whose other threads may hold locks; the server loads
what every worker's checks share once (:mod:`.check_server`) and each worker then loads its sentence
model. The workers start on a thread of their own while the importer reads on: what it reads
meanwhile waits for them (:class:`Checker`).
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import threading
from collections.abc import Iterator
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field

from studio.datafiles.dataset_reader import Record
from studio.domain import CheckResult, FaultKind, TeacherReply, TurnKind
from studio.domain.parse import parse_answer
from studio.domain.pii import Tally
from studio.export.collector import collector_paused
from studio.export.privacy import redact_record
from studio.semantic.encoder import EncoderError, sentence_vectors
from studio.synth.detect import observe, student_seen, warm_up
from studio.turn.meaning import vectors_first
from studio.turn.verdict import judge_answer, meaning_texts, reply_of

#: A file this large is checked in worker processes (smaller ones are done before workers start).
WORKERS_FROM_BYTES = 4 << 20


@dataclass(frozen=True)
class Item:
    """What one record's checks read."""

    response: str
    kind: TurnKind
    students: tuple[str, ...]  # the student turns of its dialogue so far (each one's fault is observed)
    answers: str | None  # the student turn a reply answers (the last of them)


@dataclass
class Checked:
    """One record's checks: its answer's parsed reply (None: it could not be read), the check results
    and why it could not be read, and the fault each student turn before it turned out to be."""

    reply: TeacherReply | None
    checks: list[CheckResult]
    parse_error: str | None
    seen: dict[str, FaultKind] = field(default_factory=dict)


def check_chunk(items: list[Item], bank: frozenset[str] | None = None) -> list[Checked]:
    """Check a chunk of records: each answer parsed once, the texts their meaning checks ask the
    sentence model about run through it together, each student text observed once."""
    bank = _BANK if bank is None else bank
    parsed = [parse_answer(item.response) for item in items]
    vectors_first([meaning_texts(p.obj) for p in parsed])  # made together: the checks below find them
    seen: dict[str, FaultKind] = {}
    out = []
    for item, p in zip(items, parsed, strict=True):
        for text in item.students:
            if text not in seen:
                seen[text] = observe(text, off_topic_bank=bank)
        # the off-topic suspicion comes with the verdict
        student = student_seen(item.answers, seen[item.answers], bank) if item.answers is not None else None
        check, results = judge_answer(item.response, item.kind, student, parsed=p)
        reply = reply_of(check.parsed.obj, item.kind)
        out.append(Checked(reply, results, None if reply else "; ".join(check.parsed.problems) or "keys missing",
                           {text: seen[text] for text in item.students}))
    return out


@dataclass
class Read:
    """One record as the importer stores it: its personal data replaced (unless kept), the kinds replaced,
    its identity in the file and its checks."""

    record: Record
    pii: tuple[str, ...]
    key: str
    checked: Checked


def read_chunk(records: list[Record], keep_pii: bool = False, bank: frozenset[str] | None = None) -> list[Read]:
    """A chunk of records redacted (``keep_pii``: as they are), keyed and checked (:func:`check_chunk`),
    the cyclic collector paused meanwhile (a chunk makes tens of thousands of objects, none in a cycle)."""
    with collector_paused():
        return _read_chunk(records, keep_pii, bank)


def _read_chunk(records: list[Record], keep_pii: bool, bank: frozenset[str] | None) -> list[Read]:
    found: list[tuple[str, ...]] = []
    if not keep_pii:
        clean = []
        for record in records:
            tally = Tally()
            clean.append(redact_record(record, tally))
            found.append(tuple(tally.by_kind.elements()))
        records = clean
    checked = check_chunk([item_of(record) for record in records], bank)
    return [Read(record, found[i] if found else (), sample_key(record), c)
            for i, (record, c) in enumerate(zip(records, checked, strict=True))]


#: A chunk's records as a worker sends them back: a record nothing was redacted from is left out (None)
#: and the importer takes its own copy (:meth:`Checker.result`), so a file's text crosses to the
#: workers once, not back again.
Sent = list[tuple[Record | None, tuple[str, ...], str, Checked]]


def _read_sent(records: list[Record], keep_pii: bool, bank: frozenset[str] | None = None) -> Sent:
    """:func:`read_chunk`, its records as :data:`Sent`."""
    return [(None if read.record is record or read.record == record else read.record, read.pii, read.key, read.checked)
            for record, read in zip(records, read_chunk(records, keep_pii, bank), strict=True)]


def _received(records: list[Record], sent: Sent) -> list[Read]:
    return [Read(record if back is None else back, pii, key, checked)
            for record, (back, pii, key, checked) in zip(records, sent, strict=True)]


def item_of(rec: Record) -> Item:
    students = tuple(dict.fromkeys(text for role, text in rec.history if role == "student"))
    return Item(rec.response, rec.kind, students, rec.student if rec.kind == TurnKind.REPLY else None)


def sample_key(rec: Record) -> str:
    """A sample's identity in the file: its prompt and answer (a chat's turn: with its system line and
    the turns before it, so the same words in another dialogue are another sample)."""
    material = f"{rec.prompt}\0{rec.response}"
    if not rec.in_prompt:
        material += "\0" + "\0".join([rec.system or "", *(f"{role}: {text}" for role, text in rec.history)])
    return hashlib.sha256(material.encode()).hexdigest()[:32]


_BANK: frozenset[str] = frozenset()


def _start_worker(bank: frozenset[str]) -> None:
    """A worker's start: the off-topic bank, and the models every chunk's checks use, loaded now."""
    global _BANK
    _BANK = bank
    warm_up()  # the speller and detectors
    try:
        sentence_vectors(["Did you enjoy it?"])
    except EncoderError:
        pass
    gc.freeze()  # the models' millions of objects live as long as the worker: no collection rescans them


#: Chunks the importer may read ahead while its workers start (then ``2 × workers``).
AHEAD_WHILE_STARTING = 64


class Checker:
    """Checks chunks of records here, or in worker processes for a large file (:func:`checker`).

    The worker processes start on a thread of their own (:meth:`start`): the first chunk submitted
    starts the first of them, which waits for the server to load what they share. Chunks submitted
    meanwhile wait in order and are handed to the workers once they run, so the importer reads and
    parses on instead of waiting."""

    def __init__(self, bank: frozenset[str], pool: ProcessPoolExecutor | None = None, workers: int = 0) -> None:
        self.bank, self.pool, self.workers = bank, pool, workers
        self._lock = threading.Lock()
        self._submitted = threading.Condition(self._lock)
        self._waiting: list[tuple[list[Record], bool, Future[Sent]]] | None = None  # None: workers running
        self._closed = False

    def start(self) -> None:
        """Start the workers on a thread; :meth:`submit` keeps what comes before they run."""
        if self.pool is None:
            return
        self._waiting = []
        threading.Thread(target=self._start, name="import-checkers", daemon=True).start()

    def close(self) -> None:
        """No more chunks: a thread still waiting for the first one ends."""
        with self._lock:
            self._closed = True
            self._submitted.notify_all()

    def _start(self) -> None:
        with self._lock:
            while not self._waiting and not self._closed:
                self._submitted.wait()
            first = self._waiting.pop(0) if self._waiting else None
        if first is not None:
            self._hand(*first)  # starts the first worker: the server loads what they share first
        with self._lock:
            waiting, self._waiting = self._waiting or [], None
            for records, keep_pii, placeholder in waiting:
                self._hand(records, keep_pii, placeholder)

    def _hand(self, records: list[Record], keep_pii: bool, placeholder: Future[Sent]) -> None:
        """Give a chunk that waited to the workers; its result (or their loss) reaches ``placeholder``."""
        try:
            if self.pool is None:
                raise BrokenProcessPool("the check workers were lost")
            reading = self.pool.submit(_read_sent, records, keep_pii)
        except (BrokenProcessPool, RuntimeError) as exc:  # RuntimeError: shut down (the import failed)
            placeholder.set_exception(BrokenProcessPool(str(exc)))
            return
        except Exception as exc:  # noqa: BLE001 - raised where the chunk's result is asked for, as it would be
            placeholder.set_exception(exc)
            return
        reading.add_done_callback(lambda done: _pass_on(done, placeholder))

    def submit(self, records: list[Record], keep_pii: bool) -> Future[Sent]:
        if self.pool is not None:
            with self._lock:
                if self._waiting is not None:  # the workers are starting
                    placeholder: Future[Sent] = Future()
                    self._waiting.append((records, keep_pii, placeholder))
                    self._submitted.notify()
                    return placeholder
            try:
                return self.pool.submit(_read_sent, records, keep_pii)
            except BrokenProcessPool:
                self._lost()
        done: Future[Sent] = Future()
        done.set_result(_read_sent(records, keep_pii, self.bank))
        return done

    def result(self, records: list[Record], keep_pii: bool, reading: Future[Sent]) -> list[Read]:
        """A chunk's records as read; if its worker was lost (killed, or it could not start: a script that
        starts an import from its top level, unguarded by ``if __name__ == "__main__"``), read here instead."""
        try:
            return _received(records, reading.result())
        except (BrokenProcessPool, CancelledError):  # cancelled: the workers were given up before it ran
            self._lost()
            return read_chunk(records, keep_pii, self.bank)

    def _lost(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool, self.workers = None, 0

    @property
    def ahead(self) -> int:
        """How many chunks may be being checked at once (two a worker: one runs while one waits), or read
        ahead while the workers start."""
        if self._waiting is not None:
            return AHEAD_WHILE_STARTING
        return 2 * self.workers or 1


def _pass_on(done: Future[Sent], placeholder: Future[Sent]) -> None:
    if done.cancelled():  # the workers were given up (lost): the chunk is read where its result is asked for
        placeholder.set_exception(BrokenProcessPool("the check workers were given up"))
        return
    error = done.exception()
    if error is not None:
        placeholder.set_exception(error)
    else:
        placeholder.set_result(done.result())


def workers_for(size: int) -> int:
    """Worker processes for a file of ``size`` bytes: one per core, up to ``STUDIO_IMPORT_WORKERS``
    (default 2); none for a small file or one core."""
    raw = os.environ.get("STUDIO_IMPORT_WORKERS", "2").strip()
    most = int(raw) if raw.isdigit() else 2
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    n = min(most, cores)
    return n if n > 1 and size >= WORKERS_FROM_BYTES else 0


@contextmanager
def checker(bank: frozenset[str], size: int) -> Iterator[Checker]:
    """A :class:`Checker` for a file of ``size`` bytes; its worker processes end with the block."""
    workers = workers_for(size)
    if not workers:
        yield Checker(bank)
        return
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, "studio.export.check_server"])
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(bank,))
    check = Checker(bank, pool, workers)
    check.start()
    try:
        yield check
    finally:
        check.close()
        if check.pool is not None:
            check.pool.shutdown(wait=True, cancel_futures=True)
