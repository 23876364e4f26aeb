"""The teacher's reaction to what the student said: the card's own reaction where it names only what was said,
else the student's words said back with a comment chosen by how they sound (:func:`_mood`: worry, bad or good
news, a parent's objection, feeling better).
"""

from __future__ import annotations

import random
import re
from functools import lru_cache

from studio.llm.offline.card_answers import _KEEP_CAPITAL, _lower
from studio.llm.offline.card_questions import _words
from studio.llm.offline.cards import Option, Then
from studio.llm.offline.phrases import cap, to_you

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


#: A subject: what a whole sentence starts with ("I …", "Our class …"; a name: "Grandma will …").
_SUBJECT = re.compile(r"(?:I|I'm|I'd|I'll|We|We're|We'll|You|He|He's|She|She's|They|They're|It|It's|There|My|Our|"
                      r"His|Her|Their|The)\b")


#: An answer that gives a reason.
_GIVES_WHY = re.compile(r"\b(?:because|since|'cause)\b", re.I)


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
