"""The offline simulator's vocabulary (``data/offline.toml``): scenes picked by a topic's
keywords, and the off-topic utterances it recognises (shipped and the workspace's own)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from studio.resources import read_data


@dataclass(frozen=True)
class Scene:
    name: str
    zh: str
    things: dict[str, str]
    aspects: tuple[str, ...]
    activities: tuple[str, ...]
    reasons: tuple[str, ...]
    plans: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    problems: tuple[tuple[str, ...], ...]
    tips: tuple[str, ...]
    openers: tuple[str, ...]
    weight: float = 1.0  # a scene that names its topic outright (a festival) outweighs broader ones
    skip: tuple[str, ...] = ()  # question frames that do not suit the scene ("What do you like most about stress?")

    focus: dict[str, dict[str, tuple]] = field(default_factory=dict)  # keyword → lists that replace the scene's
    focused_on: str | None = None  # the keyword whose lists are in use

    def keyword_for(self, topic: str) -> str | None:
        """The topic's subject keyword: the longest one, the later one on a tie (settings come first)."""
        hits = [k for k in self.things if k and k in topic]
        return max(hits, key=lambda k: (k in self.focus, len(k), topic.rindex(k))) if hits else None

    def thing_for(self, topic: str) -> str:
        """What the teacher calls the subject, in English."""
        key = self.keyword_for(topic)
        return self.things[key] if key else next(iter(self.things.values()))

    def focused(self, topic: str) -> Scene:
        """The scene with its lists narrowed to the topic's subject when the data has them (网购 → returns)."""
        key = self.keyword_for(topic)
        if key not in self.focus:
            return self
        narrowed: dict[str, Any] = dict(self.focus[key])  # list fields by name (the data's own keys)
        return replace(self, **narrowed, focused_on=key)


@dataclass(frozen=True)
class Banks:
    scenes: dict[str, Scene]
    general: Scene
    chinese: dict[str, tuple[str, ...]]
    off_topic_reply: tuple[str, ...]
    expansion: dict[str, tuple[str, ...]]
    errors: dict[str, object]
    off_topic: frozenset[str]

    def scene_for(self, topic: str) -> Scene:
        """The scene whose keywords weigh most in the topic (a longer keyword weighs more)."""
        cache = self.__dict__.setdefault("_scene_cache", {})
        if topic not in cache:
            if len(cache) > 4096:
                cache.clear()
            cache[topic] = self._scene_for(topic).focused(topic)
        return cache[topic]

    def _scene_for(self, topic: str) -> Scene:
        best, score = self.general, 0.0
        for scene in self.scenes.values():
            s = scene.weight * sum(len(k) * topic.count(k) for k in scene.things if k)
            if s > score:
                best, score = scene, s
        return best


def _scene(name: str, row: dict) -> Scene:
    return Scene(
        name=name, zh=row.get("zh", "这个话题"), things=dict(row.get("things", {})),
        aspects=tuple(row["aspects"]), activities=tuple(row["activities"]), reasons=tuple(row["reasons"]),
        plans=tuple(row["plans"]), pairs=tuple(tuple(p) for p in row["pairs"]),
        problems=tuple(tuple(p) for p in row["problems"]), tips=tuple(row["tips"]), openers=tuple(row["openers"]),
        weight=float(row.get("weight", 1.0)), skip=tuple(row.get("skip", ())),
        focus={key: {name: tuple(tuple(v) if isinstance(v, list) else v for v in values) if name in ("pairs", "problems")
                     else tuple(values) for name, values in lists.items()}
               for key, lists in row.get("focus", {}).items()},
    )


def normalise_utterance(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split()).strip(" .!?")


def read_lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def off_topic_lines(workspace: Path | None = None) -> list[str]:
    """The shipped off-topic utterances plus the workspace's own ``off_topic.txt``, in order, once each."""
    lines = read_lines(read_data("off_topic.txt"))
    own = workspace / "off_topic.txt" if workspace else None
    if own is not None and own.is_file():
        lines += read_lines(own.read_text(encoding="utf-8"))
    return list(dict.fromkeys(lines))


@cache
def _data() -> dict:
    return tomllib.loads(read_data("offline.toml"))


@cache
def load_banks(extra_off_topic: tuple[str, ...] = ()) -> Banks:
    data = _data()
    lines = off_topic_lines(None) + list(extra_off_topic)
    return Banks(
        scenes={name: _scene(name, row) for name, row in data["scenes"].items()},
        general=_scene("general", data["general"]),
        chinese={k: tuple(v) for k, v in data["chinese"].items()},
        off_topic_reply=tuple(data["off_topic_reply"]["lines"]),
        expansion={k: tuple(v) for k, v in data["expansion"].items()},
        errors=dict(data["errors"]),
        off_topic=frozenset(normalise_utterance(x) for x in lines),
    )
