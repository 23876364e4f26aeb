"""Topic expansion by self-instruct: candidates pass the one near-duplicate guard, and arrive titled.

The prompt asks for ``场景描述｜简短中文名｜English title`` lines; a candidate the guard refuses is kept
in ``rejected`` once (a candidate proposed again raises its count), with its titles and the pool topics
it was proposed from, so accepting it later loses nothing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from studio.domain import RejectedTopic, Topic, TopicSource, utcnow
from studio.domain.messages import N_
from studio.domain.messages import Message as Told
from studio.domain.text import cjk_share
from studio.llm.base import ChatRequest, Message
from studio.llm.client import CallContext, LLMClient
from studio.llm.tasks import ExpandTask, TitleTask
from studio.store import Store
from studio.synth.topic_guard import DEFAULT_THRESHOLD, TopicGuard, fold
from studio.synth.topics import guard_of, normalise
from studio.turn.prompts import Prompts

_NUMBERING = re.compile(r"^\s*(\d+[.、)）]|[-*•]|[（(]\d+[)）])\s*")
_QUOTES = "\"'“”‘’"


@dataclass(frozen=True)
class Candidate:
    text: str
    name_zh: str = ""
    title: str = ""


def _names(parts: list[str]) -> tuple[str, str]:
    """(Chinese name, English title) from the fields after the scenario, whichever order they come in."""
    name_zh = title = ""
    for part in parts:
        part = part.strip().strip(_QUOTES).strip()
        if not part:
            continue
        if cjk_share(part) >= 0.5 and not name_zh:
            name_zh = part
        elif cjk_share(part) < 0.5 and not title:
            title = part
    return name_zh, title


def candidates(text: str) -> list[Candidate]:
    """One candidate a line: ``scenario｜中文名｜English title`` (the names may be missing)."""
    out = []
    for line in text.splitlines():
        line = normalise(_NUMBERING.sub("", line))
        if not line or line.startswith("["):
            continue
        fields = re.split(r"\s*[｜|]\s*", line)
        scenario = fields[0].strip().strip(_QUOTES).strip()
        if scenario:
            out.append(Candidate(scenario, *_names(fields[1:])))
    return out


@dataclass
class ExpandReport:
    accepted: list[Topic] = field(default_factory=list)
    rejected: list[RejectedTopic] = field(default_factory=list)
    rounds: int = 0
    note: Told | None = None  # why it stopped short (``str()``: the English line)
    untitled: int = 0  # accepted topics the model named in neither answer


async def _named(client: LLMClient, prompts: Prompts, topics: list[Topic], variant: str) -> list[Topic]:
    """Topics the expansion answer left without a Chinese name or an English title, named by one more call
    (``title_topics``: ``N｜中文名｜English title`` lines); what the model leaves out stays empty."""
    listing = "\n".join(f"{i}. {t.text}" for i, t in enumerate(topics, 1))
    request = ChatRequest([Message("user", prompts.render("title_topics", topics=listing))], temperature=0.3,
                          variant=variant, task=TitleTask(tuple(t.text for t in topics)))
    result = await client.chat(request, CallContext(role="expand", purpose="title"))
    names: dict[int, tuple[str, str]] = {}
    for line in result.text.splitlines():
        fields = re.split(r"\s*[｜|]\s*", normalise(line))
        number = re.match(r"\D*(\d+)", fields[0])
        if number and len(fields) > 1:
            names[int(number.group(1))] = _names(fields[1:])
    out = []
    for i, t in enumerate(topics, 1):
        name_zh, title = names.get(i, ("", ""))
        out.append(t.model_copy(update={"name_zh": t.name_zh or name_zh, "title": t.title or title}))
    return out


def _remember(store: Store, rejected: list[RejectedTopic]) -> list[RejectedTopic]:
    """Rejected candidates merged into the stored ones: a repeat raises the count of the row it repeats."""
    known = {fold(r.text): r for r in store.rejected.all()}
    out: dict[str, RejectedTopic] = {}
    for r in rejected:
        key = fold(r.text)
        prior = out.get(key) or known.get(key)
        if prior is None:
            out[key] = r
        else:
            out[key] = prior.model_copy(update={"count": prior.count + 1, "last_seen": utcnow(),
                                                "similarity": r.similarity, "nearest_id": r.nearest_id,
                                                "nearest_text": r.nearest_text, "measure": r.measure,
                                                "title": prior.title or r.title, "name_zh": prior.name_zh or r.name_zh,
                                                "parent_ids": prior.parent_ids or r.parent_ids})
    return list(out.values())


async def expand(store: Store, client: LLMClient, prompts: Prompts, n: int, *, threshold: float = DEFAULT_THRESHOLD,
                 examples: int = 3, batch: int = 10, seed: int = 0, max_rounds: int | None = None,
                 on_round: Callable[[ExpandReport], None] | None = None) -> ExpandReport:
    """Self-instruct rounds until ``n`` new topics are accepted (or the rounds run out)."""
    if n < 1:
        raise ValueError(Told("expand.n", N_("--n must be at least 1")))
    if not 0 < threshold <= 1:
        raise ValueError(Told("expand.threshold", N_("--threshold must be in (0, 1]")))
    pool = [t for t in store.topics if t.enabled] or store.topics.all()
    if not pool:
        raise ValueError(Told("expand.empty-pool", N_("the topic pool is empty: add or import a few seed topics first")))
    guard: TopicGuard = guard_of(store, threshold=threshold)
    rng = random.Random(seed)
    report = ExpandReport()
    limit = max_rounds if max_rounds is not None else 5 + 3 * (n + batch - 1) // batch
    while len(report.accepted) < n and report.rounds < limit:
        report.rounds += 1
        shots = rng.sample(pool, min(examples, len(pool)))
        parents = [t.id for t in shots]
        task = ExpandTask(min(batch, n - len(report.accepted) + 2), tuple(t.text for t in shots))
        prompt = prompts.render("expand_topics", n=task.n, examples="\n".join(task.examples))
        result = await client.chat(ChatRequest([Message("user", prompt)], temperature=1.0, variant=f"{seed}:{report.rounds}",
                                               task=task), CallContext(role="expand", purpose="expand"))
        accepted: list[Topic] = []
        rejected: list[RejectedTopic] = []
        for c in candidates(result.text):
            if len(report.accepted) + len(accepted) >= n:
                break
            if cjk_share(c.text) < 0.5 or len(c.text) < 8:
                rejected.append(RejectedTopic(text=c.text, reason="not a Chinese scenario sentence", title=c.title,
                                              name_zh=c.name_zh, parent_ids=parents))
                continue
            match = guard.check(c.text)
            if match is not None:
                rejected.append(RejectedTopic(text=c.text, nearest_id=match.id, nearest_text=match.text,
                                              similarity=match.score, measure=match.measure, title=c.title,
                                              name_zh=c.name_zh, parent_ids=parents))
                continue
            topic = Topic(text=c.text, title=c.title, name_zh=c.name_zh, source=TopicSource.EXPANDED,
                          parent_ids=parents)
            guard.add(topic.id, c.text)
            accepted.append(topic)
        if untitled := [t for t in accepted if not (t.title and t.name_zh)]:
            named = {t.id: t for t in await _named(client, prompts, untitled, f"{seed}:{report.rounds}:names")}
            accepted = [named.get(t.id, t) for t in accepted]
            report.untitled += sum(1 for t in named.values() if not (t.title and t.name_zh))
        with store.atomic():
            store.topics.put_many(accepted)
            store.rejected.put_many(_remember(store, rejected))
        report.accepted += accepted
        report.rejected += rejected
        if on_round:
            on_round(report)
    if len(report.accepted) < n:
        report.note = Told("expand.stopped", N_("stopped after {rounds} rounds with {accepted} of {n} new topics: the "
                                                "provider keeps repeating the pool; raise --threshold or add more varied "
                                                "seed topics"), rounds=report.rounds, accepted=len(report.accepted), n=n)
    return report
