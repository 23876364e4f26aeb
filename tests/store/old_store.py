"""A store as the studio wrote it before check results had ids (schema version 1): a teacher
turn's failed checks held only their English message."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from studio.store.storage import JournalStorage

TOPIC_ID = "t-old0000000000001"
DIALOGUE_ID = "d-old0000000000001"
OPENING = {"Reply": "Hi! What did you do last weekend?",
           "Suggestion": ["I went hiking.", "I stayed at home.", "I visited my grandparents."]}
ANSWER = {"Reply": "Sounds fun! Who did you go with?",
          "Suggestion": ["I went with my friends.", "I went with my family.", "I went alone."],
          "Analysis": "你的表达完全正确，非常流畅。"}
#: The English lines the studio stored then (one that no message of today's makes: kept as it is).
CHECKS = [
    {"id": "fault.uncorrected", "severity": "error",
     "message": "the student's errors are not corrected in the Analysis ('goed' → 'went')"},
    {"id": "fault.praised_error", "severity": "error",
     "message": "Analysis calls an erroneous utterance correct: '完全正确'"},
    {"id": "suggestion.distinct", "severity": "warning", "message": "a line no template makes"},
]


def _teacher(kind: str, reply: dict, checks: list[dict]) -> dict:
    return {"role": "teacher", "kind": kind, "raw": json.dumps(reply, ensure_ascii=False), "parsed": reply,
            "parse_error": None, "checks": checks, "review": "pending", "edits": [], "train_weight": 1,
            "attempts": 1, "call_id": None, "created": "2025-11-01T08:00:00Z"}


def old_tables() -> dict[str, dict]:
    student = {"role": "student", "text": "I goed to the park with my friends.", "intended_fault": "grammar",
               "observed_fault": "grammar", "injection": None, "call_id": None, "created": "2025-11-01T08:00:00Z"}
    dialogue = {"id": DIALOGUE_ID, "topic_id": TOPIC_ID, "run_id": None, "index": None,
                "planned_faults": ["grammar"], "status": "complete", "source": "generated",
                "turns": [_teacher("opening", OPENING, []), student, _teacher("reply", ANSWER, CHECKS)],
                "error": None, "created": "2025-11-01T08:00:00Z", "updated": "2025-11-01T08:00:00Z"}
    topic = {"id": TOPIC_ID, "text": "两个朋友在聊上周末做了什么。", "title": "Last weekend", "tags": [],
             "source": "manual", "parent_ids": [], "created": "2025-11-01T08:00:00Z", "enabled": True}
    return {"_meta": {"schema": {"version": 1}}, "topics": {TOPIC_ID: topic}, "dialogues": {DIALOGUE_ID: dialogue}}


def write_old_store(folder: Path) -> None:
    """``folder``'s store as version 1 with the old dialogue in it (the rest of a store kept)."""
    path = folder / "studio.json"
    tables: dict[str, dict] = {}
    if path.exists():
        storage = JournalStorage(path, flush_interval=0)
        tables = {name: dict(docs) for name, docs in storage.read().items()}
        storage.close()
    for name, docs in old_tables().items():
        tables.setdefault(name, {}).update(docs)
    tables["_meta"] = old_tables()["_meta"]
    journal = path.with_name(path.name + ".journal")
    if journal.exists():
        journal.unlink()
    path.write_bytes(orjson.dumps(tables))
