"""The offline teacher's Analysis, in Chinese, about what the student actually wrote: for a full answer the words
and structures it uses (quoted; :mod:`studio.llm.offline.praise` finds them) and one tip built from it; for an
answer with errors each exact fix and the corrected sentence (:mod:`studio.llm.offline.corrections`); how to say a
fragment or a too-short answer in full (the tutorial's rule 4, with the right diagnosis: a phrase, a clause on its
own, an order, or a short sentence), help for a non-answer, and the redirect of a Chinese or off-topic answer
(rule 5).

:mod:`studio.llm.offline.teacher` and :mod:`studio.llm.offline.talk` pick which one a turn gets,
from :func:`studio.llm.offline.reading.assess`.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

from studio.domain.contract import _EVALUATIVE, unquoted
from studio.domain.learner import Correction
from studio.domain.text import word_count
from studio.llm.offline.corrections import analysis_errors, fixes
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
from studio.llm.offline.reading import (
    fixed_sentence,
    is_fragment,
    is_imperative,
    opens_with_phrase,
    unhedged,
)

__all__ = ["analysis_chinese", "analysis_errors", "analysis_non_answer", "analysis_normal", "analysis_off_topic",
           "analysis_short", "gives_reason"]

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



# -- short answers, non-answers, Chinese, off topic --------------------------------------------

#: What a model answer adds to a short one, each said as advice that its example then shows ({w}: the word that
#: links a reason in it): a reason with because, since or as; a reason said otherwise (so, that's why); a purpose;
#: a second sentence; details; or nothing but the answer said in full.
_ADDS = {
    "linked": ("再用 {w} 加一个理由", "再用 {w} 说明原因", "再用 {w} 补充一个理由", "再用 {w} 说说为什么",
               "再用 {w} 交代一下原因", "再用 {w} 说出你的理由"),
    "reason": ("再把理由说出来", "再把原因也说出来", "再说说为什么"),
    "purpose": ("再说说这样做的目的", "再说明这样做是为了什么", "再交代一下这样做的目的"),
    "sentence": ("再加一句话补充说明", "再补充一句", "再用一句话多说一点"),
    "more": ("再多说一点", "再补充一点", "再往下说一点"),
    "detail": ("再补充一些细节", "再说得具体一些", "再加一点具体的信息"),
    "whole": (),
}
#: How a short answer that is no sentence is told to say one, before what its model adds.
_WHOLE_FIRST = (("说成完整的句子，", "完整的句子"), ("加上主语和动词，", "主语和动词"), ("用完整的句子回答，", "完整的句子"),
                ("先把主语和动词补上，", "主语和动词"), ("先把句子说完整，", "完整"))
_EXAMPLE = ("比如：\"{c}\"", "例如：\"{c}\"", "像这样：\"{c}\"", "参考这句：\"{c}\"", "比如这样说：\"{c}\"")
_WHOLE_ONLY = ("完整的说法是：\"{c}\"", "可以这样说：\"{c}\"", "试着说出完整的一句话：\"{c}\"", "完整地说是：\"{c}\"")
_LINKED = re.compile(r"\b(because)\b|, (since|as)\b", re.I)
_STOP_WORDS = frozenset("i i'm a an the to and or of in on at it is are was be my our we you he she they that this "
                        "will would could can maybe think so very".split())


def adds(said: str, complete: str) -> tuple[str, str]:
    """What ``complete`` (a model answer) adds to ``said`` (a short answer): a key of :data:`_ADDS` and the word
    that links its reason ("because", "since", "as"; empty for the others)."""
    linked = _LINKED.search(complete)
    if linked and not _LINKED.search(said):
        return "linked", (linked.group(1) or linked.group(2)).lower()
    if re.search(r"\bso that\b", complete, re.I) and not re.search(r"\bso that\b", said, re.I):
        return "purpose", ""
    so = re.search(r",? so (.+)$", complete)
    if so and not re.search(r"\bso\b", said, re.I):  # "B, so A." says a reason first; "A, so B." what follows
        mine = set(re.findall(r"[a-z']+", said.lower())) - _STOP_WORDS
        before, after = (set(re.findall(r"[a-z']+", s.lower())) for s in (complete[: so.start()], so.group(1)))
        if len(mine & after) > len(mine & before):
            return "reason", ""
        return ("purpose" if re.match(r"[\w']+ (?:can|could)\b", so.group(1)) else "more"), ""
    if gives_reason(complete) and not gives_reason(said):
        return "reason", ""
    if len(re.findall(r"[^.!?]+[.!?]", complete)) >= 2:
        return "sentence", ""
    new = set(re.findall(r"[a-z']+", complete.lower())) - set(re.findall(r"[a-z']+", said.lower())) - _STOP_WORDS
    return ("detail" if len(new) >= 3 else "whole"), ""


def _model(said: str, complete: str, rng: random.Random, whole: bool, head: str = "") -> str:
    """One piece of advice and the model answer that shows it: what the model adds to ``said`` ("再用 because 加一个
    理由，比如：…"), with "say it as a whole sentence" first when ``whole`` (``said`` is none and the model is one)."""
    kind, word = adds(said, complete)
    what = rng.choice(_ADDS[kind]).format(w=word) if _ADDS[kind] else ""
    if not what:
        return rng.choice(_WHOLE_ONLY).format(c=complete)
    fresh = [w for w, said in _WHOLE_FIRST if said not in head]  # "加上主语和动词" said once
    plain = ("试着", "下次") if "可以" in head else ("可以", "试着", "下次")
    lead = rng.choice(fresh or plain) if whole else rng.choice(plain)
    return f"{lead}{what}，{rng.choice(_EXAMPLE).format(c=complete)}"


#: A word or two said for yes or no ("Yes.", "Of course."): an answer, never a sentence.
_ONE_WORD = re.compile(r"^(?:yes|yeah|yep|no|nope|sure|of course|ok|okay|maybe|not really|definitely|certainly|"
                       r"probably|right|true)[.!]?$", re.I)


def analysis_short(utterance: str, errors: list[Correction], complete: str, rng: random.Random) -> str:
    """A short answer: what it is (a word for yes or no, a phrase, a clause on its own, an order, a short
    sentence) and one piece of advice, shown by ``complete`` (how to say it in full): what that model adds is
    what the advice asks for. When ``complete`` is itself a spoken answer that starts with a phrase ("About three
    hours, if …"), the phrase is taken as a fine answer that could say more."""
    fix = f"另外，{fixes(errors, 3)}。" if errors else ""
    said = utterance.strip()
    plain = unhedged(fixed_sentence(said, errors))
    lead = re.split(r"[,;]", complete, maxsplit=1)[0].rstrip(".!") + "."
    whole = not opens_with_phrase(complete)  # the complete-sentence advice only where the model is one
    clause = re.match(r"^(because|when|if|so that)\b", plain, re.I)
    apart = reason_said_apart(plain)
    if apart:  # "About two yuan each time. Students only pay half price.": the reason is there, said apart
        head = rng.choice(("\"{u}\" 回答了问题，意思清楚。", "你的回答 \"{u}\" 切题。"))
        return head.format(u=said) + fix + rng.choice(_APART).format(b=apart[0], j=apart[1])
    after_word = re.sub(r"^\s*[A-Za-z ]+?,\s*", "", complete) if _ONE_WORD.match(
        re.split(r"[,.;!?]", complete, maxsplit=1)[0].strip()) else complete
    if _ONE_WORD.match(said) and (opens_with_phrase(complete, strict=True) or not re.match(
            r"(?:I|we|you|he|she|they|it|my|our|there)\b", after_word, re.I)):  # "Of course, and …": no sentence
        whole = False
        head = rng.choice(("\"{u}\" 只有一两个词，信息太少。", "只说一个词 \"{u}\" 太简短了，可以多说一些。"))
    elif _ONE_WORD.match(said):  # "Yes.": never called a complete sentence
        head = rng.choice(("\"{u}\" 只有一个词，还不是完整的句子，信息也太少。",
                           "只说一个词 \"{u}\" 太简短了，这还不是一个完整的句子。",
                           "\"{u}\" 回答了问题，但只是一个词，不是完整的句子。"))
    elif is_fragment(plain) and is_fragment(lead) and not clause:
        whole = False
        head = rng.choice(("\"{u}\" 简短地回答了问题，口语中可以这样说，但内容还不够具体。",
                           "你用 \"{u}\" 回答了问题，意思清楚，只是太简短了。",
                           "\"{u}\" 回答得很简短，可以再多说一点。"))
    elif clause:
        whole = False  # its own head says what is missing: the main clause
        heads = ["\"{u}\" 只是一个从句，不能单独成句，前面要有主句。", "{w} 引导的是从句，\"{u}\" 单独使用时缺少主句。"]
        if clause.group(1).lower() == "because":  # a reason said: praised as one (never of a "when" clause)
            heads.append("你的回答 \"{u}\" 说出了原因，但只有从句，句子不完整。")
        head = rng.choice(heads)
        tail = rng.choice(("可以这样表达：\"{c}\"", "完整的说法是：\"{c}\"", "加上主句就完整了：\"{c}\""))
        if re.match(r"because\b", complete, re.I):  # a model that is a clause too: said with a main clause
            complete = "That's because " + complete[len("because "):]
        return head.format(u=said, w=clause.group(1).lower()) + fix + tail.format(c=complete)
    elif is_imperative(plain):
        head = rng.choice(("\"{u}\" 是祈使句，作为建议意思清楚，但回答问题时最好说成完整的陈述句。",
                           "你用祈使句 \"{u}\" 回答，意思能懂，回答问题时可以把主语和想法说完整。"))
    elif is_fragment(plain) and len(re.findall(r"[A-Za-z'-]+", plain)) == 1:  # "Calm.": a word, never "a phrase"
        head = rng.choice(("\"{u}\" 只是一个单词，不是完整的句子。",
                           "你只用一个单词 \"{u}\" 回答，意思能懂，但还不是完整的句子。"))
    elif is_fragment(plain):
        head = rng.choice(("\"{u}\" 只是一个短语，不是完整的句子，缺少主语和谓语。",
                           "你的回答 \"{u}\" 意思能懂，但只是一个词组，句子不完整。",
                           "\"{u}\" 回答了问题，但没有说成完整的句子。",
                           "\"{u}\" 抓住了要点，不过只是一个{k}，还不是完整的句子。",
                           "你用 \"{u}\" 回答，内容对，但要加上主语和动词才是完整的句子。"))
    else:  # a sentence already (a subject and a finite verb): never told to say a complete sentence
        whole = False
        head = rng.choice(("\"{u}\" 句子完整，但太简短，信息不够。",
                           "你的回答 \"{u}\" 是完整的句子，不过比较简略，可以多说一些。",
                           "\"{u}\" 语法没问题，但内容太少，听不出更多想法。",
                           "\"{u}\" 回答了问题，句子也完整，只是太短了。",
                           "用 \"{u}\" 回答没有错，但可以说得更充分。"))
    return head.format(u=said, k=_phrase_kind(plain)) + fix + _model(plain, complete, rng, whole, head)


#: What a phrase is named by its first word: "Feeding him" a gerund phrase, "With my cousin" a prepositional one,
#: "The cost" or "Our booking" a noun phrase; anything else ("Maybe next week") only a phrase.
_GERUND = re.compile(r"^(?!(?:nothing|something|anything|everything|morning|evening|spring|king|ring|thing|"
                     r"ceiling|building|wedding|pudding|dumpling|painting|meeting|clothing)\b)[a-z]{2,}ing\b", re.I)
_PREPOSITION = re.compile(r"^(?:with|in|on|at|for|from|by|about|after|before|to|near|during|without)\b", re.I)
_DETERMINER = re.compile(r"^(?:the|a|an|my|our|your|his|her|their|some|two|three|four|five|many|more|less|fewer)\b",
                         re.I)


def _phrase_kind(plain: str) -> str:
    text = re.sub(r"^(?:maybe|just|only|well|um+|em+)[, ]+", "", plain.strip(), flags=re.I)
    if _GERUND.match(text):
        return "动名词短语（短语，不是完整句子）"
    if _PREPOSITION.match(text):
        return "介词短语"
    if _DETERMINER.match(text):
        return "名词短语"
    return "短语"


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
