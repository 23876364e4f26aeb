"""The offline teacher and student on a topic card (:mod:`studio.llm.offline.cards`).

The teacher opens with the scene and one of its questions. After an answer it reacts to what the
student chose and asks the card's follow-up about it; after the answer to that it reacts to it and
asks the scene's next question. A student who asks back ("How about you?") hears the teacher's own
answer first. A Chinese, mixed or off-topic answer hears the same question again (rule 5), a
non-answer an easier either-or question. The three Suggestions answer the Reply's own question, and
for a Chinese answer the first is the English of what the student said.

The student answers the question the teacher last asked from the same card: in full, briefly (the
thing chosen, or the first clause), or in Chinese.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from studio.domain import FaultKind
from studio.domain.faults import SPECS
from studio.domain.grammar import GRAMMAR_RULES
from studio.domain.inject import break_rule
from studio.domain.language import Language, language_of
from studio.domain.layout import PromptView
from studio.domain.learner import Correction
from studio.domain.text import word_count
from studio.llm.offline.analysis import (
    analysis_chinese,
    analysis_errors,
    analysis_non_answer,
    analysis_normal,
    analysis_off_topic,
    analysis_short,
)
from studio.llm.offline.banks import Banks
from studio.llm.offline.cards import Card, Option, Question, Then, is_outcome
from studio.llm.offline.phrases import as_person, cap, other_person, person_said, to_you
from studio.llm.offline.reading import assess, fixed_sentence, is_fragment, opens_with_phrase

GREETINGS = ("Hi!", "Hello!", "Hi there!", "", "")
#: A student who asks back, wherever in the answer ("… How about you? My friend likes it too.").
ASKS_BACK = re.compile(r"\b(how about you|what about you|and you)\s*\?", re.I)
#: When the card's reaction would name what the student did not say: their own words said back, with a comment
#: chosen by how what they said sounds (:func:`_mood`): a worry is normal, bad news is a pity, good news sounds
#: great, and anything else is only said back ("So you stood on a small wall.") — never a stock "Thanks for
#: sharing that." or "That's good to know." said to a nervous patient; never as a question ("Your parents are
#: happy?" sounds doubtful).
_ECHO = {"worry": ("{E}, that's quite normal.", "{E}. Don't worry, that's normal."),
         "well": ("Glad you're feeling better! So {e}.", "Good to hear you're feeling better. So {e}."),
         "objection": ("So {e}. Parents often worry about that.", "Oh, so {e}. Parents do worry about these things."),
         "bad": ("Oh, I'm sorry to hear that {e}.", "Oh dear, I'm sorry that {e}."),
         "good": ("{E}, that's great!", "{E}, how nice!"),
         "": ("So {e}, interesting!", "{E}? That's interesting.")}
#: The same said back when the answer gives its reason: the comment is on the reasoning.
_ECHO_REASONED = ("{E}, that makes sense.", "So {e}. Good thinking!", "{E}, and for a good reason.")
_GUESSED = ("{E}, that's quite possible.", "{E}, that could well be.")
_PLANNED = ("{E}, sounds like a plan.", "{E}, that sounds like a good plan.")
#: The same comments when nothing of the answer can be said back (a hedge, a long answer); a neutral one takes a
#: yes or a no as it is ("Okay." / "Fair enough.").
_MOOD_ONLY = {"worry": ("That's quite normal.",), "bad": ("Oh, I'm sorry to hear that.",),
              "well": ("Glad you're feeling better!", "Good to hear you're feeling better."),
              "objection": ("Parents often worry about that.",),
              "good": ("That sounds great!", "How nice!"), "": ("Okay.",), "no": ("Fair enough.", "Okay, fair enough.")}
_NO = re.compile(r"^(?:no|not|never|i don't|i didn't|i'm not)\b", re.I)
#: A worry of the student's own ("I feel a bit nervous", "since I feel shy"; not "everyone feels stressed").
_WORRY = re.compile(r"\b(?:I|I'm|makes? me|made me)\b[^.;,]{0,24}?\b(?P<w>nervous|worried|afraid|scared|anxious|shy|frightened|"
                    r"stressed|upset)\b", re.I)
_BAD = re.compile(r"\b(?:broken|broke|hurts?|hurt|pain|painful|sick|ill|lost|missed|bad|terrible|awful|"
                  r"pollution|polluted|dirty|noisy|burnt|burned|flat|wrong|failed|fell|sad|tired|rude|difficult|"
                  r"angry|boring|crowded|expensive|problem|fever|cough|headache|toothache)\b", re.I)
_GOOD = re.compile(r"\b(?:love|loved|enjoy|enjoyed|fun|great|favourite|happy|glad|excited|delicious|tasty|"
                   r"beautiful|amazing|won|win|proud|interesting|wonderful|lovely|exciting|yummy|funny)\b", re.I)
_NEGATED = re.compile(r"n't\b|\b(?:not|never|no|nobody|nothing)\b", re.I)
#: The student feeling better ("I feel much better tonight", "I'm a lot better now"): good news about themselves,
#: wherever it is said (in a reason too: "I can go back tomorrow because I feel much better").
_WELL = re.compile(r"\bI(?:'m| am| feel|'m feeling| am feeling)\s+(?:much |a lot |a bit |a little |so much |far )?"
                   r"better\b|\bI(?:'ve| have) (?:got|gotten|become) better\b|\bI(?:'ve| have) recovered\b", re.I)
#: A parent against what the student wants ("My mum thinks it is too much", "My dad doesn't like it"): the
#: disagreement is what the teacher reacts to.
_OBJECTION = re.compile(r"\b(?:my|our) (?:mum|mom|dad|mother|father|parents)\b(?:[^.;]{0,20}?\b(?:thinks?|says?|said|"
                        r"feels?|felt)\b[^.;]{0,20}?\b(?:too (?:much|long|many|late|early|expensive|dangerous|risky)|"
                        r"not (?:a good idea|good|safe|enough)|a waste)\b|\s+(?:doesn't|don't|didn't|won't|wouldn't)\s+"
                        r"(?:agree|like it|like that|let me|allow))", re.I)


#: Bad news that the student means to help with ("I want to help sick pets"): no bad news of theirs.
_CARING = re.compile(r"\b(?:help|helping|look after|looking after|care for|caring for|protect|protecting|save|saving|"
                     r"cure|treat|treating)\s+(?:\w+\s+)?(?:sick|ill|hurt|lost|old|poor)\b", re.I)


def _mood(said: str, about: str | None = None) -> str:
    """How an answer sounds, for the comment said with it: "objection" (a parent against it), "well" (the student
    feeling better), "worry" (a worry of the student's own anywhere in
    ``said``), "bad" or "good" (news in ``about``, what the comment is said of: the answer's first clause or its
    item, not its reason — "Some new balls" is no problem because the old ones are broken), or "" (neither,
    both, or said with a "not" that may turn it round: "I'm not nervous at all.")."""
    about = _CARING.sub("", said if about is None else about)
    if _OBJECTION.search(said):
        return "objection"
    if _NEGATED.search(said):
        return ""
    if _WELL.search(said):
        return "well"
    if _WORRY.search(said):
        return "worry"
    bad, good = bool(_BAD.search(about)), bool(_GOOD.search(about))
    return "bad" if bad and not good else "good" if good and not bad else ""


#: A short answer to a card question: the teacher asks for a full sentence, and the follow-up asks about that
#: very choice (never "tell me more" before another question).
_MORE_PLEASE = ("Try a full sentence this time.", "This time, try a whole sentence.",
                "Let's hear a full sentence this time.")
#: A second short answer just after a full sentence was asked for: encouraged, and asked once more.
_AGAIN_PLEASE = ("Good start! Next time, try to answer in a whole sentence.",
                 "That's a start! Remember to answer in a whole sentence.",
                 "Nice try! Now let's hear a whole sentence.")
_START_PLEASE = ("Good start! Next time, try to answer in a whole sentence.", "Nice try! Now let's hear a whole sentence.")
#: Said instead of one of those when the Reply's question says "time" too ("… this time. When would you have time …?").
_MORE_PLEASE_SPARE = ("Please answer in a whole sentence.",)
#: The request once more without its half-praise, said after a reaction that praises already.
_AGAIN_PLAIN = tuple(cap(p.partition("! ")[2]) for p in _AGAIN_PLEASE + _START_PLEASE)
_ASKS_WHOLE = _MORE_PLEASE + _MORE_PLEASE_SPARE + _AGAIN_PLEASE + _AGAIN_PLAIN
_EASIER = ("That's okay!", "No problem.", "Don't worry.")
_IN_ENGLISH = ("Please try to say that in English.", "Can you try that in English?", "Let's use English, please.",
               "Try saying it in English.")
_BACK = ("That's interesting, but let's get back to {about}.", "Let's come back to {about} for now.",
         "We're talking about {about} now.", "Hmm, that's a different topic. Back to {about}!")
#: A remark that is no answer but still in the scene ("My father is learning to drive" while the city's transport is
#: talked about): brought back to the question, never told it left the scene.
_BACK_TO_QUESTION = ("That's interesting, but let's get back to my question.", "Let's come back to my question for now.")
#: Said first when the remark that left the topic is bad news ("My brother broke my pencil box."): never "interesting".
_SORRY_BUT = ("Oh no, sorry to hear that!", "Oh dear, I'm sorry about that.")


def _leaves_scene(card: Card, said: str, history: list[tuple[str, str]]) -> bool:
    """Whether an off-topic remark leaves the card's scene as the off-topic check reads it (its verdicts are kept,
    so the check of this turn reads the same one); True when the sentence model is not at hand."""
    from studio.semantic.encoder import EncoderError
    from studio.semantic.offtopic import topic_fit

    try:
        fit = topic_fit(said, topic=card.topic, title=card.title, history=history)
    except EncoderError:
        return True
    return fit.off_topic or fit.probability is None or fit.probability >= _IN_SCENE_BELOW


#: The off-topic check's probability under which a remark is clearly still in the scene (a borderline verdict
#: names the scene, as for any remark off it).
_IN_SCENE_BELOW = 0.25


#: A follow-up that points back with a pronoun: after the teacher's own answer it would point at that answer.
_POINTS_AT = re.compile(r"\b(?:that|it|them|this|those|these|he|she|they|him|her)\b", re.I)
#: Said before the scene's next question after a follow-up was answered ("Now, back to you and your brother.").
#: A lead from the teacher's own answer to the next question: nothing to come "back" from, as the student never left.
_NOW = ("Now, my turn to ask.", "Now let me ask you something.", "Now, a question for you.")
_OPENERS = ("", "", "", "", "Well, ", "Hmm, ", "Actually, ", "To be honest, ")
NON_ANSWERS = ("I don't know.", "Sorry, I don't know how to say it.", "Em... I don't know.", "I'm not sure.")
SHORT_MAX = 10
#: First words an answer keeps in capitals after an opener ("Well, I …", "Well, Grandpa …"): "I" and names.
_KEEP_CAPITAL = {"I", "I'm", "I'd", "I'll", "I've", "Grandpa", "Grandma", "Mum", "Dad", "Li", "English", "Chinese",
                 "Harry", "Charlotte's", "Wonder", "Minecraft", "Xi'an", "Japan", "London", "Australia", "Britain",
                 "Lego", "AI", "PE", "TV", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                 "Saturday", "Sunday", "Doudou", "Lily", "Snow", "Mango", "Zhang", "Wu", "Christmas"}


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


# -- finding the question ------------------------------------------------------------------------

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


# -- the student's words -------------------------------------------------------------------------

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


#: A sentence that says what the student does or chooses ("I'd take him to the library", "We could walk"): a
#: reason can lead to it ("B, so A."). Not a judgement ("Feeling shy is the hardest thing for me", "I like the
#: relay race most"), which a reason only explains: "My classmates might laugh, so feeling shy is the hardest
#: thing" reads back to front.
_DECISION = re.compile(r"^(?:I|We|I'd|I'll|We'll|We'd|I'm|We're|My \w+ and I)\b")
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


def whole_answers(question: Question, option: Option | None) -> list[Then]:
    """The follow-up's answers for ``option`` that are whole sentences as a student says them when asked for one
    ("That's because …"; not "About three hours a week, mostly …")."""
    return [t for t in question.then_for(option) if not opens_with_phrase(_whole(t.text), strict=True)]


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


# -- the teacher ---------------------------------------------------------------------------------

def _fit(*parts: str, limit: int = 30) -> str:
    items = _apart([p for p in parts if p])
    while len(items) > 1 and word_count(" ".join(items)) > limit:
        items.pop(0)
    return " ".join(items)


#: Words a Reply may say in two of its parts ("What … you …? What …?").
_FUNCTION = frozenset("""this that these those your what which when where have will would could should about there
they them their then from with just very much more some like want think it's i'm don't that's let's""".split())


def _said_words(text: str) -> frozenset[str]:
    return frozenset(w for w in re.findall(r"[a-z']+", text.lower()) if len(w) > 3 and w not in _FUNCTION)


def _apart(items: list[str]) -> list[str]:
    """A Reply's parts, a stock line that shares a content word with another part ("Good, a whole sentence!" before
    "… good teaching.") swapped for another of its kind that shares none."""
    out = list(items)
    for i, part in enumerate(out):
        others = _said_words(" ".join(p for j, p in enumerate(out) if j != i))
        if not _said_words(part) & others:
            continue
        stock = next((s for s in _SWAPPABLE if part in s), None)
        if stock:
            out[i] = next((s for s in stock if not _said_words(s) & others), part)
    return out


def _led_into(said: str, card: Card, q: Question, rng: random.Random) -> str:
    """``said`` (the teacher's own answer to a student who asked back), then the scene's next question ``q`` led
    into ("Now, back to you and your brother."), not a jump; the lead-in left out when it would take the Reply
    over 30 words. After the student's own answer there is nothing to come back from, so none is said."""
    bridge = rng.choice(_NOW).format(about=card.about)
    return _fit(said, bridge, q.ask) if word_count(f"{said} {bridge} {q.ask}") <= 30 else _fit(said, q.ask)


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


def _then_reacts_to(then: Then, said: str) -> bool:
    """Whether the card's reaction to a follow-up answer fits what the student said of it: it names nothing they
    left out, and it is about what they said — all of the answer, or a word of it ("He usually wins." is not
    what "Ah, the older one often has to give in." is about)."""
    if not _only_what_was_said(then.react, then.text, said):
        return False
    heard = _stems(said)
    return _stems(then.text) <= heard or bool(_stems(then.react) & heard)


#: Words that only link an answer's parts: "Grandma will probably want to help. She loves cooking …" says all of
#: "Grandma will probably want to help, because she loves cooking …".
_LINKS = frozenset({"because", "since", "that's", "also", "and", "but", "then", "so"})


def _stems(text: str) -> set[str]:
    """The content words of ``text`` without a plural or third-person -s ("Grandmas" is "grandma"), linking
    words left out."""
    return {w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w for w in _words(text)} - _LINKS


def _only_what_was_said(react: str, known: str, said: str) -> bool:
    """Whether a reaction names nothing of ``known`` (the card's full answer) that the student left out:
    "A high bill is a strong reason!" is no reaction to "My dad started it."."""
    return not (_roots(react) & (_roots(known) - _roots(said)))


@lru_cache(maxsize=16384)
def _roots(text: str) -> frozenset[str]:
    """``text``'s content words cut to a crude root, so that a word's other forms count as it ("practice" as
    "practised", "lots" as "lot")."""
    return frozenset(w[:5] if len(w) >= 5 else w.rstrip("s") for w in _words(text))


#: The item said back when the card's reaction will not do, with a comment chosen by how the answer sounds
#: (:func:`_mood`; "Pollution, that's a real problem.", "Feeling shy is quite normal."), or none ("Ah, defence.").
_ITEM_REACTIONS = {"worry": ("Feeling {worry} is quite normal.",),
                   "well": ("Glad you're feeling better! {Item}, then.", "Good to hear you're feeling better. {Item}, then."),
                   "objection": ("Oh, {item}. Parents often worry about that.",), "bad": ("{Item}, that's a real problem.", "Oh no, {item}."),
                   "ill": ("Oh no, {item}. I'm sorry to hear that.", "{Item}, poor you. I hope you feel better soon."),
                   "good": ("{Item}, sounds great!", "Oh, {item}, nice!"),
                   "": ("{Item}, interesting!", "Oh, {item}? Interesting!", "{Item}, interesting choice!")}
#: A plain item said back with a comment on the reason the student gave with it ("A lunch box, that makes sense."),
#: never a bare "Ah, a lunch box.".
_ITEM_REASONED = ("{Item}, that makes sense.", "{Item}, and for a good reason.", "{Item}, good thinking.")
#: A reason about what the student likes ("because I like helping people"): said back as the reaction.
_LIKES = re.compile(r"\b(?:because|since|as) (?P<r>(?:I|we) (?:really )?(?:like|love|enjoy)\b[^,.;]{3,40})[.!]?$", re.I)
_LIKED = ("{R}, that's lovely!", "{R}, how nice!")
#: An illness or a pain of the student's: a sick student hears sympathy, not "that's a real problem".
_ILL = re.compile(r"\b(?:sick|ill|pain|painful|sore|headache|toothache|stomach ache|fever|cough|cold|flu|hurts?)\b", re.I)
#: The words of a comment that fits whatever was chosen ("very practical", "what a nice idea", "a good habit"):
#: a card reaction's tail said of the student's item only when it is made of these.
_PRAISE = frozenset("""a an what how that's that is so very really quite great good nice lovely wonderful beautiful
smart clever sensible practical useful handy perfect fantastic excellent exciting interesting fun idea choice habit
plan start classic kind thoughtful sweet safe healthy popular modern fair brilliant amazing cool
favourite important careful""".split())


def _tail_reaction(wow: str, item: str, known: str, said: str) -> str | None:
    """The comment at the end of a card reaction said of the student's own item ("The morning light, photographers
    love it." → "The morning light, photographers love it."; "Dental floss every night, a good habit." said of
    "using dental floss" → "Using dental floss, a good habit."), when the comment names nothing unsaid."""
    if "," not in wow:
        return None
    tail = wow.rsplit(",", 1)[1].strip()
    if not tail or not all(w in _PRAISE for w in re.findall(r"[a-z']+", tail.lower())):
        return None
    out = f"{cap(to_you(item))}, {tail}"
    return out if _only_what_was_said(out, known, said) else None


#: A card answer that is no choice to offer in an either-or question ("the strange storms or not sure?").
_UNSURE = re.compile(r"(?:not sure|maybe|neither|both|I don't know)\b", re.I)
#: An answer that only says yes, no or maybe, with nothing to say back.
_HEDGED = re.compile(r"(?:yes|yeah|no|not really|maybe|probably|perhaps|mostly|sometimes|sure|of course|i think so|"
                     r"i hope so|i guess so|i don't think so|i think not|i'm not sure|yes and no|"
                     r"it depends(?: on [a-z' ]+)?)", re.I)
#: A guess of the student's ("She might cry a little.", "I think she will be surprised."): said back with a comment
#: on the guess, not only repeated ("So she might cry a little." is a parrot).
_GUESS = re.compile(r"\b(?:might|may|probably|maybe|perhaps|think|guess)\b", re.I)
#: The student's own plan ("I will probably sleep a bit longer."): said back as a plan.
_PLAN = re.compile(r"^(?:I|We)(?:'ll| (?:probably |just |also )?(?:will|am going to|are going to|want to|plan to))\b")


def _echo(said: str, rng: random.Random) -> str:
    """The student's answer said back ("I stood on a small wall." → "So you stood on a small wall."), with a comment
    that fits how it sounds ("You feel a bit nervous, that's quite normal.")."""
    head = re.split(r",|\.\s|;| because | so | but ", said.strip(), maxsplit=1)[0].strip().rstrip(".!?")
    if _NO.match(head) and not _SUBJECT.match(head) and " but " in said:  # "Not at first, but now she …": the news
        return _echo(cap(said.split(" but ", 1)[1]), rng)
    mood = _mood(said, head)
    if not head or len(head.split()) > 9 or _HEDGED.fullmatch(head) \
            or (mood == "well" and _WELL.search(head)):  # "I think so." said back: "So you think so."
        return rng.choice(_MOOD_ONLY[mood or ("no" if _NO.match(said.strip()) else "")])
    echo = to_you(_lower(head))
    keep = echo.split(" ", 1)[0].rstrip(",.") in _KEEP_CAPITAL
    said_back = _ECHO[mood] if mood else _PLANNED if _PLAN.match(head) else _GUESSED if _GUESS.search(head) \
        else _ECHO_REASONED if _GIVES_WHY.search(said) else _ECHO[mood]
    return rng.choice(said_back).format(E=cap(echo), e=echo if keep else echo[:1].lower() + echo[1:])


def _reaction(option: Option | None, said: str, rng: random.Random) -> str:
    """The option's own reaction when it names only what the student said, else its comment said of the item,
    else a plain one about the item."""
    if option is None:
        return _echo(said, rng)
    felt = _mood(said)
    if felt in ("well", "objection"):  # how the student or their parents feel, before the card's comment
        return rng.choice(_ITEM_REACTIONS[felt]).format(item=to_you(option.item), Item=cap(to_you(option.item)))
    known = " ".join((option.say, *option.why))
    if _only_what_was_said(option.wow, known, said):
        return option.wow
    tail = _tail_reaction(option.wow, option.item, known, said)
    if tail:
        return tail
    item = to_you(option.item)
    worry = _WORRY.search(said)
    head = re.split(r",|\.\s|;| because | as | since | so | but ", said.strip(), maxsplit=1)[0]
    mood = _mood(said, f"{option.item} {head}")
    if mood == "bad" and _ILL.search(f"{option.item} {head}"):  # "A headache, that's a real problem." to a sick student
        mood = "ill"
    if not mood and _UNSURE.match(option.item):  # "Not sure" said back with a comment reads as mockery
        return rng.choice(_MOOD_ONLY["no"])
    if not mood and (likes := _LIKES.search(said.strip())):  # "You like helping people, that's lovely!"
        return rng.choice(_LIKED).format(R=cap(to_you(likes.group("r"))))
    if not mood and _GIVES_WHY.search(said):
        return rng.choice(_ITEM_REASONED).format(Item=cap(item))
    return rng.choice(_ITEM_REACTIONS[mood]).format(item=item, Item=cap(item),
                                                    worry=worry.group("w").lower() if worry else "")


def _then_reaction(then: Then | None, said: str, rng: random.Random) -> str:
    if then is not None and _then_reacts_to(then, said) and _mood(said) not in ("well", "objection"):
        return then.react
    return _echo(said, rng)


def _chinese_again(history: list[tuple[str, str]]) -> bool:
    """Whether the student's answer before the last one was in Chinese too (or English with Chinese words in it)."""
    said = [text for role, text in history if role == "student"]
    return len(said) >= 2 and language_of(said[-2]) in (Language.CHINESE, Language.MIXED)


def _starter(sentence: str) -> str:
    """The first words of an answer, for a student to start from: "I would tell him…"."""
    words = re.split(r",| because | so | as | since ", sentence, maxsplit=1)[0].rstrip(".!?").split()
    return " ".join(words[:4]) + "…"


#: A question tag, which asks nothing ("…, isn't it?", "…, don't you think?").
_TAG = re.compile(r",\s*(?:(?:is|are|was|were|do|does|did|can|could|has|have|will|would|ca|wo)(?:n't)?\s+"
                  r"(?:it|there|you|they|we|he|she)|don't you think)\?$", re.I)


def _opens(card: Card) -> tuple[str, ...]:
    """The card's opening lines that ask nothing before its question (an opening asks one question, not "Have you
    been watching …? How do you watch …?"); all of them when each asks something."""
    return tuple(o for o in card.opens if "?" not in o or _TAG.search(o)) or card.opens


#: A question that builds on something already said ("What else would you like to tell the visitor?"): never the
#: first one, when nothing has been said yet.
_BUILDS_ON = re.compile(r"\b(?:else|another|other|again|too|also)\b", re.I)


def opening(card: Card, rng: random.Random) -> dict:
    """The first Reply: a greeting, the scene, and one of the card's first two questions (the topic's core: which
    thing to sell before what to do with the money), never one that builds on something said."""
    q = rng.choice([q for q in card.questions[:2] if not _BUILDS_ON.search(q.ask)] or list(card.questions[:1]))
    opens = _opens(card)  # one that says none of the question's words ("… today! What … plant today?")
    reply = _fit(rng.choice(GREETINGS), rng.choice([o for o in opens if not _said_words(o) & _said_words(q.ask)]
                                                   or list(opens)), q.ask)
    return {"Reply": reply, "Suggestion": suggestions(Asked("ask", q, q.ask), rng)}


def _complete(asked: Asked, option: Option | None, then: Then | None, utterance: str, rng: random.Random,
              whole: bool = False) -> str:
    """The student's short answer said in full, keeping their choice. ``whole`` (the Reply asked for a whole
    sentence): never a model that opens with a phrase ("About three hours, if …"), which would show the very
    thing the Reply asked the student not to do."""
    if asked.form == "more":
        said = (_whole(then.text) if whole else then.text) if then is not None else ""
        if said and not (whole and opens_with_phrase(said, strict=True)):
            return said
        texts = [_whole(t.text) if whole else t.text for t in asked.thens]
        return rng.choice([t for t in texts if not opens_with_phrase(t, strict=whole)] or texts)
    option = option or rng.choice(asked.picks or asked.question.options)
    ways = [option.english, full(option, rng)]
    if whole:
        ways = [s for s in ways if not opens_with_phrase(s, strict=True)] or ways
    return rng.choice(ways)


def teacher_reply(card: Card, view: PromptView, banks: Banks, rng: random.Random, topic_name: str) -> dict | None:
    """The teacher's answer to the student's last turn on a card topic (None when the question it
    answers is not one of the card's)."""
    utterance = view.last_student or ""
    kind, errors = assess(utterance, banks)
    asked = asked_in(card, view.last_teacher)
    used = _asked_all(card, view.history)
    if asked is None:  # the last question was not the card's (another teacher's): the scene frames answer it
        return None
    asked = _chosen(asked, view.history[:-1] if view.history and view.history[-1][0] == "student" else view.history)
    fixed = fixed_sentence(utterance, errors)
    earlier = " ".join(text for role, text in view.history if role == "student")
    option = option_in(asked.question, fixed, asked.picks) if asked.form != "more" else None
    then = then_in(asked.question, fixed) if asked.form == "more" else None
    spec = SPECS.get(FaultKind(kind)) if kind in FaultKind._value2member_map_ else None
    redirect = next((ob for ob in spec.owes if ob in ("english", "topic")), None) if spec else None
    if redirect:
        first = None
        if kind == FaultKind.CHINESE:  # the first Suggestion says in English what the student said
            first = (then.text if then else None) if asked.form == "more" else (option.english if option else None)
        opener = rng.choice(_IN_ENGLISH) if redirect == "english" else rng.choice(_BACK).format(about=card.about) \
            if _leaves_scene(card, utterance, view.history) else rng.choice(_BACK_TO_QUESTION)
        if redirect == "topic" and _mood(utterance) == "bad":  # a mishap: sympathy first, never "interesting"
            opener = rng.choice(_SORRY_BUT) + " " + opener.replace("That's interesting, but l", "L", 1)
        if first and kind == FaultKind.CHINESE and _chinese_again(view.history):  # a second time: a way to start
            opener = f"{opener} You can start with \"{_starter(first)}\"."
        said = then if asked.form == "more" else option
        if asked.form == "pick" and option is not None and option not in asked.picks:
            asked = Asked("ask", asked.question, asked.question.ask)  # an answer of its own, not one offered: the question
        again = replace(asked, text=_again(asked))
        return _with_analysis(_fit(opener, again.text), suggestions(asked, rng, first, said, heard=earlier), kind, errors, utterance,
                              again, option, then, topic_name, card, rng, example=first)
    if kind == "non_answer":
        if asked.form == "more":
            q = _next_question(card, used, rng, asked.question)
            new = Asked("ask", q, q.ask)
            reply = _fit(rng.choice(_EASIER), "Let's talk about something else.", q.ask)
        else:
            sure = [o for o in asked.question.options if not _UNSURE.match(o.item)]  # never "… or not sure?"
            a, b = rng.sample(sure if len(sure) >= 2 else list(asked.question.options), 2)
            new = Asked("pick", asked.question, "", (a, b))
            reply = _fit(rng.choice(_EASIER), asked.question.pick.format(a=to_you(a.item), b=to_you(b.item)))
        return _with_analysis(reply, suggestions(new, rng, heard=earlier), kind, errors, utterance, asked, option, then, topic_name,
                              card, rng)
    once_more = kind == "short" and any(p in (view.last_teacher or "") for p in _ASKS_WHOLE)
    if asked.form == "more":
        please = _please(kind, once_more, fixed, rng)
        if all(opens_with_phrase(_whole(t.text), strict=True) for t in asked.thens):  # no whole sentence to show
            please = ""
        q = _next_question(card, used, rng, asked.question, open_only=bool(please))
        if please and _YES_NO_ASK.match(q.ask):  # only yes-or-no questions left: no whole sentence asked for
            please = ""
        react = _then_reaction(then, fixed, rng)
        if once_more and please and react in _MOOD_ONLY[""] + _MOOD_ONLY["no"]:  # "Yes." once more: encouraged, not "Okay."
            react = ""
        elif please and react in _MOOD_ONLY[""]:  # a first "Yes.": encouraged and asked for more, not a bare "Okay."
            react, please = "", rng.choice(_START_PLEASE)
        reply = _fit(_praised(kind, once_more, fixed, rng), react, _unmixed(react, please), q.ask)  # no "back to"
        new = Asked("ask", q, q.ask)
    elif ASKS_BACK.search(utterance) and option is not None and kind != "short" and asked.question.follows(option) \
            and not _POINTS_AT.search(asked.question.more):
        # answered, then asked on about the student's own choice ("… Me? I'd pick a river path. How long …?")
        me = rng.choice((f"Me? {asked.question.me}", f"As for me, {_lower(asked.question.me)}"))
        react = _reaction(option, fixed, rng)
        reply = _fit(react, me, asked.question.more) if word_count(f"{react} {me} {asked.question.more}") <= 30 \
            else _fit(me, asked.question.more)
        new = Asked("more", asked.question, asked.question.more, chosen=option)
        return _in_english_now(_with_analysis(reply, suggestions(new, rng, earlier=earlier, heard=earlier), kind, errors, utterance,
                                              asked, option, then, topic_name, card, rng), view.history, rng)
    elif ASKS_BACK.search(utterance):
        q = _next_question(card, used, rng, asked.question)
        reply = _led_into(rng.choice(("Me? ", "Good question! ", "", "")) + asked.question.me, card, q, rng)
        new = Asked("ask", q, q.ask)
    elif not asked.question.follows(option) or (kind == "short" and len(whole_answers(asked.question, option)) < 3) \
            or answered_already(asked.question.more, fixed) \
            or (kind == "short" and not _whole_sentence(fixed) and bool(_YES_NO_ASK.match(asked.question.more))):
        # the follow-up has no answer for this choice, or (a full sentence asked for) too few said in full, or is
        # one a yes or a no answers: the scene's next question, whose answers are whole sentences
        more = _please(kind, once_more, fixed, rng)
        q = _next_question(card, used, rng, asked.question, open_only=bool(more))
        if more and _YES_NO_ASK.match(q.ask):  # only yes-or-no questions left: no whole sentence asked for
            more = ""
        react = _reaction(option, fixed, rng)
        reply = _fit(_praised(kind, once_more, fixed, rng), react, _unmixed(react, more), q.ask)
        new = Asked("ask", q, q.ask)
    else:
        more = _please(kind, once_more, fixed, rng)
        react = _reaction(option, fixed, rng)
        reply = _fit(_praised(kind, once_more, fixed, rng), react, _unmixed(react, more),
                     to_person(asked.question.more, option, fixed))
        new = Asked("more", asked.question, asked.question.more, chosen=option)
        offered = suggestions(new, rng, whole=bool(more), earlier=earlier, heard=earlier)
        return _in_english_now(_with_analysis(reply, offered, kind, errors, utterance, asked, option, then, topic_name,
                                              card, rng), view.history, rng)
    whole = any(p in reply for p in _ASKS_WHOLE)  # a full sentence asked for: no Suggestion opens with a phrase
    offered = suggestions(new, rng, whole=whole, earlier=earlier, heard=earlier)
    return _in_english_now(_with_analysis(reply, offered, kind, errors, utterance, asked, option, then, topic_name, card,
                                          rng), view.history, rng)


#: A follow-up that asks for a reason, and an answer that gives one.
_ASKS_WHY = re.compile(r"^Why\b", re.I)
_GIVES_WHY = re.compile(r"\b(?:because|since|'cause)\b", re.I)
#: A follow-up that asks for a judgement ("Was that a good way to learn?", "Is it worth it?"), and an answer that
#: gives one ("I think a tour guide is better, because …").
_ASKS_JUDGEMENT = re.compile(r"^(?:Was|Is|Were|Are) (?:that|it|this|they|those) (?:a |an )?(?:good|bad|better|best|"
                             r"worth|useful|helpful|right|fun|easy|hard|difficult)\b", re.I)
_GIVES_JUDGEMENT = re.compile(r"\b(?:better|best|worse|worst|good|great|bad|useful|helpful|worth|easier|harder|"
                              r"more fun|boring|interesting)\b", re.I)


def answered_already(more: str, said: str) -> bool:
    """Whether the answer already says what the follow-up would ask: a reason to a "Why …?", a judgement to a
    "Was that a good way …?". The scene's next question is asked instead."""
    return bool(_ASKS_WHY.match(more) and _GIVES_WHY.search(said)) \
        or bool(_ASKS_JUDGEMENT.match(more) and _GIVES_JUDGEMENT.search(said))


def _please(kind: str, again: bool, said: str, rng: random.Random) -> str:
    """What a short answer that is no whole sentence ("London.", "Yes.", "Because I watched a film.") hears before
    the next question: a full sentence asked for, or, the student having answered so just after being asked for
    one, encouragement and the request once more. A short whole sentence ("I feel proud of myself.") is not
    asked for one."""
    if kind != "short" or _whole_sentence(said):
        return ""
    return rng.choice(_AGAIN_PLEASE if again else _MORE_PLEASE)


#: Praise in a reaction ("Lots of water is the most important thing, well done."), and the half-praise a repeated
#: request opens with ("Nice try!", "Good start!"), which would take it back.
_PRAISES = re.compile(r"\b(?:well done|great|good|nice|wonderful|perfect|excellent|brilliant|smart)\b", re.I)
_HALF_PRAISE = re.compile(r"^(?:Nice try|Good start|That's a start)! ")


def _unmixed(react: str, please: str) -> str:
    """``please`` without its opening half-praise when ``react`` already praises: never "well done. Nice try!"."""
    if please and _PRAISES.search(react) and _HALF_PRAISE.match(please):
        return cap(_HALF_PRAISE.sub("", please))
    return please


#: A subject: what a whole sentence starts with ("I …", "Our class …"; a name: "Grandma will …").
_SUBJECT = re.compile(r"(?:I|I'm|I'd|I'll|We|We're|We'll|You|He|He's|She|She's|They|They're|It|It's|There|My|Our|"
                      r"His|Her|Their|The)\b")
#: What a clause or a phrase starts with, never a whole sentence ("Why she became a doctor.", "With my cousin.").
_NO_SUBJECT = re.compile(r"(?:why|what|how|when|where|who|which|because|to|with|for|about|by|in|on|at|from|maybe|"
                         r"only|just|not|yes|no)\b", re.I)


#: A yes or a no said before the answer's own clause ("Not really, I miss …", "Yes, I do.").
_YES_NO_THEN = re.compile(r"^(?:yes|yeah|no|not really|not at all|of course|sure|maybe|probably|mostly|i think so|"
                          r"i don't think so|yes and no)\s*[,.]\s*(?P<rest>\S.*)$", re.I)
#: A short whole sentence said just after one was asked for: praised for it, then the talk goes on.
_WHOLE_NOW = ("Good, a whole sentence!", "Nice, a full sentence!", "Well done, that's a full sentence.")
#: Stock lines a Reply swaps for another of the same kind when they share a word with its other parts.
_SWAPPABLE = (_WHOLE_NOW, _MORE_PLEASE + _MORE_PLEASE_SPARE, _AGAIN_PLEASE, _START_PLEASE, _BACK_TO_QUESTION, _EASIER, _IN_ENGLISH,
              GREETINGS)


def _praised(kind: str, asked_whole: bool, said: str, rng: random.Random) -> str:
    """Praise for a short answer that is a whole sentence when one was just asked for ("My mum thinks it is too
    much." after "Try a full sentence this time."), else nothing."""
    return rng.choice(_WHOLE_NOW) if kind == "short" and asked_whole and _whole_sentence(said) else ""


def _whole_sentence(said: str) -> bool:
    """Whether a short answer is still a whole sentence of its own ("I feel proud of myself.", "Grandma will
    probably want to help."; not "Yes.", "Why she became a doctor.", "Our phones, I think.")."""
    said = said.strip()
    if (m := _YES_NO_THEN.match(said)) and _whole_sentence(m.group("rest")):  # "Not really, I miss the old ways."
        return True
    return not _NO_SUBJECT.match(said) and not opens_with_phrase(said, strict=True) and not is_fragment(said) \
        and not (_HEDGED.fullmatch(said.rstrip(".!?")) and not said.lower().startswith("it depends"))


_NOW_IN_ENGLISH = ("这次你用英语回答了，很好！", "这次换成了英语回答，进步很明显。", "能从中文换成英语来回答，很棒。")


def _in_english_now(answer: dict, history: list[tuple[str, str]], rng: random.Random) -> dict:
    """``answer`` with its Analysis first praising an English answer after a Chinese or mixed one."""
    if _chinese_again(history) and answer.get("Analysis"):
        answer["Analysis"] = rng.choice(_NOW_IN_ENGLISH) + answer["Analysis"]
    return answer


def _with_analysis(reply: str, suggested: list[str], kind: str, errors: list[Correction], utterance: str,
                   asked: Asked | None, option: Option | None, then: Then | None, topic_name: str, card: Card,
                   rng: random.Random, example: str | None = None) -> dict:
    if kind in (FaultKind.CHINESE, FaultKind.MIXED):
        analysis = analysis_chinese(example or suggested[0], rng, errors, said=utterance)
    elif kind == FaultKind.OFF_TOPIC:
        analysis = analysis_off_topic(topic_name, errors, asked.text if asked else None, rng)
    elif kind == "non_answer":
        plain = [s for s in suggested if not s.startswith("Neither")]  # an answer to start from, not a refusal
        if asked is not None and asked.form == "more":  # the Reply moved on: the model answers the question missed
            plain = [_complete(asked, None, None, utterance, rng)]
        analysis = analysis_non_answer(utterance, (plain or suggested)[0], rng, errors)
    elif kind == "short":  # the model is a whole sentence where the card has one, asked for or not
        whole = True
        complete = _complete(asked, option, then, utterance, rng, whole) if asked else suggested[0]
        analysis = analysis_short(utterance, errors, complete, rng)
    elif errors:
        analysis = analysis_errors(utterance, errors, rng)
    else:
        analysis = analysis_normal(utterance, rng, option=option)
    return {"Reply": reply, "Suggestion": suggested, "Analysis": analysis}
