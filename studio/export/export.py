"""Export: select samples, split by topic, report before writing, write files, record a snapshot."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from studio.datafiles.formats import FORMATS, by_name
from studio.domain import STUDENT_FAULTS, DatasetSnapshot, FaultKind, Mix
from studio.domain.contract import CHECK_IDS
from studio.domain.messages import N_, Message
from studio.domain.text import MAX_WORDS, word_count
from studio.export.collector import collector_paused
from studio.export.formats import line_bytes, records
from studio.export.privacy import Tally, redact_rows
from studio.export.provenance import provenance, provenance_counts
from studio.export.samples import Filters, Sample, iter_samples
from studio.store import Store
from studio.store.storage import atomic_write
from studio.turn.context import PROMPT_STYLES
from studio.turn.prompts import Prompts

TOKEN_METHOD = N_("tokenizer-free estimate: 1 token per CJK character, 1 per 4 other characters")


@dataclass
class ExportOptions:
    format: str
    out: Path | None = None
    split: float | None = None
    seed: int = 0
    dialogues: bool = False  # openai: whole dialogues with per-turn weight instead of one sample per turn
    style: str = ""  # the format's way of writing lines (llamafactory: openai or sharegpt); empty: its default
    prompt: str = "full"  # the teacher prompt's style (studio.turn.context.PROMPT_STYLES): full or compact
    filters: Filters = field(default_factory=Filters)
    max_tokens: int = 2048
    epochs: int = 3
    train_price: float | None = None  # per 1k training tokens


@dataclass
class Preflight:
    samples: int
    dialogues: int
    topics: int
    train: int
    eval: int
    by_fault: dict[str, int]
    mix_actual: dict[str, float]
    mix_target: dict[str, float]
    failures: dict[str, int]
    failing_samples: int
    duplicates: int
    over_long: int
    tokens: int
    training_tokens: int
    cost: float | None
    token_method: str = TOKEN_METHOD

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def select(store: Store, prompts: Prompts, filters: Filters, prompt: str = "full") -> list[Sample]:
    with collector_paused():
        return [s for s in iter_samples(store, prompts, prompt) if filters.keep(s)]



def check_options(opts: ExportOptions) -> None:
    """Refuse option combinations that cannot be written, naming the option."""
    if opts.prompt not in PROMPT_STYLES:
        raise ValueError(Message("export.prompt", N_("--prompt: '{prompt}' is not one of: {known}"),
                                 prompt=opts.prompt, known=", ".join(PROMPT_STYLES)))
    fmt = by_name(opts.format)
    fmt.style_of(opts.style)
    if opts.dialogues and not fmt.weights:
        weighted = ", ".join(f.name for f in FORMATS.values() if f.weights)
        raise ValueError(Message("export.dialogues-format", N_("--dialogues applies to --format {formats} only"),
                                 formats=weighted))
    if opts.dialogues and opts.prompt != "full":
        raise ValueError(Message("export.dialogues-compact", N_("--prompt compact writes one sample per teacher turn; "
                                                                "whole dialogues (--dialogues) carry the full prompt's "
                                                                "rules in their system line")))


def split_by_topic(samples: list[Sample], ratio: float | None, seed: int) -> tuple[list[Sample], list[Sample]]:
    """Train/eval by topic, so no topic is in both. ``ratio`` is the train share of samples."""
    if ratio is None:
        return samples, []
    if not 0 < ratio < 1:
        raise ValueError(Message("export.split", N_("--split must be between 0 and 1 (e.g. 0.9)")))
    per_topic = Counter(s.topic.id for s in samples)
    texts = {s.topic.id: s.topic.text for s in samples}
    # ordered by the topic's text, not its id (new in every workspace): a seed splits the same data the same way
    order = sorted(per_topic, key=lambda t: (hashlib.sha256(f"{seed}:{texts[t]}".encode()).hexdigest(), t))
    want = (1 - ratio) * len(samples)
    held: set[str] = set()
    count = 0
    for topic in order:
        if count >= want or len(held) >= len(per_topic) - 1:
            break
        held.add(topic)
        count += per_topic[topic]
    return [s for s in samples if s.topic.id not in held], [s for s in samples if s.topic.id in held]


def preflight(samples: list[Sample], train: list[Sample], held: list[Sample], target: Mix, opts: ExportOptions) -> Preflight:
    with collector_paused():
        return _preflight(samples, train, held, target, opts)


def _preflight(samples: list[Sample], train: list[Sample], held: list[Sample], target: Mix,
               opts: ExportOptions) -> Preflight:
    faults = Counter(s.fault.value for s in samples)
    replies = sum(v for k, v in faults.items() if k != FaultKind.OPENING.value)
    actual = {k.value: (faults.get(k.value, 0) / replies if replies else 0.0) for k in STUDENT_FAULTS}
    failures = Counter(f for s in samples for f in s.failed)
    answers = Counter(s.answer for s in samples)
    pairs = Counter((s.prompt, s.answer) for s in samples)
    duplicates = sum(n - 1 for n in answers.values() if n > 1) + sum(n - 1 for n in pairs.values() if n > 1)
    over = sum(1 for s in samples if s.tokens > opts.max_tokens or word_count(s.reply) > MAX_WORDS)
    tokens = sum(s.tokens for s in train)
    return Preflight(
        samples=len(samples), dialogues=len({s.dialogue_id for s in samples}), topics=len({s.topic.id for s in samples}),
        train=len(train), eval=len(held), by_fault=dict(sorted(faults.items())), mix_actual=actual,
        mix_target={k.value: v for k, v in target.shares().items()},
        failures={k: failures[k] for k in CHECK_IDS if failures.get(k)}, failing_samples=sum(1 for s in samples if s.failed),
        duplicates=duplicates, over_long=over, tokens=tokens, training_tokens=tokens * opts.epochs,
        cost=tokens * opts.epochs / 1000 * opts.train_price if opts.train_price is not None else None,
    )


def write(store: Store, prompts: Prompts, train: list[Sample], held: list[Sample], report: Preflight,
          opts: ExportOptions, exports_dir: Path) -> DatasetSnapshot:
    with collector_paused():
        return _write(store, prompts, train, held, report, opts, exports_dir)


def _write(store: Store, prompts: Prompts, train: list[Sample], held: list[Sample], report: Preflight,
           opts: ExportOptions, exports_dir: Path) -> DatasetSnapshot:
    snapshot = DatasetSnapshot(format=opts.format)
    out = opts.out or exports_dir / snapshot.id
    if out.exists() and any(out.iterdir()):
        raise ValueError(Message("export.out-not-empty", N_("{folder} is not empty; choose another --out or remove it "
                                                            "first"), folder=out))
    final, out = out, partial_folder(out)  # written whole in a hidden folder, then renamed into place
    payloads: dict[str, bytes] = {}
    names = {"train": "train.jsonl"} | ({"eval": "eval.jsonl"} if held else {})
    fmt = by_name(opts.format)
    style = fmt.style_of(opts.style)
    written: list[Any] = []
    pii = Tally()  # personal data still in a sample (an import made with --keep-pii) never leaves in a file
    for split, samples in (("train", train), ("eval", held)):
        if split in names:
            rows = redact_rows(list(records(opts.format, samples, prompts, dialogues=opts.dialogues, style=style)), pii)
            written += rows
            payloads[names[split]] = b"".join(map(line_bytes, rows))
    for name, text in fmt.extra_files(names, written, style).items():  # e.g. LLaMA-Factory's dataset_info.json
        payloads[name] = text.encode("utf-8")
    digest = hashlib.sha256()
    for name in sorted(payloads):
        digest.update(name.encode() + b"\0")  # the name, the file and a separator (no copy of the file made)
        digest.update(payloads[name])
        digest.update(b"\0")
        atomic_write(out / name, payloads[name])
    snapshot.content_hash = digest.hexdigest()
    snapshot.filters = {**opts.filters.describe(), "split": opts.split, "seed": opts.seed, "dialogues": opts.dialogues,
                        "style": style, "prompt": opts.prompt}
    snapshot.counts = {"samples": report.samples, "train": report.train, "eval": report.eval,
                       **{f"fault.{k}": v for k, v in report.by_fault.items()},
                       **{f"check.{k}": v for k, v in report.failures.items()},
                       **{f"pii.{k}": v for k, v in sorted(pii.by_kind.items())}}
    made_by = provenance(store, [*train, *held])
    snapshot.counts.update(provenance_counts(made_by))
    snapshot.token_estimate = report.tokens
    snapshot.files = [str(final / n) for n in sorted(payloads)]
    manifest = {**snapshot.model_dump(mode="json"), "token_method": TOKEN_METHOD, "preflight": report.to_json(),
                "topics": {"train": sorted({s.topic.id for s in train}), "eval": sorted({s.topic.id for s in held})},
                "provenance": made_by}
    atomic_write(out / "manifest.json", (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    publish(out, final)
    store.snapshots.put(snapshot)
    store.flush()
    return snapshot


PARTIAL = ".partial-"


def partial_folder(out: Path) -> Path:
    """A fresh hidden folder beside ``out``; leftovers of killed exports there are removed first."""
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".*{PARTIAL}*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = out.parent / f".{out.name}{PARTIAL}{os.getpid()}"
    tmp.mkdir()
    return tmp


def publish(tmp: Path, out: Path) -> None:
    """Rename the finished folder into place: an export is there whole (manifest included) or not at all."""
    if out.is_dir():
        out.rmdir()  # empty (checked before writing)
    os.replace(tmp, out)
    fd = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def export_all(store: Store, prompts: Prompts, opts: ExportOptions, target: Mix, exports_dir: Path
               ) -> tuple[Preflight, DatasetSnapshot]:
    """Select, split, check and write in one go (the studio's Export form); ValueError when nothing matches."""
    check_options(opts)
    samples = select(store, prompts, opts.filters, opts.prompt)
    if not samples:
        raise ValueError(Message("export.nothing-selected-review",
                                 N_("no samples match the filters: approve some, or export with review 'all'")))
    train, held = split_by_topic(samples, opts.split, opts.seed)
    report = preflight(samples, train, held, target, opts)
    return report, write(store, prompts, train, held, report, opts, exports_dir)
