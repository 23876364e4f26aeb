"""How the offline teacher reads the student's last answer: what kind of answer it is (Chinese,
off-topic, a non-answer, short, or a full answer), the errors in it, and the answer with them fixed.

The teacher's Reply (:mod:`studio.llm.offline.teacher`) and its Analysis
(:mod:`studio.llm.offline.analysis`) both start from this reading.
"""

from __future__ import annotations

import re
from functools import lru_cache

from studio.domain.faults import by_language
from studio.domain.language import language_of
from studio.domain.learner import Correction, find_errors, is_non_answer
from studio.domain.text import word_count
from studio.llm.offline.banks import Banks, normalise_utterance

SHORT_WORDS = 6
_SUBJECT_VERB = re.compile(r"\b(I|we|you|he|she|it|they|this|that|there|my \w+)\s+(?:'m|am|is|are|was|were|"
                           r"do|does|did|can|will|would|like|likes|love|enjoy|want|think|feel|go|went|have|has|"
                           r"had|prefer|usually|always|often|really|also|very|not|\w+ed|\w+s)\b", re.I)
YES_NO = re.compile(r"^(yes|yeah|no|not really|sure|of course|ok|okay)\b", re.I)


def assess(utterance: str, banks: Banks) -> tuple[str, list[Correction]]:
    """What kind of answer the student gave: the fault kind its language makes it (chinese), off_topic,
    non_answer, short or normal (and its errors, or what that kind's spec finds to correct)."""
    spec = by_language(language_of(utterance))
    if spec is not None:
        return spec.kind.value, spec.detect(utterance)
    errors = find_errors(utterance)
    if normalise_utterance(utterance) in banks.off_topic:
        return "off_topic", errors
    fixed = fixed_sentence(utterance, errors)
    if is_non_answer(fixed):
        return "non_answer", errors
    plain = unhedged(fixed)
    if word_count(plain) <= 10 and is_fragment(plain):
        return "short", errors  # "The views from the train, I think." is still a fragment
    if word_count(fixed) <= SHORT_WORDS or (word_count(fixed) <= 10 and (is_fragment(fixed) or YES_NO.match(fixed))):
        return "short", errors
    return "normal", errors


#: Verbs a learner's short answer may use, by their base form: a word that is one of these with -s
#: after a subject ("Reading relaxes me.", "The cake tastes great.") makes a sentence, not a phrase.
VERBS = frozenset((
    "relax help make keep give let take bring get want need like love enjoy hate prefer seem look sound feel taste "
    "smell work play win lose start stop open close move change grow cost mean matter happen begin end stay live "
    "come go run walk talk say tell know think believe remember forget understand learn teach read write watch see "
    "hear listen sing dance cook eat drink sleep wake rest clean wash save spend buy sell pay use try show share "
    "join visit travel ride drive fly swim climb jump throw catch pass kick shoot score lead follow wait hope wish "
    "agree argue fight laugh cry smile worry care carry fit suit belong depend include protect reduce waste sort "
    "plant water feed walk bark sit stand lie hang shine rain snow blow fall rise fill break fix build draw paint "
    "print study practise practice improve check ask answer call text send post chat message miss meet leave arrive "
    "return decide choose plan prepare pack order serve taste boil bake fry mix put set cut hit remind confuse leak"
).split())
_THIRD = {v + ("es" if v.endswith(("s", "sh", "ch", "x", "o")) else "s"): v for v in VERBS}
_THIRD.update({v[:-1] + "ies": v for v in VERBS if v.endswith("y") and v[-2:-1] not in "aeiou"})
_NOT_SUBJECT = frozenset("the a an my your our his her their its this that these those some many two three four "
                         "five lots of in on at for to with from by about very so more most and or maybe perhaps probably".split())
_AUX = re.compile(r"\b(am|is|are|was|were|'m|'re|do|does|did|have|has|had|can|could|will|would|should|may|might|"
                  r"must|shall|won't|can't|don't|doesn't|didn't)\b|\b(it|that|he|she|there|what|who|here|this)'s\b|"
                  r"\b(I|you|we|they|he|she|it)'(d|ll|ve)\b", re.I)
#: A subject pronoun and the word after it, which is then its verb (or an adverb before it): "I remember …".
_PRONOUN_VERB = re.compile(r"\b(I|we|you|they)\s+(?!and\b|or\b|too\b|all\b|both\b|guys\b|two\b)[a-z]", re.I)
_HEDGE = re.compile(r",?\s*(I think|maybe|I guess)\s*([.!?])?$|^(maybe|just|well|um+|em+|uh+)[, ]+", re.I)


def unhedged(utterance: str) -> str:
    """The answer without the hedge around it: "The park, I think." → "The park."."""
    return _HEDGE.sub(lambda m: m.group(2) or "", utterance.strip()).strip() or utterance.strip()


_PAST = frozenset(("went saw ate bought took had did made met got came swam ran won lost read wrote spent felt "
                   "learned learnt gave sold rode told built brought thought sang taught found left sat flew began "
                   "kept said held wore caught drank was were fed led grew drew chose shot put cut set paid heard "
                   "understood forgot became knew slept woke stood fell threw stuck hung lit meant fought rang drove broke spoke "
                   "froze stole tore shook blew flew dug sent").split())


_FREQUENCY = frozenset("usually always often sometimes never".split())
#: A plural noun that can be a subject before a verb's base form ("Trees help …", "Runners get thirsty").
_PLURAL = re.compile(r"^(?:people|children|men|women|(?!(?:always|sometimes|perhaps|yes|this|his|was|has|does|its|"
                     r"bus|plus|thus|besides|towards|afterwards|maths|news|physics|series|species)$)"
                     r"(?![A-Za-z]*ss$)[A-Za-z]{3,}s)$", re.I)


def _verb_after_subject(text: str) -> bool:
    """A verb with -s or in the past after a word that can be its subject, and something after it:
    "Reading relaxes me.", "Our PE teacher told us …" (not "The final shot." nor "the crowded bus")."""
    words = re.findall(r"[A-Za-z']+", text)
    for i in range(1, len(words) - 1):
        w = words[i].lower()
        verb = w in _THIRD or w in _PAST or (w.endswith("ed") and len(w) > 4)
        if verb and words[i - 1].lower() not in _NOT_SUBJECT:
            return True
        if w in VERBS and _PLURAL.match(words[i - 1]):  # "Skills take years", "People buy more things online"
            return True
        if w in VERBS and i >= 2 and words[i - 1].lower() in _FREQUENCY:  # "… my aunt's family usually join us"
            return True
    return False


def is_imperative(utterance: str) -> bool:
    """An order or a tip: "Take short breaks.", "Don't give up."."""
    first = re.findall(r"[A-Za-z']+", utterance.strip())[:1]
    return bool(first) and (first[0].lower() in VERBS or first[0].lower() in ("don't", "never", "always", "be"))\
        and not re.match(r"^\s*(like|love|hope|need|want)\b", utterance, re.I)


#: A guess before a noun phrase and the clause that tells which one: "Maybe why she became a doctor.",
#: "Perhaps the city where the university is." (the head is read on its own; "Maybe she is right." is not one).
_GUESS = re.compile(r"^(?P<head>(?:maybe|perhaps|probably)\s+(?!(?:I|we|you|he|she|it|they|there|this|that|my|"
                    r"your|his|her|our|their)\s+(?:'|[a-z]+\b(?!\s+(?:who|which|where|that|when)\b)))"
                    r"[^,.!?]*?)\s*\b(?:who|which|where|why|when|that|what|how)\b[^,]*[.!?]?$", re.I)


def is_fragment(utterance: str) -> bool:
    """No subject and verb: "The final shot.", "Maybe next week.", "With my cousin."; a sentence with a
    finite verb ("Reading relaxes me.") or an order ("Take short breaks.") is not one."""
    text = utterance.strip()
    if m := _GUESS.match(text):  # "Maybe the volunteers who helped my grandma.": the clause only tells which ones
        text = f"{m.group('head')}."
    if re.match(r"^(because|so that|when|if)\b", text, re.I) and not re.search(r",\s*(I|we|it|you)\b", text):
        return True  # a clause on its own: "Because it is fun."
    if _SUBJECT_VERB.search(text) or YES_NO.match(text) or _AUX.search(text) or _verb_after_subject(text) \
            or _PRONOUN_VERB.search(text):
        return False
    return not is_imperative(text)


#: A word or two that answers a yes/no question the way "Yes" does ("Mostly, and she …", "Probably, if …").
_AS_YES = re.compile(r"^(?:mostly|probably|maybe|perhaps|sometimes|definitely|certainly|of course|sure|not yet|"
                     r"not at first|not always|not all of them|not (?:very |really |quite )?\w+|yes and no|a little|"
                     r"quite well|many times|only once)$",
                     re.I)


#: Spoken words before an answer ("Well, ", "To be honest, ", "Yes, "), left out when its first clause is read.
_OPENER = re.compile(r"^(?:(?:well|hmm|actually|to be honest|honestly|oh|em+|um+|so|yes|yeah|no|sure|ok|okay)"
                     r"(?:[,.!]\s*|\s+(?=I\b)))+(?:and\s+)?", re.I)


@lru_cache(maxsize=4096)
def opens_with_phrase(utterance: str, strict: bool = False) -> bool:
    """Whether an answer's first clause is a phrase with no subject and verb, the rest hung on it ("About three
    hours a week, mostly on …", "Only ten hours, because …", "Maybe at lunchtime, when …"): said aloud it
    answers, but it is not the whole sentence a teacher who asked for one wants. ``strict`` (a whole sentence was
    asked for): a word or two said for "yes" counts too ("Only once, on …", "Not yet, but …", "Sometimes, but
    only …"); a plain "Yes, …" or "No, …" before a whole clause does not."""
    text = _OPENER.sub("", utterance.strip())
    head = re.split(r",|\.\s|;| because | if | when | so | but | as | since ", text, maxsplit=1)[0]
    head = head.strip().rstrip(".!?")
    return bool(head) and (strict or not _AS_YES.match(head)) and is_fragment(head + ".")


def fixed_sentence(utterance: str, errors: list[Correction]) -> str:
    """The utterance with each error's fix put in place of its first occurrence."""
    out = utterance
    for c in errors:
        out = out.replace(c.wrong, c.right, 1)
    return out
