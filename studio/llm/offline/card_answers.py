"""The student's sentences from a topic card: an option said in full with a reason (:func:`full`), a
follow-up answer in one of the ways a student links a reason (:func:`then_said`), an either-or question answered
(:func:`_choose`), a phrase made a whole sentence (:func:`_whole`).
"""

from __future__ import annotations

import random
import re

from studio.llm.offline.card_questions import _DECISION, _PLAIN, _words
from studio.llm.offline.cards import Option, Question, Then, is_outcome
from studio.llm.offline.phrases import cap
from studio.llm.offline.reading import is_fragment, opens_with_phrase

_OPENERS = ("", "", "", "", "Well, ", "Hmm, ", "Actually, ", "To be honest, ")
NON_ANSWERS = ("I don't know.", "Sorry, I don't know how to say it.", "Em... I don't know.", "I'm not sure.")
SHORT_MAX = 10
#: First words an answer keeps in capitals after an opener ("Well, I …", "Well, Grandpa …"): "I" and names.
_KEEP_CAPITAL = {"I", "I'm", "I'd", "I'll", "I've", "Grandpa", "Grandma", "Mum", "Dad", "Li", "English", "Chinese",
                 "Harry", "Charlotte's", "Wonder", "Minecraft", "Xi'an", "Japan", "London", "Australia", "Britain",
                 "Lego", "AI", "PE", "TV", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                 "Saturday", "Sunday", "Doudou", "Lily", "Snow", "Mango", "Zhang", "Wu", "Christmas"}


def _with_opener(text: str, rng: random.Random) -> str:
    opener = rng.choice(_OPENERS)
    if not opener:
        return text
    first = text.split(" ", 1)[0].rstrip(",.")
    return opener + (text if first in _KEEP_CAPITAL else text[:1].lower() + text[1:])


def _lower(text: str) -> str:
    """A sentence's first letter in lower case, unless it starts with "I" or a name."""
    first = text.split(" ", 1)[0].rstrip(",.")
    return text if first in _KEEP_CAPITAL else text[:1].lower() + text[1:]


_PRONOUN = re.compile(r"\b(?:he|she|they|it|him|her|them|his|its|their|one|ones)\b", re.I)


def full(option: Option, rng: random.Random, why: str | None = None) -> str:
    """The option said in full with a reason, in one of the ways a student links a reason to it: "A,
    because B." (or "A because B.") most often; "A. B."; "A, as B."; "A, since B."; "B, so A." when B
    names nothing by a pronoun or by "that day", "there", "this" (never "A. That's because B.", which reads as an
    explanation of an explanation, nor "B. That's why A.", which reads back to front). A reason that says a word of A again ("free courses … because
    they are free") is taken only when the option has no other."""
    why = why or rng.choice(_fresh_reasons(option))
    say = option.say.rstrip(".!")
    if is_outcome(say, why):  # what the proposal would bring about: "A, so (that) B.", "A. That way, B.", "A. B."
        return rng.choice((f"{say}, so {why}.", f"{say}, so that {why}.", f"{say}. That way, {why}.",
                           f"{say}. {cap(why)}."))
    forms = [f"{say}, because {why}."] * 2 + [f"{say} because {why}.", f"{say}. {cap(why)}."]
    if not why.startswith("then "):  # "since then …" reads as "from that time on", "as then …" as time too
        forms += [f"{say}, as {why}.", f"{say}, since {why}."]
    if _decides(say) and not _PRONOUN.search(why) and ", " not in say \
            and " so " not in why and not _WHAT_FOLLOWS.search(why) and not _POINTS_BACK.search(why) \
            and not re.match(r"^(?:you|the|this|that|then|there)\b", why, re.I) \
            and not re.search(r"\b(?:this|these|those|to)$|\bthis \w+", why):  # "… this trick, so …", "… tells me to, so …"
        forms.append(f"{cap(why)}, so {_lower(say)}.")  # never "B. That's why A.", which reads back to front
    if _OPINION.match(say) and not _FIRST_PERSON.search(say):  # a view of the world: "I think hunting puts …, because …"
        forms.append(f"I think {_lower(say)}, because {why}.")
    if why.startswith("then "):  # what the choice lets happen: "A, so (that) B." or "A. That way, B." as well
        forms += [f"{say}, so {why[5:]}.", f"{say}. That way, {why[5:]}."]
        if _CAN.search(why):  # a purpose: "so that she can watch it again"
            forms.append(f"{say}, so that {why[5:]}.")
    return rng.choice(forms)


#: A judgement, which a reason only explains (see :data:`.card_questions._DECISION`).
_VERDICT = re.compile(r"\b(?:best|worst|most|least|favourite|hardest|easiest|biggest|greatest|difficult|important|"
                      r"better|worse|prefer|like|likes|liked|love|loved|enjoy|enjoyed|hate|hated)\b", re.I)


#: A sentence about the world, not the student's own doing, that "I think" can introduce ("Hunting puts some animals in
#: danger", "Students should use phones only at lunchtime"; not "Yes, …", "It will follow a black line", "There is …").
_OPINION = re.compile(r"(?!(?:Yes|No|Not|Maybe|I|We|It|There|This|That|They will|The left)\b)[A-Z]")
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I'd|I've|me|my|we|our|us)\b", re.I)


def _decides(say: str) -> bool:
    """Whether ``say`` is the student's own doing or choice, which a reason said first can lead to with "so"."""
    return bool(_DECISION.match(say)) and not _VERDICT.search(say)


#: Words of a reason that point back to something said before it ("everyone is free that day"): never said first.
#: A "then" reason that says what can happen: a purpose, said with "so that" as well.
_CAN = re.compile(r"\b(?:can|could)\b")

_POINTS_BACK = re.compile(r"\bthat (?:day|time|week|night|evening|morning|year|place)\b|\bthere\b|\bthen\b", re.I)


def _fresh_reasons(option: Option) -> list[str]:
    """The option's reasons that say no content word of its sentence again (all of them when none is fresh)."""
    said = {w for w in _words(option.say) if len(w) > 3 and w not in _PLAIN}
    return [w for w in option.why if not (_words(w) & said)] or list(option.why)


#: A reason that says what will or can happen ("I won't hear the messages"): a result of the choice as much as its
#: cause, never said first with "so" ("I won't hear the messages, so I could leave my phone …" reads backwards).
_WHAT_FOLLOWS = re.compile(r"\b(?:will|won't|can|can't|could|would|'ll)\b", re.I)


#: "A, because B." where A has its own subject and B has no pronoun that would then come before what
#: it stands for: said the other way round it is "B, so A.".
_BECAUSE = re.compile(r"^(?P<head>(?:I|We|My|Our|The) [^,]+), because "
                      r"(?P<tail>(?:(?!\b(?:he|she|they|it|his|her|their|its|him|them)\b)[^,])+)\.$")


#: "A, because B." of one comma, B naming someone by a pronoun ("My dad taught me, because he goes hiking …").
_TWO_CLAUSES = re.compile(r"^(?P<head>(?!Yes\b|No\b|Not\b|Maybe\b)[^,]+), because (?P<tail>[^,]+)\.$")


def then_said(then: Then, rng: random.Random, because: bool = False) -> str:
    """A follow-up answer as the card has it, or, when it is "A, because B." of two clauses, sometimes
    the other way round ("B, so A."), with "as" or "since", or as two sentences ("A. B."; the last two not when
    ``because`` asks for the reason to be given with "because", as a Why question's answers are)."""
    m = _BECAUSE.match(then.text)
    roll = rng.random()
    if m is None and (two := _TWO_CLAUSES.match(then.text)) and roll >= 0.4 \
            and not is_fragment(two.group("tail") + "."):  # a pronoun in B: "A, as B." or "A. That's because B."
        if roll < 0.65 and not because and not two.group("tail").startswith("then "):  # never "since then …"
            return f"{two.group('head')}, {rng.choice(('as', 'since'))} {two.group('tail')}."
        if roll < 0.8 and not because:  # the pronoun still comes after what it stands for: "A. He …"
            return f"{two.group('head')}. {cap(two.group('tail'))}."
        return then.text
    if m is None or roll < 0.3 or " so " in m.group("tail") or is_fragment(m.group("tail") + ".") \
            or ((roll >= 0.7 or because) and not _decides(m.group("head"))) \
            or re.match(r"(?:then|there)\b", m.group("tail")):  # "Then we could talk, so I …" reads backwards
        return then.text
    if roll < 0.45 and not because:
        return f"{m.group('head')}, {rng.choice(('as', 'since'))} {m.group('tail')}."
    if roll < 0.7 and not because:
        return f"{m.group('head')}. {cap(m.group('tail'))}."
    if _WHAT_FOLLOWS.search(m.group("tail")):  # "I can … , so I …" reads as the result said first
        return then.text
    return f"{cap(m.group('tail'))}, so {_lower(m.group('head'))}."


def _choose(option: Option, why: str, rng: random.Random, asked_text: str = "") -> str:
    """A student's answer to an either-or question (its Suggestions are the options' own sentences); a feeling or
    another word said of the student ("I feel confident …") is said as the card says it, never "I think
    confident is better"."""
    if re.search(rf"\b(?:feel|feels|am|'m|is|are|was|were|get|got)\s+(?:\w+\s+)?{re.escape(option.item)}\b",
                 option.say, re.I):
        return f"{option.say.rstrip('.!')}, because {why}."
    forms = [f"{cap(option.item)}, because {why}.", f"{cap(option.item)}, I think, because {why}."]
    if _CHOICE.search(asked_text):  # a thing to choose: "I'd choose …"; never "I think pain at night is better"
        forms += [f"I'd choose {option.item}, because {why}.", f"I'd go for {option.item}, because {why}."]
    return rng.choice(forms)


#: A question that asks the student to choose or to want something ("Which club would you join?"), whose
#: either-or answers can say "I'd choose …" (not "How would you describe the pain?").
_CHOICE = re.compile(r"\b(?:choose|pick|prefer|rather|like|want|buy|take|join|try|get|order|have|bring|pack|"
                     r"visit|go|play|watch|read|eat|drink|wear|use|sell|make|cook|give)\b", re.I)


def _whole(text: str) -> str:
    """A follow-up answer as a whole sentence: "Because B." → "That's because B."; an estimate said as a phrase
    ("About fifty yuan a month, because …") → "I'd say about fifty yuan a month, because …"."""
    if text.startswith("Because "):
        return "That's because " + text[len("Because "):]
    if _ESTIMATE.match(text) and opens_with_phrase(text, strict=True):
        text = re.sub(r"^Maybe ", "", text)  # never "I'd say maybe …"
        return "I'd say " + text[:1].lower() + text[1:]
    return text


#: A phrase that gives an amount or a time ("About three hours", "Only one evening", "Maybe half a day"), which
#: "I'd say" makes a whole sentence of.
_ESTIMATE = re.compile(r"^(?:(?:about|around|only|just|maybe|nearly|almost|roughly|less than|more than|over|under)\s+)?"
                       r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twenty|thirty|fifty|a hundred|"
                       r"half|a few|a couple|several|once|twice|(?:a|an) (?:week|day|month|year|hour|evening|"
                       r"morning|afternoon|weekend|term|minute)s?)\b", re.I)


def whole_answers(question: Question, option: Option | None) -> list[Then]:
    """The follow-up's answers for ``option`` that are whole sentences as a student says them when asked for one
    ("That's because …"; not "About three hours a week, mostly …")."""
    return [t for t in question.then_for(option) if not opens_with_phrase(_whole(t.text), strict=True)]
