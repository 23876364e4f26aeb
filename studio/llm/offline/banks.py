"""The offline simulator's sentence banks (``data/offline.toml``) and topic categories."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from studio.resources import read_data


@dataclass(frozen=True)
class Category:
    name: str
    keywords: tuple[str, ...]
    questions: tuple[str, ...]
    answers: tuple[str, ...]
    short: tuple[str, ...]
    chinese: tuple[str, ...]


@dataclass(frozen=True)
class Banks:
    categories: dict[str, Category]
    general: Category
    reactions: dict[str, tuple[str, ...]]
    analysis: dict[str, tuple[str, ...]]
    expansion: dict[str, tuple[str, ...]]
    off_topic: frozenset[str]

    def category_for(self, topic: str) -> Category:
        scores = {name: sum(topic.count(k) for k in c.keywords) for name, c in self.categories.items()}
        best = max(scores, key=lambda n: scores[n])
        return self.categories[best] if scores[best] else self.general


def _category(name: str, row: dict[str, list[str]]) -> Category:
    return Category(name, *(tuple(row.get(key, [])) for key in ("keywords", "questions", "answers", "short", "chinese")))


def normalise_utterance(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split()).strip(" .!?")


@cache
def load_banks() -> Banks:
    data = tomllib.loads(read_data("offline.toml"))
    off_topic = frozenset(normalise_utterance(line) for line in read_data("off_topic.txt").splitlines() if line.strip())
    return Banks(
        categories={name: _category(name, row) for name, row in data["categories"].items()},
        general=_category("general", data["general"]),
        reactions={k: tuple(v) for k, v in data["reactions"].items()},
        analysis={k: tuple(v) for k, v in data["analysis"].items()},
        expansion={k: tuple(v) for k, v in data["expansion"].items()},
        off_topic=off_topic,
    )
