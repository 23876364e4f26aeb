"""The offline teacher and student on a topic card (:mod:`studio.llm.offline.cards`).

The teacher opens with the scene and one of its questions. After an answer it reacts to what the
student chose and asks the card's follow-up about it; after the answer to that it reacts to it and
asks the scene's next question. A student who asks back ("How about you?") hears the teacher's own
answer first. A Chinese, mixed or off-topic answer hears the same question again (rule 5), a
non-answer an easier either-or question. The three Suggestions answer the Reply's own question, and
for a Chinese answer the first is the English of what the student said.

The student answers the question the teacher last asked from the same card: in full, briefly (the
thing chosen, or the first clause), or in Chinese.

The parts live beside this module, each importing only those below it: :mod:`.card_questions` (which
question was asked, which to ask next), :mod:`.card_answers` (the student's sentences), :mod:`.reactions`
(what the teacher says back), :mod:`.reply_lines` (stock lines, a Reply's parts, the whole-sentence request),
:mod:`.suggestions` (the three Suggestions) and :mod:`.card_student` (the student's answer). The names the
rest of the studio imports from here are said here too (``student_answer``, ``then_said``, ``full``, ``Asked`` …).
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

from studio.domain import FaultKind
from studio.domain.faults import SPECS
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
from studio.llm.offline.card_answers import (
    _lower,
    _whole,
    full,
    whole_answers,
)
from studio.llm.offline.card_answers import then_said as then_said
from studio.llm.offline.card_questions import (
    _YES_NO_ASK,
    Asked,
    _again,
    _asked_all,
    _chosen,
    _next_question,
    asked_in,
    option_in,
    then_in,
    to_person,
)
from studio.llm.offline.card_student import student_answer as student_answer
from studio.llm.offline.cards import Card, Option, Question, Then
from studio.llm.offline.phrases import to_you
from studio.llm.offline.reactions import (
    _GIVES_WHY,
    _MOOD_ONLY,
    _UNSURE,
    _mood,
    _reaction,
    _then_reaction,
)
from studio.llm.offline.reading import assess, fixed_sentence, opens_with_phrase
from studio.llm.offline.reply_lines import (
    _ASKS_WHOLE,
    _BACK,
    _BACK_TO_QUESTION,
    _EASIER,
    _IN_ENGLISH,
    _NOW,
    _SORRY_BUT,
    _START_PLEASE,
    GREETINGS,
    _fit,
    _please,
    _praised,
    _said_words,
    _unmixed,
    _whole_sentence,
)
from studio.llm.offline.suggestions import suggestions

#: A student who asks back, wherever in the answer ("… How about you? My friend likes it too.").
ASKS_BACK = re.compile(r"\b(how about you|what about you|and you)\s*\?", re.I)


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


def _led_into(said: str, card: Card, q: Question, rng: random.Random) -> str:
    """``said`` (the teacher's own answer to a student who asked back), then the scene's next question ``q`` led
    into ("Now, back to you and your brother."), not a jump; the lead-in left out when it would take the Reply
    over 30 words. After the student's own answer there is nothing to come back from, so none is said."""
    bridge = rng.choice(_NOW).format(about=card.about)
    return _fit(said, bridge, q.ask) if word_count(f"{said} {bridge} {q.ask}") <= 30 else _fit(said, q.ask)


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


#: A follow-up that asks for a reason (an answer that gives one: :data:`.reactions._GIVES_WHY`).
_ASKS_WHY = re.compile(r"^Why\b", re.I)


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
