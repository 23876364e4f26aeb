"""Topic cards: the offline simulator's own conversation for each shipped topic (``data/offline_topics.toml``).

A card is written for one topic of ``data/topics.tsv`` (named by its English title) and holds that
scene's questions. Each question has the answers a student could give (an *option*: the thing
chosen, a sentence saying it, reasons, the teacher's reaction to it, and its Chinese), the follow-up
the teacher asks about whichever option the student chose (``more``) with the answers to that, and
the teacher's own answer when the student asks back ("How about you?"). The teacher and the student
of :mod:`studio.llm.offline.talk` speak from it; a topic with no card is left to the scene frames.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import Any

from studio.resources import read_data

CARDS_FILE = "offline_topics.toml"
PICK = "Let me make it easier: {a} or {b}?"
#: The easier either-or question for a "Why …?" question: the two items offered as causes, so that the choice
#: still answers the question asked ("Why does he want …? Is it because of his daughter or his grandson?").
PICK_WHY = "Let me make it easier: is it because of {a} or {b}?"


class CardError(ValueError):
    """A card in the shipped file that cannot be used, named by its topic and field."""


@dataclass(frozen=True)
class Option:
    """One answer to a question: ``item`` is what the student chose (a short answer says just it)."""

    item: str
    say: str  # a sentence with the item, no reason
    why: tuple[str, ...]  # reasons, each a clause that can follow "because"
    wow: str  # the teacher's reaction when the student chose it
    zh: str = ""  # the Chinese of :attr:`english`
    #: which answers to the question's follow-up (1-based, into ``Question.then``) a student who chose it can
    #: give: None, all of them; empty, none (the teacher asks the scene's next question instead of the follow-up)
    fits: tuple[int, ...] | None = None

    @property
    def english(self) -> str:
        """The option said in full with its first reason (what :attr:`zh` says in Chinese); a result of a proposal
        said with "so that" (:func:`is_outcome`)."""
        link = "so that" if is_outcome(self.say, self.why[0]) else "because"
        return f"{self.say.rstrip('.!')}, {link} {self.why[0]}."


#: A proposal ("Tickets should be cheaper for students", "Students should use phones only at lunchtime").
_PROPOSAL = re.compile(r"\b(?:should|ought to|needs? to)\b", re.I)
#: What would follow if the proposal were taken up: more or fewer people doing something, or something better.
_RESULT = re.compile(r"^(?:(?:many |far |a lot )?(?:more|fewer|less)\b[^,]*?\b(?:would|will)\b|[^,]*?\b(?:will|would) "
                     r"(?:be|get|become|feel) (?:a lot |much |even )?(?:better|worse|safer|cleaner|quieter|stronger|"
                     r"healthier|easier|cheaper|faster|calmer|happier|more \w+|less \w+)\b)", re.I)


def is_outcome(say: str, why: str) -> bool:
    """Whether ``why`` is what a proposal would bring about, not its cause ("more students would take the bus"
    after "Tickets should be cheaper for students"): linked with "so" or "so that", never "because"."""
    return bool(_PROPOSAL.search(say) and _RESULT.match(why))


@dataclass(frozen=True)
class Then:
    """An answer to a question's follow-up, the teacher's reaction to it, and (when its first clause
    will not do) how a brief answer says it."""

    text: str
    react: str
    brief: str = ""

    @property
    def short(self) -> str:
        """How a brief answer says it: ``brief``, or the answer's first clause ("He usually wins.")."""
        if self.brief:
            return self.brief
        head = re.split(r",|\.\s|;| because | so | but ", self.text, maxsplit=1)[0].strip().rstrip(".!")
        while len(head.split()) > 10:  # "… told us about it in a safety class last year" → "… told us about it"
            cuts = [m.start() for m in re.finditer(r" (?:in|on|at|about|from|with|for|after|before|when|during|"
                                                   r"to (?=the |a |an |my |our |his |her |their |your |school|bed)|"
                                                   r"every|that|which|who|where|without|until|while) ", head)
                    if len(head[: m.start()].split()) >= 4]
            if not cuts:  # "I took about twenty photos and chose …" → "I took about twenty photos"; never
                ands = [m.start() for m in re.finditer(" and ", head)  # "My partner and I …" → "My partner"
                        if len(head[: m.start()].split()) >= 4]
                head = head[: ands[0]] if ands else head
                break
            head = head[: cuts[-1]]
        return head + "."


@dataclass(frozen=True)
class Question:
    ask: str
    me: str  # the teacher's own answer, said when the student asks back
    more: str  # the follow-up about whichever option the student chose
    then: tuple[Then, ...]
    then_zh: str  # the Chinese of the first ``then``
    options: tuple[Option, ...]
    pick: str = PICK  # an easier either-or question over two options' items ({a}, {b})

    def then_for(self, option: Option | None) -> tuple[Then, ...]:
        """The follow-up answers a student who chose ``option`` can give (all of them when it is not known)."""
        if option is None or option.fits is None:
            return self.then
        return tuple(self.then[i - 1] for i in option.fits)

    def follows(self, option: Option | None) -> bool:
        """Whether the follow-up fits a student who chose ``option`` ("How will you prepare?" asked of the
        one making the costumes has no answers on the card: the teacher asks on instead)."""
        return bool(self.then_for(option))


@dataclass(frozen=True)
class Card:
    title: str
    topic: str
    about: str  # the scene in a few English words, as "let's get back to …" says it
    opens: tuple[str, ...]
    questions: tuple[Question, ...]


def _text(row: dict[str, Any], key: str, where: str, *, required: bool = True) -> str:
    value = row.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise CardError(f"{CARDS_FILE}: {where}: field '{key}' must be a non-empty string")
    return value.strip()


def _texts(row: dict[str, Any], key: str, where: str, least: int) -> tuple[str, ...]:
    value = row.get(key, [])
    if not isinstance(value, list) or len(value) < least or not all(isinstance(v, str) and v.strip() for v in value):
        raise CardError(f"{CARDS_FILE}: {where}: field '{key}' must be a list of at least {least} strings")
    return tuple(v.strip() for v in value)


#: "Yes and no, because A, but B.": "because" would take in both halves; said "Yes and no. A, but B.".
_BECAUSE_BUT = re.compile(r"^(?P<head>yes and no|yes|no|not really|maybe|sort of|both),? because (?P<a>[^,]+), "
                          r"but (?P<b>[^,]+)$", re.I)


def _then(line: str, where: str) -> Then:
    parts = [p.strip() for p in line.split("|")]
    if len(parts) not in (2, 3) or not all(parts):
        raise CardError(f"{CARDS_FILE}: {where}: a 'then' line is 'answer | reaction' or 'answer | reaction | brief "
                        f"answer', not '{line[:40]}'")
    if m := _BECAUSE_BUT.match(parts[0]):
        parts[0] = f"{m.group('head')}. {m.group('a')[:1].upper()}{m.group('a')[1:]}, but {m.group('b')}"
    return Then(*parts)


def _option(row: dict[str, Any], where: str) -> Option:
    fits = row.get("fits")
    if fits is not None and (not isinstance(fits, list) or not all(isinstance(i, int) for i in fits)):
        raise CardError(f"{CARDS_FILE}: {where}: field 'fits' must be a list of numbers of the question's 'then' "
                        f"answers")
    return Option(_text(row, "item", where), _text(row, "say", where), _texts(row, "why", where, 2),
                  _text(row, "wow", where), _text(row, "zh", where, required=False),
                  tuple(fits) if fits is not None else None)


def _check_fits(options: tuple[Option, ...], then: tuple[Then, ...], where: str) -> None:
    """An option's ``fits``: numbers of its question's follow-up answers, none, or three or more with the
    first (the one ``then_zh`` says, which a Chinese answer gives) among them."""
    for i, o in enumerate(options, 1):
        if not o.fits:
            continue
        if any(n < 1 or n > len(then) for n in o.fits):
            raise CardError(f"{CARDS_FILE}: {where}, answer {i}: 'fits' names a 'then' answer the question does not "
                            f"have (1 to {len(then)})")
        if len(set(o.fits)) < 3 or 1 not in o.fits:
            raise CardError(f"{CARDS_FILE}: {where}, answer {i}: 'fits' needs the first 'then' answer and at least "
                            f"three in all (or none: [] for no follow-up)")


def _question(row: dict[str, Any], where: str) -> Question:
    options = tuple(_option(a, f"{where}, answer {i}") for i, a in enumerate(row.get("a", []), 1))
    if len(options) < 3:
        raise CardError(f"{CARDS_FILE}: {where}: a question needs at least 3 answers ([[topic.q.a]])")
    if not any(o.zh for o in options):
        raise CardError(f"{CARDS_FILE}: {where}: at least one answer needs 'zh' (its Chinese)")
    then = tuple(_then(t, where) for t in _texts(row, "then", where, 3))
    _check_fits(options, then, where)
    ask = _text(row, "ask", where)
    pick = _text(row, "pick", where, required=False) or (PICK_WHY if ask.startswith("Why ") else PICK)
    return Question(ask, _text(row, "me", where), _text(row, "more", where), then,
                    _text(row, "then_zh", where), options, pick)


def parse_cards(text: str, topics: dict[str, str]) -> dict[str, Card]:
    """The cards of ``text`` by their topic's text; ``topics`` maps each shipped title to its text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CardError(f"{CARDS_FILE}: {exc}") from None
    cards: dict[str, Card] = {}
    for n, row in enumerate(data.get("topic", []), 1):
        title = _text(row, "title", f"topic {n}")
        where = f"topic '{title}'"
        if title not in topics:
            raise CardError(f"{CARDS_FILE}: {where}: no shipped topic has this title (data/topics.tsv)")
        questions = tuple(_question(q, f"{where}, question {i}") for i, q in enumerate(row.get("q", []), 1))
        if len(questions) < 2:
            raise CardError(f"{CARDS_FILE}: {where}: a card needs at least 2 questions ([[topic.q]])")
        said = [t for q in questions for t in (q.ask, q.more)]
        if len(set(said)) < len(said):
            raise CardError(f"{CARDS_FILE}: {where}: two questions or follow-ups are the same words")
        card = Card(title, topics[title], _text(row, "about", where), _texts(row, "open", where, 1), questions)
        if _key(card.topic) in cards:
            raise CardError(f"{CARDS_FILE}: {where}: a second card for the same topic")
        cards[_key(card.topic)] = card
    return cards


def _key(topic: str) -> str:
    return " ".join(topic.split())


def shipped_topics() -> dict[str, str]:
    """Each shipped topic's English title → its text (``data/topics.tsv``)."""
    rows = csv.DictReader(io.StringIO(read_data("topics.tsv")), delimiter="\t")
    return {r["title"].strip(): r["topic"].strip() for r in rows if r.get("title") and r.get("topic")}


@cache
def load_cards() -> dict[str, Card]:
    return parse_cards(read_data(CARDS_FILE), shipped_topics())


def card_for(topic: str) -> Card | None:
    """The card written for ``topic`` (a shipped topic's text), or None."""
    return load_cards().get(_key(topic))
