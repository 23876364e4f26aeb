"""The offline teacher: contract-valid JSON that stays on the scenario and judges what it sees.

The Reply reacts to the student's answer and asks one question from a frame of the topic's scene
(a short answer gets a follow-up on the same thing, a non-answer an easier either-or question);
the three Suggestions answer that very question in the student's voice; the Analysis says what
the student's words do well, corrects the errors it finds with the exact fix, tells a fragment how
to say it in full (the tutorial's rule 4), and redirects off-topic or Chinese answers (rule 5).
How the student's answer is read is :mod:`studio.llm.offline.reading`; the Analysis is written by
:mod:`studio.llm.offline.analysis`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from studio.domain import FaultKind, TurnKind
from studio.domain.contract import Student
from studio.domain.faults import SPECS
from studio.domain.layout import PromptView, last_said, parse_history
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
from studio.llm.offline.banks import Banks, Scene
from studio.llm.offline.cards import card_for
from studio.llm.offline.frames import (
    FRAMES,
    OPENING_FRAMES,
    Asked,
    Filler,
    answers,
    ask,
    asked_frames,
    choice_options,
    fill,
    match_tail,
)
from studio.llm.offline.phrases import cap, plural, to_you
from studio.llm.offline.reading import YES_NO, assess, fixed_sentence, is_fragment
from studio.llm.offline.talk import ASKS_BACK
from studio.llm.offline.talk import opening as card_opening
from studio.llm.offline.talk import teacher_reply as card_reply
from studio.turn.verdict import answer_verdict


def _last_question(text: str | None) -> str | None:
    if not text:
        return None
    found = re.findall(r"[^.!?]*\?", text)
    return found[-1].strip() if found else None


def _fit(*parts: str, limit: int = 30) -> str:
    """Join the parts; drop leading ones (reactions) until the Reply is at most ``limit`` words."""
    items = [p for p in parts if p]
    while len(items) > 1 and word_count(" ".join(items)) > limit:
        items.pop(0)
    return " ".join(items)


def _aspect_in(utterance: str, scene: Scene) -> str | None:
    said = set(re.findall(r"[a-z']+", utterance.lower()))
    for aspect in scene.aspects:
        words = [w for w in re.findall(r"[a-z']+", aspect.lower()) if len(w) > 2 and w not in ("with", "from", "about")]
        if words and all(w in said for w in words[-2:]):
            return aspect
    return None


def _fragment_text(utterance: str) -> str:
    text = utterance.strip().rstrip(".!?").strip()
    text = re.sub(r"^(maybe|just|i think|well|um+|em+|uh+|with)[, ]+", "", text, flags=re.I)
    text = re.sub(r",? (i think|maybe)$", "", text, flags=re.I)
    first = text.split(" ", 1)[0]
    keep = first == "I" or first.startswith("I'") or (len(first) > 1 and first.isupper()) or first in _NAMES
    return text if keep else text[:1].lower() + text[1:]


_NAMES = {"Yunnan", "Xi'an", "Beijing", "Shanghai", "English", "Chinese", "Chang'e", "Spring", "Mid-Autumn", "New"}


# -- the Reply -----------------------------------------------------------------------------------

_REACT_BECAUSE = ("That's a good reason.", "Good point!", "That makes sense.", "I see why you like it.")
_REACT_PAST = ("That sounds like a great day!", "What a nice memory!", "Sounds like you had fun!")
_REACT_FUTURE = ("What a nice plan!", "I like your plan!", "That sounds like a good idea!")
_REACT_FEEL = ("I'm glad it makes you feel that way.", "I can understand that feeling.")
_REACT_WITH = ("Doing it together sounds fun!", "It sounds like you have great company.")
_REACT_PLAIN = ("That sounds great!", "Interesting!", "I see.", "Nice answer!", "Wonderful!",
                "How nice!", "Great!")
_REACT_ERROR = ("Good effort!", "Nice try!", "I see what you mean.", "Thanks, I understand you.")
_ACK_SHORT = ("Okay!", "I see.", "Good start!", "Nice!", "Alright!", "Good!")
_EASIER = ("That's okay! Let me make it easier.", "No problem.", "Don't worry.", "That's fine. Let's try another way.")
_IN_ENGLISH = ("Please try to say that in English.", "Can you try that in English?", "Let's use English, please.",
               "Try saying it in English.")


_REACT_FRAME = {
    "favourite": ("I can see why you like it.", "Good choice!", "That sounds like fun."),
    "last_time": _REACT_PAST,
    "plans": _REACT_FUTURE,
    "opinion": ("Good point!", "I agree with you.", "That's a good reason."),
    "company": _REACT_WITH + ("It's nice to have good company.",),
    "feeling": _REACT_FEEL,
    "choice": ("Good choice!", "I see why you prefer that.", "Fair enough!"),
    "problem": ("That's a sensible idea.", "Good thinking!", "That would work."),
    "advice": ("That's good advice.", "Great tip!", "Useful advice!"),
}
_REACT_FOLLOW = ("That makes sense.", "Good reason!", "I see.", "I understand.")


def _reaction(utterance: str, last: Asked | None, scene: Scene, rng: random.Random) -> str:
    """A reaction that fits what was asked and what the student said."""
    aspect = _aspect_in(utterance, scene)
    if aspect and rng.random() < 0.4 and (last is None or last.frame.id in ("favourite", "choice")):
        verb = "sound" if plural(aspect) else "sounds"
        return f"{cap(to_you(aspect))} {verb} {rng.choice(('wonderful', 'great', 'fun', 'lovely'))}!"
    if last is not None and rng.random() < 0.85:
        if last.form == "follow":
            return rng.choice(_REACT_PAST if last.frame.id == "last_time" else _REACT_FOLLOW)
        return rng.choice(_REACT_FRAME[last.frame.id])
    return rng.choice(_REACT_PLAIN)


#: The teacher's own answer to a frame's question, said when the student asks back.
_OWN = {"favourite": ("For me, {aspect} is the best part.",), "last_time": ("I did that not long ago too, and I loved it.",),
        "plans": ("I'd like to try something new next time, too.",),
        "opinion": ("I think it's good for people of any age.",), "company": ("I usually do it with my family.",),
        "feeling": ("It always makes me feel {feeling}.",), "choice": ("I'd pick {a} myself.",),
        "problem": ("I'd stay calm and ask someone for help.",), "advice": ("My tip would be to {tip}.",)}


def _own_answer(last: Asked, scene: Scene, rng: random.Random) -> str:
    values = Filler(scene, scene.thing_for(""), rng, last.slots).values()
    return rng.choice(("Me? ", "Good question! ", "")) + fill(rng.choice(_OWN[last.frame.id]), values)


# -- the turn ------------------------------------------------------------------------------------

_SUBJECT_FRAMES = ("favourite", "advice", "choice", "plans", "problem")


def _new_question(scene: Scene, thing: str, used: set[str], rng: random.Random,
                  pool: tuple[str, ...] | None = None) -> tuple[str, Asked]:
    fits = [f for f in (pool or tuple(FRAMES)) if f not in scene.skip] or [f for f in FRAMES if f not in scene.skip]
    ids = [f for f in fits if f not in used] or fits
    # Questions about the subject itself stay on the scenario; those about the scene's activities
    # wander when the data has no vocabulary for this subject, so they come up less often then.
    weights = [1.0 if scene.focused_on or f in _SUBJECT_FRAMES else 0.4 for f in ids]
    frame = FRAMES[rng.choices(ids, weights)[0]]
    question, slots = ask(frame, Filler(scene, thing, rng, company=frame.id == "company", once=frame.id == "last_time"))
    return question, Asked(frame, "ask", slots)


def _follow(asked: Asked, utterance: str, scene: Scene, rng: random.Random,
            errors: list[Correction] = ()) -> tuple[str, Asked]:  # type: ignore[assignment]
    utterance = fixed_sentence(utterance, list(errors))  # never echo a misspelling back
    aspect = _aspect_in(utterance, scene)
    if aspect is None and is_fragment(utterance) and asked.frame.id == "favourite":
        aspect = _fragment_text(utterance)
    slots = dict(asked.slots)
    values = {**slots, "aspect": aspect or "that", "thing": slots.get("thing", "it")}
    template = rng.choice(asked.frame.follows)
    values = {k: to_you(v) for k, v in values.items()}
    text = fill(template, values)
    if aspect:
        slots["aspect"] = aspect
    return text, Asked(asked.frame, "follow", slots)


def _choice(asked: Asked, scene: Scene, thing: str, rng: random.Random) -> tuple[str, Asked]:
    x, y = choice_options(asked.frame, Filler(scene, thing, rng, asked.slots))
    values = {"x": to_you(x), "y": to_you(y)}
    return fill(asked.frame.choice, values), Asked(asked.frame, "choice", {**asked.slots, "x": x, "y": y})


@dataclass(frozen=True)
class _Redirect:
    """What a redirect is written from: the errors (or a kind's own corrections), the first
    Suggestion, the topic's Chinese name, the question asked, the scene's thing."""

    errors: list[Correction]
    example: str
    topic_name: str
    question: str | None
    thing: str
    banks: Banks


def _in_english(r: _Redirect, rng: random.Random) -> tuple[str, str]:
    return rng.choice(_IN_ENGLISH), analysis_chinese(r.example, rng, r.errors)


def _back_to_topic(r: _Redirect, rng: random.Random) -> tuple[str, str]:
    return (rng.choice(r.banks.off_topic_reply).format(thing=r.thing),
            analysis_off_topic(r.topic_name, r.errors, r.question, rng))


#: The offline teacher's answer to a kind that owes a redirect, by the obligation (its Reply's
#: opening and its Analysis): asked for English (rule 5, "请尝试使用英语回答"), or back on the topic.
_REDIRECTS: dict[str, Callable[[_Redirect, random.Random], tuple[str, str]]] = {
    "english": _in_english, "topic": _back_to_topic,
}


def teacher_turn(view: PromptView, banks: Banks, rng: random.Random, *, topic_name: str | None = None,
                 slip: str | None = None) -> str:
    card = card_for(view.topic)
    if card is not None:
        if view.opening or view.last_student is None:
            answer = card_opening(card, rng)
            return _dump(answer, slip, None, rng, banks)
        replied = card_reply(card, view, banks, rng, topic_name or banks.scene_for(view.topic).zh)
        if replied is not None:
            return _dump(replied, slip, assess(view.last_student, banks)[1], rng, banks)
    scene = banks.scene_for(view.topic)
    thing = scene.thing_for(view.topic)
    teacher_lines = [t for role, t in view.history if role == "teacher"]
    used = asked_frames(teacher_lines)
    if view.opening or view.last_student is None:
        question, asked = _new_question(scene, thing, used, rng, OPENING_FRAMES)
        greeting = rng.choice(("Hi there!", "Hello!", "Hi!", "Good morning!", ""))
        answer = {"Reply": _fit(greeting, rng.choice(scene.openers), question),
                  "Suggestion": answers(asked, Filler(scene, thing, rng, asked.slots), 3)}
        return _dump(answer, slip, None, rng, banks)
    utterance = view.last_student
    kind, errors = assess(utterance, banks)
    found = match_tail(view.last_teacher)
    last, last_q = found if found else (None, _last_question(view.last_teacher))
    spec = SPECS.get(FaultKind(kind)) if kind in FaultKind._value2member_map_ else None
    redirect = next((ob for ob in spec.owes if ob in _REDIRECTS), None) if spec else None
    if redirect and last_q:  # the question stands: asked again in English, or back on the topic
        question = last_q
        asked = last or Asked(FRAMES["favourite"], "ask", {})
        if last is None:
            question, asked = _new_question(scene, thing, used, rng)
    elif kind == "non_answer" and last is not None:
        question, asked = _choice(last, scene, thing, rng)
    elif kind == "short" and last is not None and last.form == "ask":
        question, asked = _follow(last, utterance, scene, rng, errors)
    else:
        question, asked = _new_question(scene, thing, used, rng)
    suggestions = answers(asked, Filler(scene, thing, rng, asked.slots), 3)
    if redirect:
        opening, analysis = _REDIRECTS[redirect](_Redirect(errors, suggestions[0], topic_name or scene.zh, last_q,
                                                            thing, banks), rng)
        reply = _fit(opening, question)
    elif kind == "non_answer":
        reply = _fit(rng.choice(_EASIER), question)
        analysis = analysis_non_answer(utterance, suggestions[0], rng, errors)
    elif kind == "short":
        reply = _fit(rng.choice(_ACK_SHORT), question)
        analysis = analysis_short(utterance, errors, _complete(last, utterance, errors, scene, thing, rng), rng)
    elif errors:
        recast = f"We say \"{errors[0].right}\"." if " " in errors[0].right and rng.random() < 0.5 else ""
        reply = _fit(rng.choice(_REACT_ERROR), recast, question)
        analysis = analysis_errors(utterance, errors, rng)
    else:
        own = _own_answer(last, scene, rng) if last is not None and ASKS_BACK.search(utterance) else None
        reply = _fit(own or _reaction(utterance, last, scene, rng), question)
        analysis = analysis_normal(utterance, rng)
    return _dump({"Reply": reply, "Suggestion": suggestions, "Analysis": analysis}, slip, errors, rng, banks)


def _complete(last: Asked | None, utterance: str, errors: list[Correction], scene: Scene, thing: str,
              rng: random.Random) -> str:
    """The student's short answer said in full, keeping their words where they fit."""
    fixed = fixed_sentence(utterance, errors)
    hedge = re.sub(r",?\s*(I think|maybe)\s*([.!?])?$", r"\2", fixed.strip(), flags=re.I)
    if hedge != fixed.strip() and is_fragment(hedge):
        fixed = hedge  # "Hiking in autumn, I think." is the fragment "Hiking in autumn."
    because = re.match(r"^because\s+(.+?)[.!]*$", fixed.strip(), re.I)
    if because:
        return f"{_because_head(last, rng)}, because {because.group(1)}."
    if last is not None and is_fragment(fixed) and last.form == "ask":
        values = Filler(scene, thing, rng, last.slots).values()
        values["frag"] = _fragment_text(fixed)
        sentence = fill(last.frame.complete, values)
        if word_count(sentence) <= 20:
            return sentence.rstrip(".") + "."
    own = fixed.strip().rstrip(".!")
    if not is_fragment(fixed) and not YES_NO.match(own) and "because" not in own.lower() \
            and not re.match(r"^(it|that|this) (is|was) \w+$", own, re.I):
        return f"{own}, because {rng.choice(scene.reasons)}."  # their own sentence, with a reason
    if last is not None:
        return answers(last, Filler(scene, thing, rng, last.slots), 1)[0]
    return answers(Asked(FRAMES["favourite"], "ask", {}), Filler(scene, thing, rng), 1)[0]


_BECAUSE_HEAD = {"favourite": "I like it most", "plans": "I want to do it", "opinion": "I think it is important",
                 "company": "I like doing it with them", "feeling": "I feel that way", "choice": "I prefer it",
                 "problem": "I think it would help", "advice": "I think it is good advice", "last_time": "It was great"}


def _because_head(last: Asked | None, rng: random.Random) -> str:
    return _BECAUSE_HEAD.get(last.frame.id, "I think so") if last else "I think so"


def _dump(answer: dict, slip: str | None, errors: list[Correction] | None, rng: random.Random, banks: Banks) -> str:
    if slip:
        answer = make_slip(answer, slip, errors, rng, banks)
    return orjson.dumps(answer).decode()


SLIPS = ("long_reply", "teacher_voice", "self_talk", "uncorrected")


def make_slip(answer: dict, slip: str, errors: list[Correction] | None, rng: random.Random, banks: Banks) -> dict:
    """One of the contract faults real models make on a first answer (a repair usually fixes it)."""
    out = dict(answer)
    e = banks.errors
    if slip == "long_reply":
        out["Reply"] = " ".join([out["Reply"], *e["long_reply_tail"]])  # type: ignore[misc]
    elif slip == "teacher_voice":
        out["Suggestion"] = [*out["Suggestion"][:2], rng.choice(e["teacher_voice"])]  # type: ignore[arg-type]
    elif slip == "self_talk" and "Analysis" in out:
        out["Analysis"] = rng.choice(e["self_talk"])  # type: ignore[arg-type]
    elif slip == "uncorrected" and "Analysis" in out and errors:
        out["Analysis"] = "回答切题，句子完整，表达清楚。"
    else:
        out["Reply"] = " ".join([out["Reply"], *e["long_reply_tail"]])  # type: ignore[misc]
    return out


def judge(parts: dict[str, str]) -> str:
    """The simulator's judge: the most the contract checks allow, with the checks as the reason.
    It judges the answer's text through the one verdict (:func:`studio.turn.verdict.answer_verdict`),
    as an eval run and lint do."""
    history = parse_history(parts.get("对话历史", ""))
    student = last_said(history, "student")
    kind = TurnKind.REPLY if student else TurnKind.OPENING
    verdict = answer_verdict(parts.get("老师的回答", ""), kind, Student(student) if student else None)
    cap_ = verdict.caps(kind)
    reason = "离线模拟评分（按自动检查给出上限）：" + ("；".join(verdict.failed) or "未发现问题")
    return orjson.dumps({"reply": cap_.reply, "suggestion": cap_.suggestion, "analysis": cap_.analysis,
                         "reason": reason}).decode()
