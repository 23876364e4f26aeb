"""The offline student, the rewrite tasks (translation, spelling, grammar) and topic expansion."""

from __future__ import annotations

import random
import re

from studio.domain.inject import inject_grammar, inject_spelling
from studio.domain.layout import PromptView
from studio.domain.text import word_count
from studio.llm.offline.banks import Banks, Category

OPENERS = ("", "", "Well, ", "Hmm, ", "To be honest, ", "I think ", "Actually, ")


def _question_index(cat: Category, general: Category, view: PromptView, rng: random.Random) -> tuple[Category, int]:
    asked = view.last_teacher or ""
    for pool in (cat, general):
        for i, q in enumerate(pool.questions):
            if q in asked:
                return pool, i
    return cat, rng.randrange(len(cat.answers))


def student_turn(view: PromptView, level: str, language: str, banks: Banks, rng: random.Random) -> str:
    cat = banks.category_for(view.topic)
    pool, i = _question_index(cat, banks.general, view, rng)
    if language == "中文":
        options = pool.chinese or banks.general.chinese
        return options[i % len(options)] if rng.random() < 0.7 else rng.choice(options)
    if level == "小学":
        if rng.random() < 0.15:
            return rng.choice(["I don't know the word.", "Sorry, I don't know how to say it.", "Em... I don't know."])
        options = pool.short or banks.general.short
        return options[i % len(options)] if rng.random() < 0.6 else rng.choice(options)
    answer = pool.answers[i % len(pool.answers)] if rng.random() < 0.75 else rng.choice(cat.answers)
    opener = rng.choice(OPENERS)
    if opener and answer[:2] != "I ":
        answer = opener + answer[0].lower() + answer[1:]
    elif opener == "I think ":
        answer = answer
    elif opener:
        answer = opener + answer
    extra = rng.choice(["", "", "How about you?", "It is really fun.", "I hope to do it again soon."])
    if word_count(answer) <= 10:  # a high-school answer is more than a primary-level phrase
        extra = extra or "I think it is a good topic to talk about."
    if extra and word_count(f"{answer} {extra}") <= 30:
        answer = f"{answer} {extra}"
    return answer


def rewrite(task: str, original: str, banks: Banks, rng: random.Random) -> str:
    if task.startswith("翻译"):
        for cat in (*banks.categories.values(), banks.general):
            if original in cat.answers:
                i = cat.answers.index(original)
                return cat.chinese[i % len(cat.chinese)]
        return rng.choice(banks.general.chinese)
    if task.startswith("拼写"):
        text, fixes = inject_spelling(original, rng, count=rng.choice((1, 2)))
    else:
        text, fixes = inject_grammar(original, rng)
    return text + "\n更正：" + "；".join(f"{c.wrong}=>{c.right}" for c in fixes)


def expand_topics(prompt: str, banks: Banks, rng: random.Random) -> str:
    m = re.search(r"写出\s*(\d+)\s*个", prompt)
    n = max(1, min(50, int(m.group(1)))) if m else 5
    parts = banks.expansion
    made: list[str] = []
    for _ in range(n * 20):
        who, where, what = rng.choice(parts["who"]), rng.choice(parts["where"]), rng.choice(parts["what"])
        topic = f"{who}{where}{what}。"
        if topic not in made and topic not in prompt:
            made.append(topic)
        if len(made) == n:
            break
    return "\n".join(made)
