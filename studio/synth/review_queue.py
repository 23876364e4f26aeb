"""Sharing the review queue between reviewers.

A reviewer takes the next sample nobody else has open: taking it writes a claim (who, until when) to
``review-claims.json`` in the workspace under its own file lock, so reviewers in different processes (two
terminals, browser tabs) never get the same sample at once. A claim expires after
``review.claim_minutes``; deciding the sample releases it.

A share of the samples (``review.double_share``, chosen by a stable hash of the sample's key, so every
process picks the same ones) is given to two reviewers: the second one is offered it even after the first
decided, and is not told the first decision. Those samples are what the reviewers' agreement is measured on.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from filelock import FileLock

CLAIMS_FILE = "review-claims.json"


def doubly_reviewed(key: str, share: float) -> bool:
    """Whether this sample is one of the ``share`` given to two reviewers (stable across processes)."""
    if share <= 0:
        return False
    digest = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")
    return digest % 10_000 < round(share * 10_000)


@dataclass(frozen=True)
class Candidate:
    """A sample the queue may offer: its key, the stored review and who has decided it so far."""

    key: str
    review: str
    deciders: frozenset[str]


class Claims:
    """The open claims of a workspace, read and written under one file lock."""

    def __init__(self, folder: Path, minutes: float = 30.0) -> None:
        self.path = folder / CLAIMS_FILE
        self.lock = FileLock(str(self.path) + ".lock", timeout=10)
        self.minutes = minutes

    def _read(self, now: datetime) -> dict[str, dict[str, str]]:
        try:
            data = orjson.loads(self.path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return {}  # no claims yet, or a torn file: claims are short-lived, the store is not touched
        if not isinstance(data, dict):
            return {}
        return {k: v for k, v in data.items()
                if isinstance(v, dict) and isinstance(v.get("until"), str) and _when(v["until"]) > now}

    def _write(self, claims: dict[str, dict[str, str]]) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(orjson.dumps(claims, option=orjson.OPT_SORT_KEYS))
        os.replace(tmp, self.path)

    def open(self) -> dict[str, str]:
        """Sample key → the reviewer who has it open now."""
        with self.lock:
            return {k: v["reviewer"] for k, v in self._read(datetime.now(UTC)).items()}

    def take(self, reviewer: str, candidates: Iterable[Candidate], share: float) -> str | None:
        """Claim the first candidate this reviewer may review and nobody else has open; None if none."""
        now = datetime.now(UTC)
        with self.lock:
            claims = self._read(now)
            for c in candidates:
                held = claims.get(c.key)
                if held and held.get("reviewer") != reviewer:
                    continue
                if not offered(c, reviewer, share):
                    continue
                claims[c.key] = {"reviewer": reviewer, "until": (now + timedelta(minutes=self.minutes)).isoformat()}
                self._write(claims)
                return c.key
        return None

    def release(self, keys: Iterable[str], reviewer: str) -> None:
        with self.lock:
            claims = self._read(datetime.now(UTC))
            gone = [k for k in keys if claims.get(k, {}).get("reviewer") == reviewer]
            if gone:
                for k in gone:
                    del claims[k]
                self._write(claims)


def offered(c: Candidate, reviewer: str, share: float) -> bool:
    """Whether the queue offers this sample to this reviewer: not yet decided by them, and either nobody's
    decision is in, or it is a doubly reviewed sample with fewer than two decisions."""
    if reviewer in c.deciders:
        return False
    if c.review == "pending" and not c.deciders:
        return True
    return doubly_reviewed(c.key, share) and len(c.deciders) < 2


def _when(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)
