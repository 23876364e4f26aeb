"""Topic expansion by self-instruct, turning away near-duplicates by character n-gram similarity."""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from studio.domain import RejectedTopic, Topic, TopicSource
from studio.domain.text import cjk_share
from studio.llm.base import ChatRequest, Message
from studio.llm.client import CallContext, LLMClient
from studio.store import Store
from studio.synth.topics import normalise
from studio.turn.prompts import Prompts

_STRIP = re.compile(r"[\s，。、,.!！?？；;：:\"'“”‘’（）()《》]")
_NUMBERING = re.compile(r"^\s*(\d+[.、)）]|[-*•]|[（(]\d+[)）])\s*")


def grams(text: str) -> frozenset[str]:
    """Character bigrams of the text without punctuation or spaces."""
    core = _STRIP.sub("", text)
    return frozenset(core[i : i + 2] for i in range(len(core) - 1)) or frozenset([core])


def dice(a: frozenset[str], b: frozenset[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


class TopicIndex:
    """Nearest neighbour by bigram Dice similarity, through an inverted index."""

    def __init__(self) -> None:
        self.grams: dict[str, frozenset[str]] = {}
        self.texts: dict[str, str] = {}
        self.postings: dict[str, set[str]] = defaultdict(set)

    def add(self, key: str, text: str) -> None:
        g = grams(text)
        self.grams[key], self.texts[key] = g, text
        for gram in g:
            self.postings[gram].add(key)

    def nearest(self, text: str) -> tuple[str | None, float]:
        g = grams(text)
        shared: dict[str, int] = defaultdict(int)
        for gram in g:
            for key in self.postings.get(gram, ()):
                shared[key] += 1
        best, score = None, 0.0
        for key, n in shared.items():
            s = 2 * n / (len(g) + len(self.grams[key]))
            if s > score:
                best, score = key, s
        return best, score


def candidates(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        line = normalise(_NUMBERING.sub("", line)).strip("\"'“”")
        if line and not line.startswith("["):
            out.append(line)
    return out


@dataclass
class ExpandReport:
    accepted: list[Topic] = field(default_factory=list)
    rejected: list[RejectedTopic] = field(default_factory=list)
    rounds: int = 0
    note: str | None = None


async def expand(store: Store, client: LLMClient, prompts: Prompts, n: int, *, threshold: float = 0.6,
                 examples: int = 3, batch: int = 10, seed: int = 0, max_rounds: int | None = None,
                 on_round: Callable[[ExpandReport], None] | None = None) -> ExpandReport:
    """Self-instruct rounds until ``n`` new topics are accepted (or the rounds run out)."""
    if n < 1:
        raise ValueError("--n must be at least 1")
    if not 0 < threshold <= 1:
        raise ValueError("--threshold must be in (0, 1]")
    pool = [t for t in store.topics if t.enabled] or store.topics.all()
    if not pool:
        raise ValueError("the topic pool is empty: add or import a few seed topics first")
    index = TopicIndex()
    for t in store.topics:
        index.add(t.id, t.text)
    rng = random.Random(seed)
    report = ExpandReport()
    limit = max_rounds if max_rounds is not None else 5 + 3 * (n + batch - 1) // batch
    while len(report.accepted) < n and report.rounds < limit:
        report.rounds += 1
        shots = rng.sample(pool, min(examples, len(pool)))
        prompt = prompts.render("expand_topics", n=min(batch, n - len(report.accepted) + 2),
                                examples="\n".join(t.text for t in shots))
        result = await client.chat(ChatRequest([Message("user", prompt)], temperature=1.0, variant=f"{seed}:{report.rounds}"),
                                   CallContext(role="expand"))
        accepted, rejected = [], []
        for text in candidates(result.text):
            if len(report.accepted) + len(accepted) >= n:
                break
            if cjk_share(text) < 0.5 or len(text) < 8:
                rejected.append(RejectedTopic(text=text, reason="not a Chinese scenario sentence"))
                continue
            near, score = index.nearest(text)
            if near is not None and score >= threshold:
                rejected.append(RejectedTopic(text=text, nearest_id=near if not near.startswith("new:") else None,
                                              nearest_text=index.texts[near], similarity=round(score, 3)))
                continue
            topic = Topic(text=text, source=TopicSource.EXPANDED, parent_ids=[t.id for t in shots])
            index.add(topic.id, text)
            accepted.append(topic)
        with store.atomic():
            store.topics.put_many(accepted)
            store.rejected.put_many(rejected)
        report.accepted += accepted
        report.rejected += rejected
        if on_round:
            on_round(report)
    if len(report.accepted) < n:
        report.note = (f"stopped after {report.rounds} rounds with {len(report.accepted)} of {n} new topics: the "
                       "provider keeps repeating the pool; raise --threshold or add more varied seed topics")
    return report
