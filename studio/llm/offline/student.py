"""The offline student, the rewrite tasks (translation, spelling, grammar) and topic expansion.

The student finds the frame of the teacher's last question and answers that question: in full
(high-school level), briefly and sometimes with an error or a word it does not know (primary
level, as the tutorial's short-student prompt allows), or in Chinese.
"""

from __future__ import annotations

import random
import re

from studio.domain.faults import SPECS
from studio.domain.layout import PromptView
from studio.domain.text import word_count
from studio.llm.offline.banks import Banks
from studio.llm.offline.cards import card_for
from studio.llm.offline.frames import FRAMES, Asked, Filler, answers, match, short
from studio.llm.offline.phrases import cap
from studio.llm.offline.talk import student_answer
from studio.semantic.lexicon import content_words

OPENERS = ("", "", "", "Well, ", "Hmm, ", "To be honest, ", "Actually, ", "Oh, ")
ASKS_BACK = 0.1  # how often a full answer ends by asking the teacher back ("How about you?")
SHORT_MAX = 10  # words: the tutorial's short student ("不超过10个单词"); longer answers are full ones
NON_ANSWERS = ("I don't know.", "Sorry, I don't know how to say it.", "Em... I don't know.", "I'm not sure.")


def _asked(view: PromptView) -> Asked:
    return match(view.last_teacher) or Asked(FRAMES["favourite"], "ask", {})


def student_turn(view: PromptView, level: str, language: str, banks: Banks, rng: random.Random) -> str:
    card = card_for(view.topic)
    if card is not None:
        style = "chinese" if language == "中文" else "short" if level == "小学" else "normal"
        said = student_answer(card, view, style, rng)
        if said is not None:
            return said
    scene = banks.scene_for(view.topic)
    thing = scene.thing_for(view.topic)
    asked = _asked(view)
    filler = Filler(scene, thing, rng, asked.slots)
    if language == "中文":
        return rng.choice(banks.chinese[asked.frame.id]).format(zh=scene.zh)
    if level == "小学":
        return _short_answer(view, asked, filler, rng)
    answer = answers(asked, filler, 1)[0]
    opener = rng.choice(OPENERS)
    if opener and not answer.startswith(("I ", "I'")):
        answer = opener + answer[0].lower() + answer[1:]
    elif opener:
        answer = opener + answer
    if word_count(answer) <= SHORT_MAX:  # a high-school answer is more than a primary-level phrase: add a reason
        reasons = [r for r in scene.reasons if r.lower() not in answer.lower()] or list(scene.reasons)
        answer = f"{answer} {cap(rng.choice(reasons))}."
    if rng.random() < ASKS_BACK and word_count(answer) <= 27:
        answer += " How about you?"  # the teacher answers it (studio.llm.offline.teacher) before asking on
    return answer


def _short_answer(view: PromptView, asked: Asked, filler: Filler, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.12:
        hard = [w for w in re.findall(r"[A-Za-z]{9,}", view.last_teacher or "")]
        if hard and rng.random() < 0.4:
            return f"I don't know the word \"{rng.choice(hard).lower()}\"."
        return rng.choice(NON_ANSWERS)
    text = short(asked, filler)
    for _ in range(5):  # the tutorial's short student says at most 10 words
        if word_count(text) <= SHORT_MAX:
            break
        text = short(asked, filler)
    return text  # no error: a short answer is labelled short, and an error it carried would go unlabelled


def rewrite(task: str, original: str, banks: Banks, rng: random.Random) -> str:
    """A rewrite task: a translation into Chinese, or the fault kind whose spec's ``rewrite_task``
    the task names, made by that spec's injector (an unknown task gives the sentence back unchanged)."""
    if task.startswith("翻译"):
        key = rng.choice(tuple(banks.chinese))
        return rng.choice(banks.chinese[key]).format(zh="这件事")
    spec = next((s for s in SPECS.values() if s.rewrite_task and task.startswith(s.rewrite_task)), None)
    text, fixes = spec.inject(original, rng) if spec is not None else (original, [])
    return text + "\n更正：" + "；".join(f"{c.wrong}=>{c.right}" for c in fixes)


def title_topics(listing: str, banks: Banks) -> str:
    """``N｜中文名｜English title`` for each numbered topic: the bank's names when the topic is one of the
    expansion scenes; otherwise its last clause as the Chinese name and its first content words, glossed
    through the dictionary, as the English title (a simulator's titles, not a writer's)."""
    parts = banks.expansion
    titles = dict(zip(parts["what"], parts.get("titles", ()), strict=False))
    out = []
    for line in listing.splitlines():
        m = re.match(r"\s*(\d+)\s*[.、:：)）]?\s*(.+)", line)
        if not m:
            continue
        number, text = m.groups()
        known = next((titles[w] for w in titles if w in text), None)
        if known:
            name_zh, title = known.split("|", 1)
        else:
            clause = [c for c in re.split(r"[，。,.;；]", text) if c.strip()][-1].strip()
            name_zh = re.sub(r"^(讨论|交流|谈论|聊起|分享|商量|计划|介绍|比较|回忆)", "", clause)[:10] or clause[:10]
            words = [w for w in content_words(text) if w.isalpha()][:4]
            title = " ".join(words).capitalize() or "A conversation"
        out.append(f"{number}｜{name_zh}｜{title}")
    return "\n".join(out)


def expand_topics(n: int, examples: tuple[str, ...], titled: bool, banks: Banks, rng: random.Random) -> str:
    """``n`` new scenarios (at most 50), none of them an example; ``titled``: as ``场景｜中文名｜English title`` lines."""
    n = max(1, min(50, n))
    parts = banks.expansion
    titles = parts.get("titles", ())
    titled = titled and len(titles) == len(parts["what"])
    made: list[str] = []
    lines: list[str] = []
    for _ in range(n * 20):
        who, where, k = rng.choice(parts["who"]), rng.choice(parts["where"]), rng.randrange(len(parts["what"]))
        topic = f"{who}{where}{parts['what'][k]}。"
        if topic not in made and topic not in examples:
            made.append(topic)
            lines.append(f"{topic}｜{titles[k].replace('|', '｜')}" if titled else topic)
        if len(made) == n:
            break
    return "\n".join(lines)
