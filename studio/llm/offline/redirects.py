"""The offline teacher's Analysis, in Chinese, of an answer that does not answer: help for a non-answer
(:func:`analysis_non_answer`), and the redirect of an answer in Chinese or with Chinese words in it
(:func:`analysis_chinese`) or off topic (:func:`analysis_off_topic`; the tutorial's rule 5).
"""

from __future__ import annotations

import random
import re

from studio.domain.learner import Correction
from studio.domain.text import word_count
from studio.llm.offline.corrections import fixes
from studio.llm.offline.reading import fixed_sentence


def _simple(sentence: str) -> bool:
    """One short sentence: what "start with a simple sentence" may show."""
    return len(re.findall(r"[^.!?]+", sentence)) == 1 and "," not in sentence and word_count(sentence) <= 10


def analysis_non_answer(utterance: str, full: str, rng: random.Random, errors: list[Correction] = ()) -> str:  # type: ignore[assignment]
    text = _non_answer(utterance, full, rng)
    if errors:
        head, sep, tail = text.partition("。")
        text = f"{head}。另外，{fixes(errors, 3)}。{tail}" if sep else f"{text}另外，{fixes(errors, 3)}。"
    return text


def _non_answer(utterance: str, full: str, rng: random.Random) -> str:
    word = re.search(r"(?:the word|what does|what is)\s+['\"]?([A-Za-z-]+)", utterance, re.I)
    if word:
        return (f"你说不认识 \"{word.group(1)}\" 这个词，没关系。遇到不懂的词，可以用英语问："
                f"\"What does {word.group(1)} mean?\"，然后再回答。例如：\"{full}\"")
    head = rng.choice((
        "你说 \"{u}\"，没有回答问题。",
        "\"{u}\" 不是对问题的回答，但能用英语说出来值得鼓励。",
        "你用 \"{u}\" 表示一时答不上来，这很正常。",
        "一时想不出来没关系，用英语说 \"{u}\" 也是一种交流。",
        "\"{u}\" 还没有回答问题，不过敢开口就很好。",
    ) + (("说 \"{u}\" 没关系，不会的时候可以先说简单的。",) if _simple(full) else ()))
    if _simple(full):
        tails: tuple[str, ...] = ("不会表达时，可以先用简单的句子说出自己的想法，例如：\"{f}\"",
                                  "可以先从一个简单的完整句子开始，比如：\"{f}\"", "试着用一个完整的句子回答，比如：\"{f}\"")
    elif len(re.findall(r"[^.!?]+", full)) == 1:
        tails = ("试着用一个完整的句子回答，比如：\"{f}\"", "可以参考这样的回答：\"{f}\"", "下次可以这样回答：\"{f}\"",
                 "试着模仿这句来回答：\"{f}\"")
    else:
        tails = ("可以参考这样的回答：\"{f}\"", "可以这样回答：\"{f}\"", "下次可以这样回答：\"{f}\"", "试着模仿这样说：\"{f}\"")
    if "简单" in head:  # "simple" said once
        tails = tuple(t for t in tails if "简单" not in t) or ("可以这样回答：\"{f}\"",)
    return head.format(u=utterance.strip()) + rng.choice(tails).format(f=full)


_SHORT_FIRST = "可以先说一个很短的英语句子。"
_CHINESE_ADVICE = ("不会的词可以先用简单的词代替。", "先想想关键词的英语说法，再连成句子。", "说错了也没关系，重要的是开口说英语。",
                   _SHORT_FIRST, "")


def said_in_english(said: str, words: list[Correction]) -> str | None:
    """``said`` with each Chinese word in it replaced by its English ("We make them at home with my mum, 因为 it is
    好玩." → "We make them at home with my mum, because it is fun."), or None when Chinese is left."""
    out = fixed_sentence(said.strip(), words)
    if re.search(r"[\u4e00-\u9fff]", out):
        return None
    out = re.sub(r"\s+([,.!?])", r"\1", out)
    out = re.sub(r"^(actually|well|maybe|honestly|so|of course) (yes|no)\b", lambda m: f"{m.group(1)}, {m.group(2).lower()}",
                 out, flags=re.I)  # "其实 Yes, …" → "Actually, yes, …"
    return out[:1].upper() + out[1:]


def analysis_chinese(example: str, rng: random.Random, words: list[Correction] = (),  # type: ignore[assignment]
                     said: str = "") -> str:
    """Rule 5's "请尝试使用英语回答" for an answer in Chinese or with Chinese words in it (``words``: each
    Chinese word with its English, given so the student can say it; the example is then ``said`` itself in English
    where it can be); "simple" is said once, and only of an example that is simple."""
    own = said_in_english(said, words) if words and said else None
    example = own or example
    advice = rng.choice([a for a in _CHINESE_ADVICE if not own or a != _SHORT_FIRST])  # their own sentence, whole
    first = re.split(r",| because | so | as | since |\. ", example, maxsplit=1)[0].rstrip(".!?") + "."
    if advice == _SHORT_FIRST and len(first.split()) < 3:  # never "Yes." for a short sentence
        advice = rng.choice([a for a in _CHINESE_ADVICE if a != _SHORT_FIRST])
    if advice == _SHORT_FIRST:  # a very short sentence asked for: the answer's first clause is the example
        example = first
    if words:
        said = "；".join(f"\"{c.wrong}\" 用英语说是 \"{c.right}\"" for c in words[:3])
        return rng.choice((
            "请尝试使用英语回答。你的回答里夹了中文词：{w}。{a}可以这样说：\"{e}\"",
            "你在英语句子里用了中文。请尝试使用英语回答：{w}。{a}例如：\"{e}\"",
            "请尝试使用英语回答，不要中英混杂。{w}。{a}可以参考：\"{e}\"",
            "句子的框架是英语，很好，但请尝试使用英语回答整句话：{w}。{a}比如：\"{e}\"",
        )).format(w=said, e=example, a=advice)
    forms = ["请尝试使用英语回答。你用了中文，{a}可以先试着用简单的英语说，例如：\"{e}\"",
             "请尝试使用英语回答。用中文回答不能练习口语。{a}可以参考这样说：\"{e}\"",
             "你用中文回答了问题。请尝试使用英语回答。{a}比如：\"{e}\"",
             "这次用了中文。请尝试使用英语回答，哪怕句子简单一点也没关系。{a}例如：\"{e}\"",
             "请尝试使用英语回答。{a}比如：\"{e}\""]
    if "简单" in advice or advice == _SHORT_FIRST or not _simple(example):  # one way to say "keep it simple"
        forms = [f for f in forms if "简单" not in f]
    return rng.choice(forms).format(e=example, a=advice)


def analysis_off_topic(name: str, errors: list[Correction], question: str | None, rng: random.Random) -> str:
    text = f"你跑题了，我们现在讨论的是关于{name}的内容。"
    if errors:
        text += f"另外，{fixes(errors, 2)}。"
    if question:
        text += rng.choice(("请回答刚才的问题：\"{q}\"", "请先回到刚才的问题：\"{q}\"", "试着回答：\"{q}\"",
                            "接着回答刚才的问题：\"{q}\"", "请围绕刚才的问题来回答：\"{q}\""))\
            .format(q=question)
    return text
