"""The offline teacher's Analysis of a full answer, in Chinese, about what the student actually wrote: what it
chose or said, the words and structures it uses (quoted; :mod:`studio.llm.offline.praise` finds them) and one tip
built from it (:func:`analysis_normal`).
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

from studio.domain.contract import _EVALUATIVE, unquoted
from studio.domain.text import word_count
from studio.llm.offline.praise import (
    FUNCTION_WORDS,
    UPGRADES,
    features,
    gives_reason,
    good_word,
    purpose_after_because,
    reason_said_apart,
    second_sentence,
)
from studio.llm.offline.reading import opens_with_phrase

if TYPE_CHECKING:
    from studio.llm.offline.cards import Option

_OPEN_ITEM = ("你明确说出了 \"{item}\"，表达清楚。", "回答很具体，说到了 \"{item}\"，句子完整。",
              "\"{item}\" 这个回答内容具体，表达清楚。", "你的回答点明了 \"{item}\"，明确又通顺。",
              "你直接回答了问题，提到了 \"{item}\"，表达很自然。", "你的答案 \"{item}\" 很清楚，句子也完整。",
              "能说出 \"{item}\"，说明你听懂了问题，表达准确。", "内容切题：你谈到了 \"{item}\"，句子完整。",
              "你给出的答案是 \"{item}\"，意思清楚，句子通顺。", "你的回答围绕 \"{item}\" 展开，切题又完整。",
              "提到 \"{item}\"，回答很具体，句子也通顺。", "\"{item}\" 是一个明确的回答，表达自然。")
_OPEN_SAID = ("你说 \"{said}\"，意思表达得很清楚。", "\"{said}\" 这句回答了问题，句子完整。", "你的回答 \"{said}\" 很完整。",
              "回答完整：\"{said}\"。", "用 \"{said}\" 回答，句子通顺。", "\"{said}\"，这样回答很自然，表达准确。",
              "你回答说 \"{said}\"，句子结构完整。", "这个回答句子完整，开头的 \"{said}\" 直接回应了问题。",
              "\"{said}\" 直接回答了问题，语序正确。", "你用完整的句子回答：\"{said}\"，很好。",
              "你的回答从 \"{said}\" 说起，切题又清楚。", "\"{said}\"：回答得很直接，句子通顺。",
              "你说出了自己的想法：\"{said}\"，表达自然。", "一开口就回答了问题（\"{said}\"），很好。")
_OPEN_BECAUSE = ("你用 \"{said}\" 直接说出了理由，口语中这样回答 why 的问题很自然；写成句子时要加上主句。",
                 "\"{said}\" 回答了为什么，理由清楚，口语里可以这样说；写作时 because 从句要和主句连在一起。")
#: A full answer that starts with a phrase ("About three hours a week, mostly …"): fine said aloud, never called a
#: complete sentence, and told what a whole one needs.
_OPEN_PHRASE = ("\"{said}\" 直接回答了问题，口语里这样说很自然。", "你用 \"{said}\" 回答，意思清楚，信息具体。",
                "\"{said}\" 切题，说得很具体。")
_PHRASE_TIP = ("不过开头是一个短语，还不是完整的句子；要说成完整的句子，需要加上主语和动词。",
               "如果要说成一个完整的句子，开头要加上主语和动词。", "写成完整的句子时，别忘了加上主语和动词。")
_JOIN = ("另外，", "而且，", "句子里，", "同时，", "此外，", "值得一提的是，")
_WORD_PRAISE = ("\"{w}\" 这个词用得准确。", "\"{w}\" 一词用得恰当。", "用了 \"{w}\" 这个词，词汇不错。",
                "\"{w}\" 用在这里很合适。", "能用上 \"{w}\"，词汇量不错。", "\"{w}\" 这个词选得好。",
                "用词方面，\"{w}\" 用得很地道。")


def _sentence(text: str) -> str:
    """The answer without a question back at its end ("… How about you?")."""
    return re.sub(r"\s*(how about you|what about you|and you)\s*\?\s*$", "", text.strip(), flags=re.I)


#: A verb in the past: an answer about something that happened ("我们那天…" fits it, not a plan or a habit).
_PAST = re.compile(r"\b(?:was|were|did|went|saw|took|made|had|got|came|felt|told|\w*[^e\W]ed)\b", re.I)
#: Praise of a reason said as a sentence of its own, and the two sentences joined with because.
_APART = ("第二句 \"{b}\" 说明了原因，很好；也可以用 because 把两句连成一句：\"{j}\"",
          "你用第二句 \"{b}\" 交代了原因，理由清楚。两句也可以用 because 连起来：\"{j}\"",
          "\"{b}\" 说出了原因，很好。试着用 because 把两句合成一句：\"{j}\"")


def _tip(text: str, rng: random.Random, option: Option | None) -> str:
    """One tip for a full answer, and its example where it has one: a reason said apart is praised and shown
    joined; a reason is asked for only when the answer gives none and says nothing after its answer."""
    apart = reason_said_apart(text)
    if apart:
        return rng.choice(_APART).format(b=apart[0], j=apart[1])
    low = text.lower()
    own = text.rstrip(".!")
    pool: list[str] = []
    reason = gives_reason(text)
    more = second_sentence(text)  # "I liked the goodbye scene. It made me cry.": said something after its answer
    unsaid = [w for w in option.why if re.sub(r"^then ", "", w).lower() not in low] if option is not None else []
    if option is not None and unsaid and not reason and not more and len(unsaid) == len(option.why):
        why = rng.choice(unsaid)
        pool += [rng.choice(("可以加上理由，比如：\"{o}, because {w}.\"", "可以再说一个原因，会更好：\"{o}, because {w}.\"",
                             "可以试着用 because 补充原因：\"{o}, because {w}.\"")).format(o=own, w=why)] * 3
    elif unsaid and unsaid[0].startswith("then "):  # what the choice lets happen: a good result of it
        pool += [rng.choice(("还可以说说这样做的好处，比如：\"… That way, {w}.\"", "可以再加一个好处：\"… That way, {w}.\""))
                 .format(w=unsaid[0][len("then "):])] * 2
    elif unsaid:
        pool += [rng.choice(("还可以再补充一个理由，比如：\"… Also, {w}.\"", "可以再加一个理由，会更有说服力：\"… Also, {w}.\"",
                             "可以用 also 再说一点：\"Also, {w}.\"")).format(w=re.sub(r"\balso ", "", unsaid[0]))] * 2
    for plain, rich in UPGRADES:  # "is very big" → "is huge", never "write it very big" → "write it huge"
        before = r"\b" if not plain.startswith("very ") else \
            r"\b(?:am|is|are|was|were|'m|'re|'s|be|been|feel|felt|feels|look|looks|looked|seem|seems|sound|sounds|get|got) "
        if re.search(rf"{before}{plain}\b", low):
            pool += [rng.choice(("\"{p}\" 可以换成 \"{r}\"，用词更丰富。", "想让表达更生动，可以把 \"{p}\" 换成 \"{r}\"。"))
                     .format(p=plain, r=rich)] * 2
    if re.match(r"^\s*I think\b(?! so\b)", text):
        pool.append(rng.choice(("开头的 \"I think\" 也可以换成 \"In my opinion\"，表达更多样。",
                                "\"I think\" 可以偶尔换成 \"I believe\" 或 \"In my view\"。")))
    if not reason and not more and option is None:
        pool.append(rng.choice(("可以用 because 补充一个原因，让回答更充实。", "再说说为什么，回答会更完整。",
                                "加上一个 because 引出的理由，别人会更明白你的想法。", "说出原因会更好，可以用 because 接着说。")))
    if word_count(text) >= 22:
        pool.append(rng.choice(("句子比较长时，可以分成两句说，听起来更清楚。", "长句子可以在 and 或 because 处停一下，说得更清楚。")))
    if not pool:  # nothing this answer lacks for certain: a tip that holds for any answer
        pool.append(rng.choice(("下次可以再加一个例子或细节，让回答更生动。", "可以再举一个具体的例子，回答会更生动。",
                                "可以再加一个细节，回答会更有画面感。", "保持这样完整的回答，下次可以再多加一个细节。",
                                "这样的回答已经很好，再加一个小例子会更出色。", "下次可以再补充一个具体的场景。")
                               + (("可以再说说当时的具体情况。",) if _PAST.search(text) else ())))
    tip = rng.choice(pool)
    return tip if tip.endswith(("。", "\"")) else tip + "。"


def _clause(text: str) -> str:
    """The answer's first clause, as quoted when there is no chosen item to name; a clause of a few words
    ("Not really", "I think so") is quoted with what follows it; a spoken opener ("Well, ") is left out."""
    text = re.sub(r"^(?:Actually|Well|Hmm|To be honest|Em+|Um+|So|Oh)[,.]?\s+(?=\w)", "", text.strip())
    text = text[:1].upper() + text[1:] if text[:2] != "i " else text
    head = re.split(r"[.;!?]|,(?= (?:because|so|and|but|as|when|if|then|or|which|who|I|we|my|it|they|he|she|"
                    r"especially|even|maybe|too)\b)", text, maxsplit=1)[0].strip()  # not "the noisy, happy feeling"
    if len(head.split()) <= 3:
        head = re.split(r"[.;!?]", text, maxsplit=1)[0].strip()
    words = head.split()
    if len(words) <= 8:
        return head
    words = words[:6]
    while len(words) > 3 and words[-1].lower() in FUNCTION_WORDS:
        words.pop()
    return " ".join(words) + " …"


def analysis_normal(utterance: str, rng: random.Random, option: Option | None = None) -> str:
    """A full answer: what it chose or said, the structures and words it uses (quoted), and one tip."""
    text = _sentence(utterance)
    feats = features(text, rng)
    reason_only = bool(re.match(r"\s*because\b", text, re.I))
    phrase = False
    if reason_only:  # the reason alone, as a Why question is answered in speech: its head says what to add
        head = rng.choice(_OPEN_BECAUSE).format(said=_clause(text))
        feats = [f for f in feats if "because" not in f]
    elif phrase := opens_with_phrase(text):
        head = rng.choice(_OPEN_PHRASE).format(said=_clause(text))
    else:
        named = option is not None and option.item.lower() in text.lower()  # the student's words, not the card's
        head = (rng.choice(_OPEN_ITEM).format(item=option.item) if named and option is not None
                else rng.choice(_OPEN_SAID).format(said=_clause(text)))
    parts = [head]
    if feats:
        join = "还" if feats[0].startswith("用") and rng.random() < 0.4 else rng.choice(_JOIN)
        parts.append(join + "；".join(feats) + "。")
    word = good_word(text, rng)
    if word and rng.random() < 0.6:
        parts.append(rng.choice(_WORD_PRAISE).format(w=word))
    if len(parts) > 2 and rng.random() < 0.3:
        parts[1], parts[2] = parts[2], parts[1]
    purpose = purpose_after_because(text)
    if purpose and not reason_only:  # "because I can learn the basics early": what it is for, said with so that
        clause = re.split(r"[,.;!?]", text[purpose.start() + len("because "):], maxsplit=1)[0].strip()
        clause = re.sub(r"^then ", "", clause)  # "because then we can …" → "so that we can …"
        notes: tuple[str, ...]
        if re.match(r"(?:nobody|no one|everyone|everybody)\b", clause, re.I):  # "because everyone can join in" is a
            # reason as it stands: never called wrong, only shown the purpose form beside it
            notes = ("这里用 because 说明理由没有问题；想强调目的时，也可以说 \"so that {c}\"。",)
        else:  # "I will …, because I can …": right as it is, and so that says the purpose more exactly
            notes = ("想强调这样做的目的时，也可以用 so that：\"so that {c}\"。",
                     "because 后面说的其实是目的，也可以说成 \"so that {c}\"。")
        parts.append(rng.choice(notes).format(c=clause))
    elif not reason_only:
        parts.append(rng.choice(_PHRASE_TIP) if phrase else _tip(text, rng, option))
    out = "".join(parts)
    if not _EVALUATIVE.search(unquoted(out)):  # an Analysis assesses: it says what is right or what to add
        out += "句子完整。"
    return out
