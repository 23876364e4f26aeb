"""The offline teacher's Analysis of an answer with errors: each error with its exact fix (a misspelling told what
went wrong: a letter dropped, doubled, swapped, or a word that sounds the same) and the corrected sentence."""

from __future__ import annotations

import random
import re

from studio.domain.learner import Correction
from studio.llm.offline.praise import features
from studio.llm.offline.reading import fixed_sentence


def spelling_note(wrong: str, right: str) -> str:
    """What went wrong in a misspelling, said so the student sees it."""
    w, r = wrong.lower(), right.lower()
    if len(w) + 1 == len(r):
        for i in range(len(r)):
            if r[:i] + r[i + 1:] == w:
                if i > 0 and r[i - 1] == r[i] or i + 1 < len(r) and r[i + 1] == r[i]:
                    return f"拼写错误，这里要双写 {r[i]}"
                return f"拼写错误，漏写了字母 {r[i]}"
    if len(w) == len(r) + 1:
        for i in range(len(w)):
            if w[:i] + w[i + 1:] == r:
                if i > 0 and w[i - 1] == w[i] or i + 1 < len(w) and w[i + 1] == w[i]:
                    return f"拼写错误，{w[i]} 不需要双写"
                return f"拼写错误，多写了字母 {w[i]}"
    if len(w) == len(r):
        diff = [i for i in range(len(w)) if w[i] != r[i]]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and w[diff[0]] == r[diff[1]] and w[diff[1]] == r[diff[0]]:
            return f"拼写错误，字母 {r[diff[0]]}{r[diff[1]]} 的顺序写反了"
        if len(diff) == 1:
            return f"拼写错误，{r[diff[0]]} 写成了 {w[diff[0]]}"
    return f"拼写错误，注意 '{right}' 的拼写"


def note_of(c: Correction) -> str:
    """The note an Analysis gives a correction: a misspelling described, any other its own note."""
    if c.rule in ("spelling.known", "spelling.dictionary", "spelling.injected") and " " not in c.wrong:
        return spelling_note(c.wrong, c.right)
    return c.note or "用法错误"


def _once(errors: list[Correction]) -> list[Correction]:
    """Each wrong word corrected once: a grammar rule's correction before a spelling one ("homeworks" is an
    uncountable noun made plural, not a letter too many)."""
    out: dict[str, Correction] = {}
    for c in errors:
        if c.wrong not in out or out[c.wrong].rule.startswith("spelling") and not c.rule.startswith("spelling"):
            out[c.wrong] = c
    return [c for c in errors if out.get(c.wrong) is c]


def fixes(errors: list[Correction], most: int = 4) -> str:
    return "；".join(f"\"{c.wrong}\" 应改为 \"{c.right}\"（{note_of(c)}）" for c in _once(errors)[:most])


def analysis_errors(utterance: str, errors: list[Correction], rng: random.Random) -> str:
    feats = features(fixed_sentence(utterance, errors), rng, 1, said=utterance)
    you = "你" if feats and feats[0].startswith(("用", "能", "说明", "加上", "交代", "按")) else "句子里，"
    good = f"{you}{feats[0]}。" if feats and rng.random() < 0.5 else ""
    heads = ("句子的意思能听懂。", "意思表达清楚。", "回答内容切题。", "整体意思没问题。", "能看出你想表达什么。") if good else \
        ("句子的意思能听懂，", "你敢于用较长的句子表达，很好。不过", "意思表达清楚，", "回答内容切题，但", "整体意思没问题，只是",
         "你的想法说清楚了，不过", "句子结构基本正确，")
    head = rng.choice(heads)
    errors = _once(errors)
    count = "一处" if len(errors) == 1 else f"{min(len(errors), 4)}处"
    model, meaning = _meant(fixed_sentence(utterance, errors)), ""
    if model != fixed_sentence(utterance, errors):
        meaning = rng.choice(("意思上也要改：前面说的是不好的情况，这里应该说 \"{s}\"。",
                              "另外注意意思：前面说的是问题，后面不能说成好经历，应说 \"{s}\"。")).format(s=model.rsplit(". ", 1)[-1])
    tail = rng.choice(("正确的说法是：\"{s}\"", "改正后的句子是：\"{s}\"", "整句可以说成：\"{s}\"", "改好以后是：\"{s}\"",
                       "请再读一遍正确的句子：\"{s}\"", "完整的正确句子是：\"{s}\"", "改完再说一遍：\"{s}\""))
    return f"{head}{good}需要改正{count}：{fixes(errors)}。{meaning}{tail.format(s=model)}"


#: A complaint in what the student said ("They are one size too small", "The screen was broken").
_COMPLAINT = re.compile(r"\btoo (?:small|big|tight|loose|short|long|late|early|expensive|noisy|hot|cold|slow|hard|"
                        r"difficult)\b|\b(?:broken|broke|wrong|problem|hurt|hurts|lost|missed|failed|terrible|awful|"
                        r"doesn't fit|don't fit|didn't fit|sick|ill)\b", re.I)
#: A closing sentence that calls it all good ("It is a good experience for me."): said after a complaint it
#: contradicts what the student said.
_ALL_GOOD = re.compile(r"^(?P<head>It|This|That) (?P<be>is|was) (?P<rest>(?:a |an )?(?:really |very |so )?"
                       r"(?:good|great|nice|wonderful|fun|happy|lovely)\b.*)$")


def _meant(sentence: str) -> str:
    """``sentence`` (corrected) as the student meant it: a last sentence that calls a complaint good said with
    "not" ("They are one size too small. It is not a good experience for me."), never a model that contradicts
    what came before it."""
    head, sep, last = sentence.strip().rpartition(". ")
    m = _ALL_GOOD.match(last)
    if not sep or m is None or not _COMPLAINT.search(head):
        return sentence
    return f"{head}. {m.group('head')} {m.group('be')} not {m.group('rest')}"
