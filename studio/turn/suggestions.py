"""Checks of the Suggestions against the turn they belong to (they need the words' meaning, so
they live above the pure contract): do they answer the Reply's own question, and do they say
something new rather than the student's last sentence again?

- ``suggestion.answers``: the Reply asks the student something (its last question, or a prompt such
  as "Tell me about …") and no Suggestion answers it (:func:`answers`). A Suggestion is no answer
  when it is a question back, when it says nothing the question did not (filler, the question
  restated), or when it lacks what the question asks for (:func:`kind_of`): a place for "where", a
  time for "when", a person for "who", a frequency, a length or an amount for "how often / long /
  much / many", a reason for "why", a means of travel for "how did you get there", a feeling for
  "how did you feel / how was it", a yes or no (or a statement close to the question) for a yes/no
  question, one of the choices for an either/or question, advice for a request for advice. Any
  other question (what, which, how …) is answered by a Suggestion whose sentence vector
  (:mod:`studio.semantic.encoder`) is close enough to the question's (:data:`ANSWERS_ABOVE`).
  ``tests/bench/checks_bench.py`` measures it on two labelled sets in ``tests/data``.
- ``suggestion.repeat``: a Suggestion repeats the student's last utterance (an utterance with Chinese
  in it is not repeated by an English Suggestion: saying it in English is what the teacher asks for).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from studio.domain import CheckResult
from studio.domain.language import Language, language_of
from studio.semantic import content_words
from studio.semantic.encoder import sentence_vector

ANSWERS_ABOVE = 0.32  # cosine of a Suggestion and an open question that counts as answering it
YES_NO_ABOVE = 0.5  # the same, for a statement answering a yes/no question without a yes or a no
REPEAT_AT = 0.85  # similarity to the student's utterance that counts as repeating it

_AUX = (r"(?:do|does|did|are|is|was|were|have|has|had|can|could|would|will|should|shall|may|might|isn't|aren't|"
        r"don't|doesn't|didn't|wasn't|haven't|won't|wouldn't|can't)")
_YES_NO_Q = re.compile(rf"^\W*(?:and\s+|so\s+|but\s+)?{_AUX}\b", re.I)
_YES_NO_A = re.compile(r"^\W*(?:yes|yeah|yep|yup|no|nope|not really|not yet|not much|not at all|sure|of course|"
                       r"certainly|definitely|absolutely|maybe|perhaps|probably|kind of|sort of|a little|a bit|never|"
                       r"always|sometimes|i think|i don't think|i guess|i believe|i agree|i disagree|i (?:do|did|am|was|"
                       r"have|had|can|could|would|will|should)(?:n't| not)?\b|it (?:is|was|does|did|isn't|wasn't)\b|"
                       r"we (?:did|do|were|are|have|can|will)(?:n't| not)?\b|they (?:did|do|were|are)(?:n't| not)?\b|"
                       r"(?:it|that) depends)", re.I)
_CHOICE = re.compile(r"\b(\w+(?:\s+\w+){0,3})\s+or\s+(\w+(?:\s+\w+){0,3}?)(?:\s+(?:for you|then|instead|"
                     r"more|better|best|most))?\s*\?", re.I)
#: A yes/no question about the student ("Have you …", "Did you …"): a statement of their own answers it.
_ABOUT_YOU_Q = re.compile(rf"^\W*(?:and\s+|so\s+|but\s+)?{_AUX}\s+you\b", re.I)
_WH = re.compile(r"\b(where|when|what time|who|whom|whose|how often|how long|how much|how many|how far|how old|"
                 r"why|what for|how come|what made you|what makes|"
                 r"how (?:did|do|will|would|can) you get(?= (?:there|here|home|back|around|to)\b)|how do you go|"
                 r"how did you go|how did you feel|how do you feel|how does it feel|how did it feel|how was|how were|"
                 r"how is|how are)\b", re.I)
_ADVICE_Q = re.compile(r"\b(?:tips?|advice|suggestions?|ideas?|recommend)\b", re.I)
#: A question about the student's own doings or likes ("What would you like to do next time?", "Which part
#: do you enjoy most?", "What happened then?"): a statement about themselves answers it.
_DOINGS_Q = re.compile(r"\b(?:what|which)\s+(?:\w+\s+){0,6}?(?:would|do|did|will|can|could|are|were)\s+you\s+"
                       r"(?:\w+\s+){0,3}?(?:do|doing|try|trying|enjoy|like|love|prefer|want|choose|pick|plan)\b|"
                       r"\bwhat\s+happened\b", re.I)
_ABOUT_ME = re.compile(r"^\W*(?:(?:first|usually|always|often|sometimes|mostly|just|then|well|next time|maybe|"
                       r"really|actually),?\s+)*(?:[\w' ]{1,30},\s*)?(?:i|i'm|i'd|i've|we|we're|we'd|my|our|me)\b",
                       re.I)
_HOW_DO = re.compile(r"^\W*(?:and\s+|so\s+)?how\s+(?:do|did|can|could|would|will|should)\s+(?:you|we|they|people|"
                     r"students|your)\b", re.I)
_DOING = re.compile(r"^\W*(?:(?:first|usually|always|often|sometimes|mostly|just|then|well),?\s+)?(?:i|we|my \w+|"
                    r"they|you can|you should|by|with)\b", re.I)
_NUMBER = (r"\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
           r"hundred|thousand|half|a few|several|a couple|dozens?|no one|nobody|none")
#: A capitalised word inside the sentence (not its first word, not "I"): a name, a place.
_NAME = re.compile(r"(?<=[\s,])(?!I\b)[A-Z][a-z]+")
#: The same, not after a preposition of place ("went to Mount Tai" names a place, not a person).
_PERSON = re.compile(r"(?<![Tt]o\s)(?<![Ii]n\s)(?<![Aa]t\s)(?<![Ff]rom\s)(?<![Nn]ear\s)(?<=[\s,])(?!I\b)[A-Z][a-z]+")
_NAMES = {"where": _NAME, "who": _PERSON}  # kinds a name answers, and how a name looks for each
# what an answer to each kind of question has, whatever its words
_FORMS: dict[str, re.Pattern[str]] = {k: re.compile(v, re.I) for k, v in {
    "where": r"\b(?:home|abroad|downtown|here|there|nearby|outside|inside|park|school|city|town|village|shop|store|"
             r"mall|market|street|restaurant|museum|beach|countryside|station|library|stadium|hospital|house|room|"
             r"gym|cinema|zoo|lake|river|mountains?|sea|hotel|campus|playground|canteen|hall|centre|center|club|"
             r"online|website|app|province|country|capital|square|temple|garden|farm|island|bookstore|supermarket)\b",
    "when": r"\b(?:yesterday|today|tonight|tomorrow|last|next|ago|later|soon|now|morning|afternoon|evening|night|noon|"
            r"midnight|weekends?|monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|"
            r"april|may|june|july|august|september|october|november|december|spring|summer|autumn|fall|winter|"
            r"holidays?|vacation|term|semester|o'clock|before|after|during|since|until|years? old|when i|when we|"
            r"birthday|festival|lunch|dinner|breakfast|exams?|class|grade)\b|\d",
    "who": r"\b(?:friends?|family|mother|father|mom|mum|dad|sister|brother|parents|classmates?|teacher|coach|"
           r"cousin|grandma|grandpa|grandmother|grandfather|grandparents|aunt|uncle|neighbou?rs?|doctor|nurse|"
           r"everyone|everybody|nobody|no one|someone|alone|myself|himself|herself|on my own|team|captain|boss|"
           r"partner|deskmate|roommate|he|she)\b",
    "how often": rf"\b(?:every|each|once|twice|times?|always|usually|often|sometimes|rarely|seldom|never|hardly|daily|"
                 rf"weekly|monthly|a day|a week|a month|a year|weekends?|whenever|{_NUMBER})\b",
    "how long": rf"\b(?:since|ago|seconds?|minutes?|hours?|days?|weeks?|months?|years?|term|semester|all day|"
                rf"all night|long|a while|until|{_NUMBER})\b",
    "how much": rf"\b(?:yuan|dollars?|kuai|rmb|money|cheap|expensive|free|cost|price|hours?|minutes?|a lot|lots|"
                rf"much|little|nothing|anything|{_NUMBER})\b",
    "how many": rf"\b(?:a lot|lots|many|few|{_NUMBER})\b",
    "how far": rf"\b(?:km|kilometers?|kilometres?|meters?|metres?|miles?|minutes?|hours?|far|close|near|walk|"
               rf"{_NUMBER})\b",
    "how old": rf"\b(?:years?|old|age|{_NUMBER})\b",
    "why": r"\b(?:because|cause|since|so that|so (?:i|we|they|it|my|our)|as (?:i|we|it)|in order to|"
           r"for (?:fun|health|my|our|the future|work)|(?:want|wanted|wants|need|needed|hope|like|love|would like) to|"
           r"to (?:be|become|get|make|learn|help|keep|improve|practi[sc]e|meet|see|try|find|save|stay|have|feel|"
           r"relax|earn|protect|reduce|avoid|enjoy|spend|win|pass)|(?:it|that|this|they)(?: would| will| can| could)? "
           r"(?:makes?|made|helps?|helped|saves?|saved|keeps?|gives?|lets?|means?|help|save|make|keep|give|let)|"
           r"(?:it's|it is|it was|that's|this is)\s+(?:the\s+)?\w+est|(?:it's|it is|it was|they're|they are|that's|too|so) (?:so |"
           r"very |really |more |too |a bit |quite )?(?:fun|interesting|useful|important|helpful|exciting|relaxing|"
           r"healthy|boring|easy|easier|hard|difficult|cheap|cheaper|expensive|quiet|noisy|convenient|dangerous|"
           r"meaningful|cool|beautiful|busy|tiring|tired|far|late|early|good|bad|better|worse))\b",
    "advice": r"\b(?:should|shouldn't|try|don't|do not|always|never|make sure|remember|better|had better|must|"
              r"need to|it's good to|it is good to|is to|would be to|tells? (?:me|us|him|her) (?:to|how|what|not to)|"
              r"tips? (?:about|on|for))\b|^\W*(?:eat|sleep|drink|join|practi[sc]e|read|ask|go|take|keep|"
              r"be|get|find|use|make|study|talk|listen|learn|start|stop|avoid|plan|bring|wear|help)\b",
    "transport": r"\b(?:by|bus|subway|metro|train|car|taxi|bike|bicycle|plane|flight|flew|ship|boat|walk|walked|"
                 r"walking|foot|drove|drive|rode|ride|took)\b",
    "feeling": r"\b(?:happy|glad|proud|excited|tired|exhausted|nervous|scared|afraid|sad|upset|angry|relaxed|calm|"
               r"great|good|bad|amazing|awesome|terrible|wonderful|fantastic|fine|ok|okay|sore|sleepy|hungry|"
               r"thirsty|bored|boring|fun|interesting|exciting|hot|cold|warm|sunny|rainy|windy|crowded|busy|quiet|"
               r"delicious|tasty|spicy|sweet|salty|difficult|hard|easy|strange|surprised|lucky|worried|embarrassed|"
               r"satisfied|disappointed|comfortable|uncomfortable|beautiful|nice|cool|loud|noisy|full|empty|"
               r"expensive|cheap|energy|relieved|free|alive|love|loved|enjoyed|better|worse|relaxing|memorable|"
               r"unforgettable|special|perfect|scary|funny|fun)\b|\b(?:it|that|they|i|we)\s+(?:was|were|is|are|felt|"
               r"feel|looked|looks|tasted|tastes|sounded)\s+(?:so\s+|very\s+|really\s+|a bit\s+|quite\s+|too\s+)?\w+",
}.items()}
_FORM_OF = {"where": "where", "when": "when", "what time": "when", "who": "who", "whom": "who", "whose": "who",
            "how often": "how often", "how long": "how long", "how much": "how much", "how many": "how many",
            "how far": "how far", "how old": "how old", "why": "why", "what for": "why", "how come": "why",
            "what made you": "why", "what makes": "why", "how did you get": "transport", "how do you get": "transport",
            "how would you get": "transport", "how can you get": "transport", "how will you get": "transport", "how do you go": "transport", "how did you go": "transport",
            "how did you feel": "feeling", "how do you feel": "feeling", "how does it feel": "feeling",
            "how did it feel": "feeling", "how was": "feeling", "how were": "feeling", "how is": "feeling",
            "how are": "feeling"}
_PROMPT = re.compile(r"^\W*(?:please\s+)?(?:tell me|describe|share|talk about|explain|say|name|give me|"
                     r"let me know|show me)\b", re.I)


def _err(id_: str, variant: str, **params: Any) -> CheckResult:
    return CheckResult.of(id_, variant, **params)


def _clip(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def question_of(reply: str) -> str | None:
    """What the Reply asks the student to answer: its last question, or a closing prompt such as
    "Tell me about your weekend."; None when it asks nothing."""
    sentences: list[str] = [x.strip() for x in re.findall(r"[^.!?]+[.!?]*", reply) if x.strip()]
    for sentence in reversed(sentences):
        if sentence.endswith("?") or _PROMPT.search(sentence):
            return sentence
    return None


@lru_cache(maxsize=1 << 16)
def _stem(word: str) -> str:
    """A crude stem, enough to see the question's words again: "reading", "reads" and "read" meet
    (remembered: the same words come back in every Suggestion and question)."""
    for suffix in ("ing", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:5]


def _says_something(suggestion: str, question: str) -> bool:
    """Whether ``suggestion`` adds to the question: a content word of its own, and not a sentence made
    mostly of the question's words again ("Classmates like reading kinds of books.")."""
    asked = {_stem(w) for w in content_words(question)}
    mine = [_stem(w) for w in content_words(suggestion)]
    new = [w for w in mine if w not in asked]
    return bool(new) and len(new) >= len(mine) / 3


def _without(text: str, question: str) -> str:
    """``text`` with the question's own content words blanked: a form word the question supplies ("money"
    in "How much pocket money …") is no sign of an answer; its function words stay ("to" in "Why did you
    choose to join?" leaves "I want to be less shy" an answer)."""
    asked = {_stem(w.lower()) for w in content_words(question)}
    return re.sub(r"[A-Za-z']+", lambda m: "_" if _stem(m.group(0).lower()) in asked else m.group(0), text)


def kind_of(question: str) -> str:
    """What ``question`` asks for: a key of the answer forms, "yes/no", "choice", "how", "doings" or "open"."""
    if _CHOICE.search(question):
        return "choice"
    wh = _WH.search(question)
    if wh and wh.start() <= max(12, len(question) // 3):  # the question word, not a clause further on
        return _FORM_OF[" ".join(wh.group(1).lower().split())]
    if _YES_NO_Q.search(question):
        return "yes/no"
    if _ADVICE_Q.search(question):
        return "advice"
    if _HOW_DO.search(question):
        return "how"
    if _DOINGS_Q.search(question):
        return "doings"
    return "open"


def answers(suggestion: str, question: str) -> bool:
    """Whether ``suggestion`` answers ``question`` (see the module's description)."""
    return _any_answers([suggestion], question)


def _by_form(said: str, question: str, kind: str) -> bool | None:
    """Whether ``said`` answers ``question`` (of :func:`kind_of` ``kind``) by its form alone; None
    when its meaning must say (an open question, or a yes/no question answered with a statement)."""
    said = said.strip()
    if not said or said.endswith("?"):
        return False
    if kind == "yes/no":
        if _YES_NO_A.search(said):
            return True
        if not _says_something(said, question):
            return False
        return True if _ABOUT_YOU_Q.search(question) and _ABOUT_ME.search(said) else None
    if kind == "choice":
        options = _CHOICE.search(question)
        stems = {_stem(w) for w in content_words(said)}
        picked = options is not None and any({_stem(w) for w in content_words(o)} & stems for o in options.groups())
        return picked or bool(re.search(r"\b(?:both|neither|either|the first|the second|the former|the latter)\b",
                                        said, re.I))
    if not _says_something(said, question):
        return False
    if kind in _FORMS:
        own = _without(said, question)
        return bool(_FORMS[kind].search(own)) or (kind in _NAMES and bool(_NAMES[kind].search(own)))
    if (kind == "how" and _DOING.search(said)) or (kind == "doings" and _ABOUT_ME.search(said)):
        return True
    return None


def _any_answers(suggestions: list[str], question: str) -> bool:
    """Whether any Suggestion answers: every one by its form first, the sentence model (about 10 ms a
    new text) only for those whose form cannot tell, and only while none has answered."""
    return _answered(question, *_by_forms(question, tuple(suggestions)))


def _answered(question: str, kind: str, answered: bool, open_: tuple[str, ...]) -> bool:
    if answered:
        return True
    if not open_:
        return False
    above, asked = YES_NO_ABOVE if kind == "yes/no" else ANSWERS_ABOVE, sentence_vector(question)
    return any(float(sentence_vector(s) @ asked) >= above for s in open_)


@lru_cache(maxsize=1024)
def _by_forms(question: str, suggestions: tuple[str, ...]) -> tuple[str, bool, tuple[str, ...]]:
    """The question's kind, whether a Suggestion answers it by its form, and those whose form cannot
    tell; remembered for the answers of a chunk, which :func:`texts_for_meaning` reads first and
    :func:`suggestion_checks` again."""
    kind = kind_of(question)
    verdicts = [_by_form(s, question, kind) for s in suggestions]
    return kind, any(verdicts), tuple(s for s, v in zip(suggestions, verdicts, strict=True) if v is None)


@lru_cache(maxsize=1024)
def _question(reply: str) -> str | None:
    return question_of(reply) if reply else None


def texts_for_meaning(reply: str, suggestions: list[str]) -> list[str]:
    """The texts :func:`suggestion_checks` may ask the sentence model about (the Reply's question and
    the Suggestions whose form cannot tell), so a caller with many answers can run them together."""
    question = _question(reply)
    if not question or len(suggestions) < 2:
        return []
    _, answered, undecided = _by_forms(question, tuple(suggestions))
    return [question, *undecided] if undecided and not answered else []


def suggestion_checks(reply: str, suggestions: list[str], student: str | None) -> list[CheckResult]:
    out: list[CheckResult] = []
    question = _question(reply)
    if question and len(suggestions) >= 2 and not _any_answers(suggestions, question):
        out.append(_err("suggestion.answers", "unanswered", question=_clip(question)))
    if student and len(student.split()) >= 3 and language_of(student) is Language.ENGLISH:
        said = " ".join(student.lower().split()).strip(" .!?")
        for i, s in enumerate(suggestions, 1):
            again = " ".join(s.lower().split()).strip(" .!?")
            if fuzz.ratio(said, again) / 100 >= REPEAT_AT or (len(said.split()) >= 4 and said in again
                                                             and len(again) <= len(said) * 1.3):
                out.append(_err("suggestion.repeat", "repeats", i=i, text=_clip(s)))
    return out
