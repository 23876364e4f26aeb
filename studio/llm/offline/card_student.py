"""The student's answer to the card question the teacher last asked: in full (a reason or two, sometimes asking
back), briefly (the thing chosen, or a follow-up's short answer), or in Chinese.
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

from studio.domain.grammar import GRAMMAR_RULES
from studio.domain.inject import break_rule
from studio.domain.layout import PromptView
from studio.domain.text import word_count
from studio.llm.offline.card_answers import (
    NON_ANSWERS,
    SHORT_MAX,
    _choose,
    _whole,
    _with_opener,
    full,
    then_said,
)
from studio.llm.offline.card_questions import Asked, _chosen, asked_in
from studio.llm.offline.cards import Card, Option
from studio.llm.offline.phrases import cap
from studio.llm.offline.reactions import _then_reacts_to
from studio.llm.offline.reading import opens_with_phrase
from studio.llm.offline.reply_lines import _ASKS_WHOLE


def student_answer(card: Card, view: PromptView, style: str, rng: random.Random) -> str | None:
    """The student's answer to the card question the teacher last asked (None: no card question asked)."""
    asked = asked_in(card, view.last_teacher)
    if asked is None:
        return None
    asked = _chosen(asked, view.history)
    q = asked.question
    options = asked.picks or q.options
    if style == "chinese":
        if asked.form == "more":
            return q.then_zh
        said = [o for o in options if o.zh] or [o for o in q.options if o.zh]
        return rng.choice(said).zh
    if style == "short":
        if rng.random() < 0.12:
            return rng.choice(NON_ANSWERS)
        if asked.form == "more":  # a brief answer the teacher can react to as it is
            fits = [t for t in asked.thens if _then_reacts_to(t, t.short)]
            return rng.choice(fits or list(asked.thens)).short
        item = cap(rng.choice(options).item)
        return rng.choice((f"{item}.", f"{item}.", f"Maybe {item[:1].lower() + item[1:]}.", f"{item}, I think."))
    answer = ""
    whole = any(p in (view.last_teacher or "") for p in _ASKS_WHOLE)  # a full sentence asked for: never a phrase
    for _ in range(5):  # one a learner's grammar slip can be made in, so a grammar error is in the student's own words
        answer = _full_answer(asked, options, rng, whole)
        if _slip_fits(answer):
            break
    return answer


@lru_cache(maxsize=8192)
def _slip_fits(text: str) -> bool:
    """Whether a rule of the two-way grammar table can make an error in ``text`` (with none, the grammar fault
    would be an added sentence)."""
    return any(break_rule(rule, text) for rule in GRAMMAR_RULES)


def _full_answer(asked: Asked, options: tuple[Option, ...], rng: random.Random, whole: bool = False) -> str:
    if asked.form == "more":
        thens = [t for t in asked.thens if not (whole and opens_with_phrase(_whole(t.text), strict=True))] \
            or list(asked.thens)
        said = ""
        for _ in range(5):  # a full answer is more than a short one ("She would enjoy …" of nine words is short)
            said = then_said(rng.choice(thens), rng, bool(re.match(r"\s*why\b", asked.text, re.I)))
            said = _whole(said) if whole else said
            if word_count(said) > SHORT_MAX:
                break
        return said
    option = rng.choice(options)
    why = rng.choice(option.why)
    answer = _choose(option, why, rng, asked.question.ask) if asked.form == "pick" else _with_opener(full(option, rng, why), rng)
    other = [w for w in option.why if w != why]
    if word_count(answer) <= SHORT_MAX and other:  # a full answer is more than a short one: a second reason
        answer = f"{answer} {cap(other[0])}."
    if asked.form == "pick":
        return answer
    if rng.random() < 0.12 and word_count(answer) <= 27:
        answer += " How about you?"
    return answer
