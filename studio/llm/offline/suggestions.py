"""The three Suggestions: answers to the Reply's own question in the student's voice, each a different answer,
none sharing a detail with another where that can be helped, none naming what the student did not choose.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from functools import lru_cache

from studio.domain.text import word_count
from studio.llm.offline.card_answers import _fresh_reasons, _whole, full, then_said
from studio.llm.offline.card_questions import _PLAIN, Asked, _unchosen_of, _words
from studio.llm.offline.phrases import as_person, cap, other_person, person_said
from studio.llm.offline.reading import opens_with_phrase


def suggestions(asked: Asked, rng: random.Random, first: str | None = None, said: object = None,
                whole: bool = False, earlier: str = "", heard: str = "") -> list[str]:
    """Three answers to ``asked`` in the student's voice, each a different answer (a different option or
    follow-up answer; ``first``, when given, leads, and ``said`` — the option or follow-up answer it says —
    is not said again in other words); ``whole``: each a whole sentence (a full sentence was asked for);
    ``earlier``: what the student said before, whose answers go first (a friend who likes basketball gets
    the basketball first); ``heard``: all the student said, whose "he" or "she" (他 / 她) every Suggestion keeps
    for that person (never "He told me …" of a dentist the student called 她)."""
    q = asked.question
    person = person_said(f"{heard} {first or ''}")
    pool: list[tuple[object, str]]
    if asked.form == "more":
        why = bool(re.match(r"\s*why\b", asked.text, re.I))
        pool = [(t, _whole(then_said(t, rng, why)) if whole else then_said(t, rng, why)) for t in asked.thens]
    elif asked.form == "pick":  # each of the two, and a third answer of the card's own ("Neither, actually. …")
        others = [o for o in q.options if o not in asked.picks]
        pool = [(o, full(o, rng)) for o in asked.picks]  # each said as the question asks it ("I'm most worried about …")
        if others:
            o = rng.choice(others)
            pool.append((o, f"Neither, actually. {cap(re.sub(r'^(?:Yes|No),? ', '', full(o, rng)))}"))
        rng.shuffle(pool)
    elif re.match(r"\s*why\b", asked.text, re.I):  # a reason asked for: given with "because"
        pool = [(o, f"{o.say.rstrip('.!')}{rng.choice((',', ''))} because {rng.choice(_fresh_reasons(o))}.")
                for o in q.options]
    else:
        pool = [(o, full(o, rng)) for o in q.options]
    rng.shuffle(pool)
    if earlier:
        before = _subject_words(earlier)
        pool.sort(key=lambda p: -len(_subject_words(p[1]) & before))
    out = [first] if first else []
    keys: list[object] = [said] if first else []
    unchosen = _unchosen(asked)
    # answers that share no detail first ("… on Saturday mornings" twice), then any; one that calls the student's
    # "she" "he" only where no other answer is left, and then said with "she"; never one that names what the
    # student did not choose (Charlotte's spider web to a student who read Harry Potter)
    for strict, same_person in ((True, True), (False, True), (False, False)):
        for key, s in _then_more(pool, asked, rng) if len(out) < 3 else ():
            if len(out) == 3:
                break
            s = s if same_person else as_person(s, person)
            if key in keys or (isinstance(key, tuple) and key[0] in keys) or word_count(s) > 30 \
                    or any(p.search(s) for p in unchosen) \
                    or not all(s != o and _distinct(s, o) and not (strict and _same_detail(s, o, asked.text))
                               for o in out) or (whole and opens_with_phrase(s, strict=True)) \
                    or (same_person and other_person(s, person)):
                continue
            out.append(s)
            keys.append(key)
    for phrase_too in (False, True):  # never fewer than three (a phrase first only where nothing else is left)
        for _, s in _then_more(pool, asked, rng) if len(out) < 3 else ():
            s = as_person(s, person)
            if len(out) < 3 and word_count(s) <= 30 and all(s != o and _distinct(s, o) for o in out) \
                    and (phrase_too or not (whole and opens_with_phrase(s, strict=True) or other_person(s, person))):
                out.append(s)
    if not person:  # the student named no he or she: the three call the one person the question is about alike
        lead = next((p for o in out for p, other in (("he", "she"), ("she", "he")) if other_person(o, other)), "")
        out = [as_person(o, lead) for o in out] if lead else out
    return out


def _unchosen(asked: Asked) -> tuple[re.Pattern[str], ...]:
    """What names only an option the student did not choose, when a follow-up asks about their choice: a name
    ("Charlotte" to a student who read Harry Potter) or the other option's own words ("the guest room" to one
    who gave up their bedroom). An answer that says one contradicts what the student said."""
    if asked.form != "more" or asked.chosen is None:
        return ()
    return _unchosen_of(asked.question, asked.chosen, asked.text)


def _subject_words(text: str) -> frozenset[str]:
    return frozenset(w for w in _words(text) if len(w) > 3 and w not in _PLAIN)


def _then_more(pool: list[tuple[object, str]], asked: Asked, rng: random.Random) -> Iterator[tuple[object, str]]:
    """``pool``, then (where two of it read too much alike) the other ways of saying the same answers:
    each reason of each option, each follow-up answer as written."""
    yield from pool
    q = asked.question
    if asked.form == "more":
        yield from ((t, _whole(t.text)) for t in asked.thens)
    elif asked.form == "pick":  # with no third answer on the card: each of the two with its other reason
        yield from (((o, why), full(o, rng, why)) for o in asked.picks for why in o.why)
    else:
        yield from ((o, full(o, rng, why)) for o in q.options for why in o.why)
        yield from ((o, o.english) for o in q.options)


@lru_cache(maxsize=16384)
def _trigrams(text: str, asked: frozenset[str]) -> frozenset[tuple[str, ...]]:
    """Three words in a row of ``text`` of which two or more say something the question did not ("on saturday
    mornings"; not "impressed me most" after "What impressed you most?")."""
    words = re.findall(r"[a-z']+", text.lower())
    return frozenset(tuple(words[i:i + 3]) for i in range(len(words) - 2)
            if sum(len(w) > 3 and w not in _PLAIN and w not in asked for w in words[i:i + 3]) >= 2)


#: Words that say an answer is the other way of doing something: two such answers to one question are one idea
#: ("ride bikes instead of being driven", "walk instead of taking the car").
_INSTEAD = re.compile(r"\b(?:instead of|rather than)\b", re.I)


def _same_detail(a: str, b: str, question: str) -> bool:
    """Whether two answers to ``question`` share a detail ("… on Saturday mornings" twice), or both say what to do
    instead of something: near the same answer."""
    asked = frozenset(re.findall(r"[a-z']+", question.lower()))
    return bool(_trigrams(a, asked) & _trigrams(b, asked)) or bool(_INSTEAD.search(a) and _INSTEAD.search(b))


def _distinct(a: str, b: str) -> bool:
    from studio.domain.contract import similar

    return similar(a, b) < 0.8
