"""Which of a topic card's questions the teacher asked, and which one to ask next.

:func:`asked_in` finds the card question a teacher's Reply asks last (its question, its follow-up or its easier
either-or form) as an :class:`Asked`; :func:`option_in` and :func:`then_in` find the card answer a student's words
chose; a follow-up keeps the option chosen (``Asked.chosen``), and its answers are those that fit it, none naming
what the student did not choose (:func:`_unchosen_of`). :func:`_next_question` picks the scene's next question.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from studio.llm.offline.cards import Card, Option, Question, Then
from studio.llm.offline.phrases import cap, to_you


@dataclass(frozen=True)
class Asked:
    """A question of the card the teacher asked: ``ask`` (the question), ``more`` (its follow-up) or
    ``pick`` (its easier either-or form, over two options); a follow-up knows the option the student
    ``chosen`` (its answers are those that fit it)."""

    form: str
    question: Question
    text: str
    picks: tuple[Option, ...] = ()
    chosen: Option | None = None

    @property
    def thens(self) -> tuple[Then, ...]:
        """The follow-up's answers that fit what the student chose, none that names what they did not choose
        (all that fit when fewer than three would be left)."""
        if self.form != "more" or self.chosen is None:
            return self.question.then_for(self.chosen)
        return _fitting(self.question, self.chosen, self.text)


@cache
def _pick_pattern(template: str) -> re.Pattern[str]:
    """The either-or question, with its lead-in ("Let me make it easier: ") or, asked again, without it."""
    head, _, rest = template.partition("{a}")
    middle, _, tail = rest.partition("{b}")
    return re.compile(r"(?:" + re.escape(head) + r"|(?:^|(?<=[.!?] )))(?P<a>[^.!?]+?)" + re.escape(middle)
                      + r"(?P<b>[^.!?]+?)" + re.escape(tail))


def _again(asked: Asked) -> str:
    """The question asked once more: an either-or question without its lead-in ("English listening or maths?")."""
    if asked.form != "pick":
        return asked.text
    head = asked.question.pick.partition("{a}")[0]
    return cap(asked.text[len(head):]) if head and asked.text.startswith(head) else asked.text


def asked_in(card: Card, text: str | None) -> Asked | None:
    """The card's question that ``text`` (a teacher's Reply) asks last, or None."""
    if not text:
        return None
    best: tuple[int, Asked] | None = None
    for q in card.questions:
        for form, said in (("ask", q.ask), *(("more", m) for m in _persons(q.more))):
            at = text.rfind(said)
            if at >= 0 and (best is None or at > best[0]):
                best = (at, Asked(form, q, q.more if form == "more" else said))
        for m in _pick_pattern(q.pick).finditer(text):
            items = {to_you(o.item).lower(): o for o in q.options}  # asked again, it starts a sentence: "A steak or …"
            a, b = items.get(m.group("a").lower()), items.get(m.group("b").lower())
            if a and b and (best is None or m.start() > best[0]):
                best = (m.start(), Asked("pick", q, m.group(0), (a, b)))
    return best[1] if best else None


_THAT_PERSON = "that person"
_SHE = re.compile(r"\b(?:she|her|mum|mother|grandma|aunt|sister)\b", re.I)
_HE = re.compile(r"\b(?:he|him|his|dad|father|grandpa|uncle|brother)\b", re.I)


def _persons(more: str) -> tuple[str, ...]:
    """A follow-up as it may be asked: "… from that person?" also as "… from her?" and "… from him?"."""
    if _THAT_PERSON not in more:
        return (more,)
    return more, more.replace(_THAT_PERSON, "her"), more.replace(_THAT_PERSON, "him")


def to_person(more: str, option: Option | None, said: str) -> str:
    """A follow-up's "that person" said as "her" or "him" when the person the student named is known to be one
    ("My mum." → "What have you learned from her?"); kept when it is not."""
    if _THAT_PERSON not in more:
        return more
    known = " ".join((option.say, *option.why)) if option is not None else said
    she, he = len(_SHE.findall(known)), len(_HE.findall(known))
    return more.replace(_THAT_PERSON, "her" if she > he else "him") if she != he else more


def _chosen(asked: Asked, history: list[tuple[str, str]]) -> Asked:
    """``asked``, a follow-up, with the option the student chose when the question was asked (their last answer
    that names one, back to the question itself)."""
    if asked.form != "more":
        return asked
    q = asked.question
    for role, text in reversed(history):
        if role == "student" and (option := option_in(q, text)) is not None:
            return replace(asked, chosen=option)
        if role == "teacher" and q.ask in text:
            break
    return asked


def _asked_all(card: Card, history: list[tuple[str, str]]) -> list[Question]:
    return [a.question for t in (text for role, text in history if role == "teacher") if (a := asked_in(card, t))]


@lru_cache(maxsize=16384)
def _words(text: str) -> frozenset[str]:
    """The content words of ``text``, a possessive as its noun ("parents'" and "Grandma's" as "parents", "grandma");
    kept for the card lines and answers said again and again in a run."""
    words = (re.sub(r"'s$|'$", "", w) for w in re.findall(r"[a-z']+", text.lower()))
    return frozenset(w for w in words if len(w) > 2) - _NOT_CONTENT


_NOT_CONTENT = frozenset({"the", "and", "our", "with", "for", "my", "your", "a", "an", "to", "of"})


def option_in(question: Question, text: str, among: tuple[Option, ...] = ()) -> Option | None:
    """The option the student's answer chose (its Chinese, or most of its item's words), or None."""
    pool = among or question.options
    for o in question.options:
        if o.zh and o.zh == text.strip():
            return o
    said = _words(text)

    def score(o: Option) -> float:
        return max(len(_words(part) & said) / max(1, len(_words(part))) for part in (o.item, o.say))

    best = max(pool, key=score)
    return best if score(best) >= 0.5 else None


def then_in(question: Question, text: str) -> Then | None:
    low = text.lower().strip()
    if question.then_zh and text.strip() == question.then_zh:
        return question.then[0]
    for t in question.then:
        if t.text.lower().rstrip(".") in low:
            return t
    shorts = [t for t in question.then if t.short.lower().rstrip(".") in low]
    if shorts:
        return max(shorts, key=lambda t: len(t.short))
    said = _words(text)
    scored = [(len(_words(t.text) & said) / max(1, len(_words(t.text))), t) for t in question.then]
    score, best = max(scored, key=lambda s: s[0])
    return best if score >= 0.6 else None


@lru_cache(maxsize=4096)
def _fitting(question: Question, chosen: Option, text: str) -> tuple[Then, ...]:
    fit = question.then_for(chosen)
    unchosen = _unchosen_of(question, chosen, text)
    kept = tuple(t for t in fit if not any(p.search(t.text) for p in unchosen))
    return kept if len(kept) >= 3 else fit  # three Suggestions at least (those that fit best said first)


@lru_cache(maxsize=4096)
def _unchosen_of(question: Question, chosen: Option, text: str) -> tuple[re.Pattern[str], ...]:
    mine = f"{chosen.item} {chosen.say} {text}"
    out = []
    for o in question.options:
        if o is chosen:
            continue
        names = [w for w in re.findall(r"\b[A-Z][a-z]+\b", o.item) if w not in mine
                 and w not in ("I", "The", "A", "An", "My", "Our")]
        out += [re.compile(rf"\b{re.escape(n)}\b") for n in names]
        phrase = re.sub(r"^(?:the|a|an|my|our|his|her|their|some)\s+", "", o.item, flags=re.I)
        if len(phrase.split()) >= 2 and phrase.lower() not in mine.lower():
            out.append(re.compile(rf"\b{re.escape(phrase)}\b", re.I))
        if (verb := _doing(o)) and not re.search(rf"\b{verb}", f"{mine} {question.ask}", re.I):  # "walking him" to
            # one who feeds him (not the scene's own doing: "cleaning" at a clean-up)
            out.append(re.compile(rf"\b{verb}(?:s|es|ed|d|ing)?\b", re.I))
    return tuple(out)


def _doing(option: Option) -> str:
    """The verb of an option named by a doing ("walking him every day" → "walk", found in its sentence "I would
    walk him …"), or ""."""
    m = re.match(r"([a-z]{2,})ing\b", option.item, re.I)
    if m is None or not _DECISION.match(option.say):  # the student's own doing, not a cause ("hunting")
        return ""
    stem = m.group(1).lower()
    stem = stem[:-1] if len(stem) > 2 and stem[-1] == stem[-2] else stem  # "running" → "run"
    found = re.search(rf"\b{stem}[a-z]?\b", option.say, re.I)  # "making" → "make"
    verb = found.group(0).lower() if found else ""
    return "" if verb in _LIGHT_VERBS else verb  # "getting fitter": "get" says nothing of its own


#: Verbs that say little without their object ("get up", "make friends"): never what tells two doings apart.
_LIGHT_VERBS = frozenset("get make take do have go be come put keep give let use see try".split())


#: Words any answer says, which tell nothing about what it is about.
_PLAIN = frozenset("""will would could should because they them their this that these those have like want think about
very much more some there here when what then just really also from every time good great nice maybe don't can't
it's i'm i'll i'd we'll we're going every usually always often sometimes never""".split())


#: A sentence that says what the student does or chooses ("I'd take him to the library", "We could walk"): a
#: reason can lead to it ("B, so A."). Not a judgement ("Feeling shy is the hardest thing for me", "I like the
#: relay race most"), which a reason only explains: "My classmates might laugh, so feeling shy is the hardest
#: thing" reads back to front.
_DECISION = re.compile(r"^(?:I|We|I'd|I'll|We'll|We'd|I'm|We're|My \w+ and I)\b")


#: A question a yes or a no answers ("Will you volunteer again next year?"): never asked just after a whole
#: sentence was asked for, which it would answer with one word.
_YES_NO_ASK = re.compile(r"^(?:Will|Would|Do|Does|Did|Are|Is|Was|Were|Can|Could|Have|Has|Should|Shall)\b")


def _next_question(card: Card, used: list[Question], rng: random.Random, last: Question | None,
                   open_only: bool = False) -> Question:
    """The scene's next question: one not asked yet where there is one; ``open_only`` (a whole sentence was just
    asked for): an open question, not one a yes or a no answers, where the card has one."""
    def fit(qs: list[Question]) -> list[Question]:
        return [q for q in qs if not _YES_NO_ASK.match(q.ask)] or qs if open_only else qs
    fresh = fit([q for q in card.questions if q not in used])
    if fresh and not (open_only and all(_YES_NO_ASK.match(q.ask) for q in fresh)):
        return rng.choice(fresh)
    return rng.choice(fit([q for q in card.questions if q is not last] or list(card.questions)))
