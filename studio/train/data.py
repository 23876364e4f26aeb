"""A snapshot's files as the training data each back-end reads.

Any export format reads back through its codec (:mod:`studio.datafiles.formats`) as chat
``messages`` rows (the shape TRL, LLaMA-Factory's ``openai`` formatting and OpenAI take); Qianfan
gets its prompt/response lines back from them through the Qianfan codec.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from studio.datafiles.formats import RecordError, by_name, read_file
from studio.datafiles.textfile import InputError
from studio.domain import DatasetSnapshot

Row = dict[str, Any]


class DataError(ValueError):
    """A snapshot file that cannot be trained on; the message names file and line."""


def read_rows(path: Path) -> list[Row]:
    """Every chat of the file as a row; the first line that cannot be trained on stops it, named."""
    rows: list[Row] = []
    try:
        for item in read_file(path):
            if item.problem is not None:
                raise DataError(f"{path}:{item.line}: not a training record ({item.problem})")
            for messages in item.chats:
                if messages[-1]["role"] != "assistant":
                    raise DataError(f"{path}:{item.line}: no assistant answer to learn")
                if not any(m["role"] == "assistant" and m.get("weight", 1) for m in messages):
                    raise DataError(f"{path}:{item.line}: every assistant turn has weight 0: nothing to learn")
                rows.append({"messages": messages})
    except InputError as exc:
        raise DataError(str(exc)) from None
    return rows


def snapshot_rows(snapshot: DatasetSnapshot, eval_split: float, seed: int,
                  eval_rows: int = 0) -> tuple[list[Row], list[Row]]:
    """Train and eval rows: the snapshot's own eval file when it has one, else ``eval_split`` of train;
    at most ``eval_rows`` eval rows (a seeded sample) when that is above 0."""
    files = {Path(f).name: Path(f) for f in snapshot.files}
    if "train.jsonl" not in files:
        raise DataError(f"snapshot {snapshot.id} has no train.jsonl (files: {', '.join(files) or 'none'})")
    for path in files.values():
        if not path.exists():
            raise DataError(f"snapshot {snapshot.id}: {path} is missing; export again")
    train = read_rows(files["train.jsonl"])
    held = read_rows(files["eval.jsonl"]) if "eval.jsonl" in files else []
    if not held and eval_split > 0 and len(train) > 1:
        rng = random.Random(seed)
        order = list(range(len(train)))
        rng.shuffle(order)
        cut = max(1, int(len(train) * eval_split))
        chosen = set(order[:cut])
        held = [r for i, r in enumerate(train) if i in chosen]
        train = [r for i, r in enumerate(train) if i not in chosen]
    if not train:
        raise DataError(f"snapshot {snapshot.id} has no training rows")
    if 0 < eval_rows < len(held):
        held = random.Random(seed).sample(held, eval_rows)
    return train, held


def has_unlearned(rows: list[Row]) -> bool:
    return any(m.get("weight", 1) == 0 for row in rows for m in row["messages"] if m["role"] == "assistant")


def learned_prefixes(rows: list[Row]) -> list[Row]:
    """Each learned assistant turn as its own row, ending at that turn (for trainers that learn only the
    last turn of a row, e.g. LLaMA-Factory with ``mask_history``): weight-0 turns stay history only."""
    out = []
    for row in rows:
        messages = row["messages"]
        for i, m in enumerate(messages):
            if m["role"] == "assistant" and m.get("weight", 1):
                out.append({"messages": [{"role": x["role"], "content": x["content"]} for x in messages[: i + 1]]})
    return out


def without_weights(rows: list[Row]) -> list[Row]:
    return [{"messages": [{"role": m["role"], "content": m["content"]} for m in row["messages"]]} for row in rows]


def qianfan_lines(rows: list[Row]) -> list[Any]:
    """Messages back to Qianfan's prompt/response turns (a system message joins the first prompt).

    Qianfan's data format has no per-turn weight (every response is learned), so rows with weight-0
    turns are refused rather than trained on."""
    if has_unlearned(rows):
        raise DataError("Qianfan learns every response of a line and has no per-turn weight; this snapshot has "
                        "weight-0 turns (whole dialogues): export per-turn samples for Qianfan instead "
                        "(studio export --format qianfan)")
    qianfan = by_name("qianfan")
    out = []
    for n, row in enumerate(rows, 1):
        try:
            out.append(qianfan.write(row["messages"]))
        except RecordError as exc:
            raise DataError(f"row {n}: {exc}") from None
    return out


def write_jsonl(path: Path, rows: list[Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
