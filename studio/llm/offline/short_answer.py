"""The offline teacher's Analysis of a short answer, in Chinese: what it is (a word for yes or no, a phrase, a
clause on its own, an order, a short sentence; the tutorial's rule 4) and one piece of advice, shown by a model
answer that says it in full (:func:`analysis_short`).
"""

from __future__ import annotations

import random
import re

from studio.domain.learner import Correction
from studio.llm.offline.corrections import fixes
from studio.llm.offline.full_answer import _APART
from studio.llm.offline.praise import gives_reason, reason_said_apart
from studio.llm.offline.reading import (
    fixed_sentence,
    is_fragment,
    is_imperative,
    opens_with_phrase,
    unhedged,
)

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
