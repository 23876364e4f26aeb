"""The teacher's stock lines (greetings, the request for a whole sentence, back to English or to the topic),
how a Reply is put together from its parts (:func:`_fit`: at most 30 words, no stock line repeating a word of
another part), and when a short answer hears the request for a whole sentence (:func:`_please`,
:func:`_whole_sentence`).
"""

from __future__ import annotations

import random
import re

from studio.domain.text import word_count
from studio.llm.offline.phrases import cap
from studio.llm.offline.reactions import _HEDGED
from studio.llm.offline.reading import is_fragment, opens_with_phrase

GREETINGS = ("Hi!", "Hello!", "Hi there!", "", "")


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
#: A remark that is no answer but still in the scene ("The lift in my building broke, so I walked up to the tenth floor." while the
#: city's transport is talked about): brought back to the question, never told it left the scene.
_BACK_TO_QUESTION = ("That's interesting, but let's get back to my question.", "Let's come back to my question for now.")
#: Said first when the remark that left the topic is bad news ("My brother broke my pencil box."): never "interesting".
_SORRY_BUT = ("Oh no, sorry to hear that!", "Oh dear, I'm sorry about that.")


#: Said before the scene's next question after a follow-up was answered ("Now, back to you and your brother.").
#: A lead from the teacher's own answer to the next question: nothing to come "back" from, as the student never left.
_NOW = ("Now, my turn to ask.", "Now let me ask you something.", "Now, a question for you.")


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
