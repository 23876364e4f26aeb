"""The offline teacher's Analysis, in Chinese: what the student's words do well and one tip (a full
answer), each error with its exact fix and the corrected sentence, how to say a fragment or a
too-short answer in full (the tutorial's rule 4), help for a non-answer, and the redirect of a
Chinese or off-topic answer back to the question (rule 5).

:mod:`studio.llm.offline.teacher` picks which one a turn gets, from :func:`studio.llm.offline.reading.assess`.
"""

from __future__ import annotations

import random
import re

from studio.domain.learner import Correction
from studio.domain.text import word_count
from studio.llm.offline.reading import fixed_sentence, is_fragment

_FEATURES: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"\bbecause ([^,.!?]+)", re.I), ("用 because 引出原因，让回答更有说服力", "用 because 说明了理由，逻辑清楚")),
    (re.compile(r"\b(?:would like to|'d like to) \w+", re.I), ("用 would like to 表达愿望，语气得体",)),
    (re.compile(r"\b(?:am|'m|are|is) going to \w+", re.I), ("用 be going to 表达计划，时态正确",)),
    (re.compile(r"\bIf [^,]+, I would \w+", re.I), ("用 if 条件句加 would 表达假设，结构完整",)),
    (re.compile(r"\bI would \w+", re.I), ("用 would 表达自己会怎么做，语气自然",)),
    (re.compile(r"\b(?:last (?:week|weekend|month|year|night|summer|winter|term|time|sunday|saturday|spring|autumn)|"
                r"\w+ ago|yesterday)\b", re.I), ("讲过去的事用了一般过去时，时态正确",)),
    (re.compile(r"\bwhen I \w+", re.I), ("用 when 引导时间状语从句，句式丰富",)),
    (re.compile(r"\b(?:I think|In my opinion)\b", re.I), ("用 I think / In my opinion 表达观点，很自然",)),
    (re.compile(r"\bprefer \w+(?: \w+)?", re.I), ("用 prefer 表达偏好，用词准确",)),
    (re.compile(r"\b(?:favourite part|the best part|most(?! of\b| people\b| students\b))\b", re.I),
     ("用 most / favourite 说出最喜欢的部分，回答明确",)),
    (re.compile(r"\b(?:tell my friend to|advice is to|should) \w+", re.I), ("用 tell sb. to do / should 给出建议，结构正确",)),
    (re.compile(r"\bmakes? me feel \w+", re.I), ("用 make sb. feel 描述感受，表达地道",)),
    (re.compile(r"\bwith my (?:older |younger |best )?\w+", re.I), ("用 with my ... 说明和谁一起，信息具体",)),
    (re.compile(r"\bFirst\b.+\bthen\b", re.I), ("用 first ... then ... 按顺序叙述，条理清楚",)),
    (re.compile(r"\bI feel \w+", re.I), ("用 I feel ... 直接表达感受",)),
]
_OPEN_OK = ("这是一个完整、清楚的回答。", "句子结构完整，意思表达清楚。", "回答完整，内容具体。", "你用完整的句子回答了问题。",
            "表达清楚，句子通顺。")
_ON_POINT = ("回答切题，", "紧扣问题，", "直接回答了问题，")
_WORD_PRAISE = ("\"{w}\" 这个词用得准确。", "\"{w}\" 一词用得恰当。", "用了 \"{w}\" 这个词，词汇不错。")
_STOP = {"because", "something", "together", "usually", "really", "favourite", "everyone", "sometimes", "different"}


def _tips(utterance: str, rng: random.Random) -> str:
    low = utterance.lower()
    pool = []
    if "because" not in low:
        pool += ["可以用 because 补充一个原因，让回答更充实", "再加一个原因会更好，比如 because ..."]
    if not re.search(r"\b(last|ago|yesterday|every|usually|often|weekend|morning|evening|next)\b", low):
        pool += ["可以加上时间，比如 last weekend 或 every evening，让内容更具体"]
    if not re.search(r"\b(feel|happy|excited|proud|relaxed|fun|great)\b", low):
        pool += ["还可以说说自己的感受，比如 It makes me feel ...", "可以加一句自己的感受，让回答更生动"]
    if len(re.findall(r"\bvery\b", low)) >= 1:
        pool += ["very 可以换成 really 或 so，表达更多样"]
    if re.search(r"\bI think\b", utterance):
        pool += ["I think 也可以换成 In my opinion 或 I believe，用词更丰富"]
    if word_count(utterance) >= 14:
        pool += ["句子较长时可以分成两句说，听起来更清楚"]
    pool += ["下次可以试着用一个例子支持你的观点", "可以再补充一个细节，比如和谁一起、在哪里"]
    return rng.choice(pool)


def _features(utterance: str, rng: random.Random) -> list[str]:
    found = []
    for pattern, notes in _FEATURES:
        m = pattern.search(utterance)
        if m:
            found.append(f"{rng.choice(notes)}（\"{m.group(0).strip()}\"）")
    rng.shuffle(found)
    return found[:2]


def _good_word(utterance: str, rng: random.Random) -> str | None:
    words = [w for w in re.findall(r"[A-Za-z]{7,}", utterance) if w.lower() not in _STOP]
    return rng.choice(words) if words else None


def _on_point(utterance: str, expected: list[str]) -> bool:
    mine = {w for w in re.findall(r"[a-z]{4,}", utterance.lower())} - _STOP - _COMMON
    theirs = {w for e in expected for w in re.findall(r"[a-z]{4,}", e.lower())} - _STOP - _COMMON
    return len(mine & theirs) >= 2


_COMMON = {"because", "think", "really", "better", "expected", "with", "that", "this", "have", "like", "about", "when",
           "what", "there", "they", "your", "from", "would", "makes", "feel", "more", "much", "time"}


def analysis_normal(utterance: str, expected: list[str], rng: random.Random) -> str:
    parts = []
    head = rng.choice(_OPEN_OK)
    if _on_point(utterance, expected):
        head = rng.choice(_ON_POINT) + head[:-1].replace("这是", "是") + "。"
    parts.append(head)
    feats = _features(utterance, rng)
    if feats:
        parts.append("其中" + "；".join(feats) + "。")
    word = _good_word(utterance, rng)
    if word and rng.random() < 0.6:
        parts.append(rng.choice(_WORD_PRAISE).format(w=word))
    parts.append(_tips(utterance, rng) + "。")
    return "".join(parts)


def analysis_errors(utterance: str, errors: list[Correction], rng: random.Random) -> str:
    fixes = "；".join(f"\"{c.wrong}\" 应改为 \"{c.right}\"（{c.note}）" for c in errors[:4])
    feats = _features(fixed_sentence(utterance, errors), rng)[:1]
    good = f"{feats[0]}。" if feats and rng.random() < 0.5 else ""
    heads = ("句子的意思能听懂。", "意思表达清楚。", "回答内容切题。") if good else \
        ("句子的意思能听懂，", "你敢于用较长的句子表达，很好。不过", "意思表达清楚，", "回答内容切题，但")
    head = rng.choice(heads)
    good = good[:1].replace("用", "你用") + good[1:] if good else ""
    count = "一处" if len(errors) == 1 else f"{min(len(errors), 4)}处"
    tail = rng.choice(("正确的说法是：\"{s}\"", "改正后的句子是：\"{s}\"", "整句可以说成：\"{s}\""))
    return f"{head}{good}需要改正{count}：{fixes}。{tail.format(s=fixed_sentence(utterance, errors))}"


def analysis_short(utterance: str, errors: list[Correction], complete: str, rng: random.Random) -> str:
    fix = ""
    if errors:
        fix = "另外，" + "；".join(f"\"{c.wrong}\" 应改为 \"{c.right}\"（{c.note}）" for c in errors[:3]) + "。"
    if re.match(r"^(because|when|if|so that)\b", utterance.strip(), re.I):
        head = rng.choice((
            "\"{u}\" 只是一个从句，不能单独成句，前面要有主句。",
            "你的回答 \"{u}\" 说出了原因，但只有从句，句子不完整。",
        ))
        tail = rng.choice(("可以这样表达：\"{c}\"", "完整的说法是：\"{c}\""))
    elif is_fragment(utterance):
        head = rng.choice((
            "\"{u}\" 只是一个短语，不是完整的句子，缺少主语和谓语。",
            "你的回答 \"{u}\" 意思能懂，但只是一个词组，句子不完整。",
            "\"{u}\" 回答了问题，但没有说成完整的句子。",
        ))
        tail = rng.choice(("结合上面的问题，可以完整地说：\"{c}\"", "可以这样表达：\"{c}\"", "完整的说法是：\"{c}\""))
    else:
        head = rng.choice((
            "回答太简单了，只说了 \"{u}\"，没有说出具体内容。",
            "\"{u}\" 句子虽然完整，但太简短，信息不够。",
            "你的回答 \"{u}\" 比较简略，还听不出你的具体想法。",
        ))
        tail = rng.choice(("可以把想法说完整，例如：\"{c}\"", "试着补充细节和原因，比如：\"{c}\"", "可以这样说：\"{c}\""))
    return head.format(u=utterance.strip()) + fix + tail.format(c=complete)


def analysis_non_answer(utterance: str, full: str, rng: random.Random, errors: list[Correction] = ()) -> str:  # type: ignore[assignment]
    text = _non_answer(utterance, full, rng)
    if errors:
        fixes = "；".join(f"\"{c.wrong}\" 应改为 \"{c.right}\"（{c.note}）" for c in errors[:3])
        head, sep, tail = text.partition("。")
        text = f"{head}。另外，{fixes}。{tail}" if sep else f"{text}另外，{fixes}。"
    return text


def _non_answer(utterance: str, full: str, rng: random.Random) -> str:
    word = re.search(r"(?:the word|what does|what is)\s+['\"]?([A-Za-z-]+)", utterance, re.I)
    if word:
        return (f"你说不认识 \"{word.group(1)}\" 这个词，没关系。遇到不懂的词，可以用英语问："
                f"\"What does {word.group(1)} mean?\"，然后再回答。例如：\"{full}\"")
    head = rng.choice((
        "你说 \"{u}\"，没有回答问题。",
        "\"{u}\" 不是对问题的回答，但能用英语说出来值得鼓励。",
        "你用 \"{u}\" 表示不知道怎么说，这很正常。",
    ))
    tail = rng.choice(("不会表达时，可以先用简单的句子说出自己的想法，例如：\"{f}\"",
                       "可以先从一个简单的完整句子开始，比如：\"{f}\"",
                       "试着用一个完整的句子回答，比如：\"{f}\""))
    return head.format(u=utterance.strip()) + tail.format(f=full)


def analysis_chinese(example: str, rng: random.Random, words: list[Correction] = ()) -> str:  # type: ignore[assignment]
    """Rule 5's "请尝试使用英语回答" for an answer in Chinese or with Chinese words in it (``words``: each
    Chinese word with its English, given so the student can say it)."""
    if words:
        said = "；".join(f"\"{c.wrong}\" 用英语说是 \"{c.right}\"" for c in words[:3])
        return rng.choice((
            "请尝试使用英语回答。你的回答里夹了中文词：{w}。可以这样说：\"{e}\"",
            "你在英语句子里用了中文。请尝试使用英语回答：{w}，例如：\"{e}\"",
            "请尝试使用英语回答，不要中英混杂。{w}。可以参考：\"{e}\"",
        )).format(w=said, e=example)
    return rng.choice((
        "请尝试使用英语回答。你用了中文，可以先试着用简单的英语说，例如：\"{e}\"",
        "请尝试使用英语回答。用中文回答不能练习口语，可以参考这样说：\"{e}\"",
        "你用中文回答了问题。请尝试使用英语回答，比如：\"{e}\"",
    )).format(e=example)


def analysis_off_topic(name: str, errors: list[Correction], question: str | None, rng: random.Random) -> str:
    text = f"您跑题了，我们现在讨论的是关于{name}的内容。"
    if errors:
        text += "另外，" + "；".join(f"\"{c.wrong}\" 应改为 \"{c.right}\"（{c.note}）" for c in errors[:2]) + "。"
    if question:
        text += rng.choice(("请回答刚才的问题：\"{q}\"", "请先回到刚才的问题：\"{q}\"", "试着回答：\"{q}\""))\
            .format(q=question)
    return text
