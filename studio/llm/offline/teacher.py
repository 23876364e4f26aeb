"""The offline teacher: contract-valid JSON that stays on the scenario and judges what it sees.

The Reply reacts to the student's answer and asks one question from a frame of the topic's scene
(a short answer gets a follow-up on the same thing, a non-answer an easier either-or question);
the three Suggestions answer that very question in the student's voice; the Analysis says what
the student's words do well, corrects the errors it finds with the exact fix, tells a fragment how
to say it in full (the tutorial's rule 4), and redirects off-topic or Chinese answers (rule 5).
"""

from __future__ import annotations

import random
import re

import orjson

from studio.domain import TurnKind
from studio.domain.contract import Student
from studio.domain.layout import PromptView, last_said, parse_history
from studio.domain.learner import Correction, find_errors
from studio.domain.text import cjk_share, word_count
from studio.llm.offline.banks import Banks, Scene, normalise_utterance
from studio.llm.offline.frames import (
    FRAMES,
    OPENING_FRAMES,
    Asked,
    Filler,
    answers,
    ask,
    asked_frames,
    cap,
    choice_options,
    fill,
    match_tail,
    plural,
    to_you,
)
from studio.turn.verdict import answer_verdict

SHORT_WORDS = 6
_NON_ANSWER = re.compile(r"\b(don't know|do not know|not sure|no idea|don't understand|how to say|"
                         r"can't say|cannot say|what does .+ mean)\b|^(em+|um+|uh+)\W*$", re.I)
_SUBJECT_VERB = re.compile(r"\b(I|we|you|he|she|it|they|this|that|there|my \w+)\s+(?:'m|am|is|are|was|were|"
                           r"do|does|did|can|will|would|like|likes|love|enjoy|want|think|feel|go|went|have|has|"
                           r"had|prefer|usually|always|often|really|also|very|not|\w+ed|\w+s)\b", re.I)
_YES_NO = re.compile(r"^(yes|yeah|no|not really|sure|of course|ok|okay)\b", re.I)


def assess(utterance: str, banks: Banks) -> tuple[str, list[Correction]]:
    """What kind of answer the student gave: chinese, off_topic, non_answer, short or normal (and its errors)."""
    if cjk_share(utterance) > 0.3:
        return "chinese", []
    errors = find_errors(utterance)
    if normalise_utterance(utterance) in banks.off_topic:
        return "off_topic", errors
    fixed = _fixed_sentence(utterance, errors)
    if _NON_ANSWER.search(fixed) and word_count(fixed) <= 10:
        return "non_answer", errors
    unhedged = re.sub(r",?\s*(I think|maybe)\s*([.!?])?$", r"\2", fixed.strip(), flags=re.I)
    if word_count(unhedged) <= 10 and is_fragment(unhedged):
        return "short", errors  # "The views from the train, I think." is still a fragment
    if word_count(fixed) <= SHORT_WORDS or (word_count(fixed) <= 10 and (is_fragment(fixed) or _YES_NO.match(fixed))):
        return "short", errors
    return "normal", errors


def is_fragment(utterance: str) -> bool:
    """No subject and verb: "The final shot.", "Maybe next week.", "With my cousin."."""
    text = utterance.strip()
    if re.match(r"^(because|so that|when|if)\b", text, re.I) and not re.search(r",\s*(I|we|it|you)\b", text):
        return True  # a clause on its own: "Because it is fun."
    return not _SUBJECT_VERB.search(text) and not _YES_NO.match(text)


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
_REACT_PLAIN = ("That sounds great!", "Interesting!", "I see.", "Nice answer!", "Wonderful!", "Thanks for sharing that.",
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


# -- the Analysis --------------------------------------------------------------------------------

_FEATURES: list[tuple[re.Pattern[str], tuple[str, ...]]] = [
    (re.compile(r"\bbecause ([^,.!?]+)", re.I), ("用 because 引出原因，让回答更有说服力", "用 because 说明了理由，逻辑清楚")),
    (re.compile(r"\b(?:would like to|'d like to) \w+", re.I), ("用 would like to 表达愿望，语气得体",)),
    (re.compile(r"\b(?:am|'m|are|is) going to \w+", re.I), ("用 be going to 表达计划，时态正确",)),
    (re.compile(r"\bIf [^,]+, I would \w+", re.I), ("用 if 条件句加 would 表达假设，结构完整",)),
    (re.compile(r"\bI would \w+", re.I), ("用 would 表达自己会怎么做，语气自然",)),
    (re.compile(r"\b(?:last (?:week|weekend|month|year|night|summer|winter|term|time|sunday|saturday|spring|autumn)|"
                r"\w+ ago|yesterday)\b", re.I), ("讲过去的事用了一般过去时，时态正确",)),
    (re.compile(r"\bwhen I \w+", re.I), ("用 when 引导时间状语从句，句式丰富",)),
    (re.compile(r"\b(?:I think|In my opinion)\b", re.I), ("用 I think / In my opinion 表达观点，很自然",)),
    (re.compile(r"\bprefer \w+(?: \w+)?", re.I), ("用 prefer 表达偏好，用词准确",)),
    (re.compile(r"\b(?:favourite part|the best part|most(?! of\b| people\b| students\b))\b", re.I),
     ("用 most / favourite 说出最喜欢的部分，回答明确",)),
    (re.compile(r"\b(?:tell my friend to|advice is to|should) \w+", re.I), ("用 tell sb. to do / should 给出建议，结构正确",)),
    (re.compile(r"\bmakes? me feel \w+", re.I), ("用 make sb. feel 描述感受，表达地道",)),
    (re.compile(r"\bwith my (?:older |younger |best )?\w+", re.I), ("用 with my ... 说明和谁一起，信息具体",)),
    (re.compile(r"\bFirst\b.+\bthen\b", re.I), ("用 first ... then ... 按顺序叙述，条理清楚",)),
    (re.compile(r"\bI feel \w+", re.I), ("用 I feel ... 直接表达感受",)),
]
_OPEN_OK = ("这是一个完整、清楚的回答。", "句子结构完整，意思表达清楚。", "回答完整，内容具体。", "你用完整的句子回答了问题。",
            "表达清楚，句子通顺。")
_ON_POINT = ("回答切题，", "紧扣问题，", "直接回答了问题，")
_WORD_PRAISE = ("\"{w}\" 这个词用得准确。", "\"{w}\" 一词用得恰当。", "用了 \"{w}\" 这个词，词汇不错。")
_STOP = {"because", "something", "together", "usually", "really", "favourite", "everyone", "sometimes", "different"}


def _tips(utterance: str, rng: random.Random) -> str:
    low = utterance.lower()
    pool = []
    if "because" not in low:
        pool += ["可以用 because 补充一个原因，让回答更充实", "再加一个原因会更好，比如 because ..."]
    if not re.search(r"\b(last|ago|yesterday|every|usually|often|weekend|morning|evening|next)\b", low):
        pool += ["可以加上时间，比如 last weekend 或 every evening，让内容更具体"]
    if not re.search(r"\b(feel|happy|excited|proud|relaxed|fun|great)\b", low):
        pool += ["还可以说说自己的感受，比如 It makes me feel ...", "可以加一句自己的感受，让回答更生动"]
    if len(re.findall(r"\bvery\b", low)) >= 1:
        pool += ["very 可以换成 really 或 so，表达更多样"]
    if re.search(r"\bI think\b", utterance):
        pool += ["I think 也可以换成 In my opinion 或 I believe，用词更丰富"]
    if word_count(utterance) >= 14:
        pool += ["句子较长时可以分成两句说，听起来更清楚"]
    pool += ["下次可以试着用一个例子支持你的观点", "可以再补充一个细节，比如和谁一起、在哪里"]
    return rng.choice(pool)


def _features(utterance: str, rng: random.Random) -> list[str]:
    found = []
    for pattern, notes in _FEATURES:
        m = pattern.search(utterance)
        if m:
            found.append(f"{rng.choice(notes)}（\"{m.group(0).strip()}\"）")
    rng.shuffle(found)
    return found[:2]


def _good_word(utterance: str, rng: random.Random) -> str | None:
    words = [w for w in re.findall(r"[A-Za-z]{7,}", utterance) if w.lower() not in _STOP]
    return rng.choice(words) if words else None


def _on_point(utterance: str, expected: list[str]) -> bool:
    mine = {w for w in re.findall(r"[a-z]{4,}", utterance.lower())} - _STOP - _COMMON
    theirs = {w for e in expected for w in re.findall(r"[a-z]{4,}", e.lower())} - _STOP - _COMMON
    return len(mine & theirs) >= 2


_COMMON = {"because", "think", "really", "better", "expected", "with", "that", "this", "have", "like", "about", "when",
           "what", "there", "they", "your", "from", "would", "makes", "feel", "more", "much", "time"}


def analysis_normal(utterance: str, expected: list[str], rng: random.Random) -> str:
    parts = []
    head = rng.choice(_OPEN_OK)
    if _on_point(utterance, expected):
        head = rng.choice(_ON_POINT) + head[:-1].replace("这是", "是") + "。"
    parts.append(head)
    feats = _features(utterance, rng)
    if feats:
        parts.append("其中" + "；".join(feats) + "。")
    word = _good_word(utterance, rng)
    if word and rng.random() < 0.6:
        parts.append(rng.choice(_WORD_PRAISE).format(w=word))
    parts.append(_tips(utterance, rng) + "。")
    return "".join(parts)


def _fixed_sentence(utterance: str, errors: list[Correction]) -> str:
    out = utterance
    for c in errors:
        out = out.replace(c.wrong, c.right, 1)
    return out


def analysis_errors(utterance: str, errors: list[Correction], rng: random.Random) -> str:
    fixes = "；".join(f"\"{c.wrong}\" 应改为 \"{c.right}\"（{c.note}）" for c in errors[:4])
    feats = _features(_fixed_sentence(utterance, errors), rng)[:1]
    good = f"{feats[0]}。" if feats and rng.random() < 0.5 else ""
    heads = ("句子的意思能听懂。", "意思表达清楚。", "回答内容切题。") if good else \
        ("句子的意思能听懂，", "你敢于用较长的句子表达，很好。不过", "意思表达清楚，", "回答内容切题，但")
    head = rng.choice(heads)
    good = good[:1].replace("用", "你用") + good[1:] if good else ""
    count = "一处" if len(errors) == 1 else f"{min(len(errors), 4)}处"
    tail = rng.choice(("正确的说法是：\"{s}\"", "改正后的句子是：\"{s}\"", "整句可以说成：\"{s}\""))
    return f"{head}{good}需要改正{count}：{fixes}。{tail.format(s=_fixed_sentence(utterance, errors))}"


def analysis_short(utterance: str, errors: list[Correction], complete: str, rng: random.Random) -> str:
    fix = ""
    if errors:
        fix = "另外，" + "；".join(f"\"{c.wrong}\" 应改为 \"{c.right}\"（{c.note}）" for c in errors[:3]) + "。"
    if re.match(r"^(because|when|if|so that)\b", utterance.strip(), re.I):
        head = rng.choice((
            "\"{u}\" 只是一个从句，不能单独成句，前面要有主句。",
            "你的回答 \"{u}\" 说出了原因，但只有从句，句子不完整。",
        ))
        tail = rng.choice(("可以这样表达：\"{c}\"", "完整的说法是：\"{c}\""))
    elif is_fragment(utterance):
        head = rng.choice((
            "\"{u}\" 只是一个短语，不是完整的句子，缺少主语和谓语。",
            "你的回答 \"{u}\" 意思能懂，但只是一个词组，句子不完整。",
            "\"{u}\" 回答了问题，但没有说成完整的句子。",
        ))
        tail = rng.choice(("结合上面的问题，可以完整地说：\"{c}\"", "可以这样表达：\"{c}\"", "完整的说法是：\"{c}\""))
    else:
        head = rng.choice((
            "回答太简单了，只说了 \"{u}\"，没有说出具体内容。",
            "\"{u}\" 句子虽然完整，但太简短，信息不够。",
            "你的回答 \"{u}\" 比较简略，还听不出你的具体想法。",
        ))
        tail = rng.choice(("可以把想法说完整，例如：\"{c}\"", "试着补充细节和原因，比如：\"{c}\"", "可以这样说：\"{c}\""))
    return head.format(u=utterance.strip()) + fix + tail.format(c=complete)


def analysis_non_answer(utterance: str, full: str, rng: random.Random, errors: list[Correction] = ()) -> str:  # type: ignore[assignment]
    text = _non_answer(utterance, full, rng)
    if errors:
        fixes = "；".join(f"\"{c.wrong}\" 应改为 \"{c.right}\"（{c.note}）" for c in errors[:3])
        head, sep, tail = text.partition("。")
        text = f"{head}。另外，{fixes}。{tail}" if sep else f"{text}另外，{fixes}。"
    return text


def _non_answer(utterance: str, full: str, rng: random.Random) -> str:
    word = re.search(r"(?:the word|what does|what is)\s+['\"]?([A-Za-z-]+)", utterance, re.I)
    if word:
        return (f"你说不认识 \"{word.group(1)}\" 这个词，没关系。遇到不懂的词，可以用英语问："
                f"\"What does {word.group(1)} mean?\"，然后再回答。例如：\"{full}\"")
    head = rng.choice((
        "你说 \"{u}\"，没有回答问题。",
        "\"{u}\" 不是对问题的回答，但能用英语说出来值得鼓励。",
        "你用 \"{u}\" 表示不知道怎么说，这很正常。",
    ))
    tail = rng.choice(("不会表达时，可以先用简单的句子说出自己的想法，例如：\"{f}\"",
                       "可以先从一个简单的完整句子开始，比如：\"{f}\"",
                       "试着用一个完整的句子回答，比如：\"{f}\""))
    return head.format(u=utterance.strip()) + tail.format(f=full)


def analysis_chinese(example: str, rng: random.Random) -> str:
    return rng.choice((
        "请尝试使用英语回答。你用了中文，可以先试着用简单的英语说，例如：\"{e}\"",
        "请尝试使用英语回答。用中文回答不能练习口语，可以参考这样说：\"{e}\"",
        "你用中文回答了问题。请尝试使用英语回答，比如：\"{e}\"",
    )).format(e=example)


def analysis_off_topic(name: str, errors: list[Correction], question: str | None, rng: random.Random) -> str:
    text = f"您跑题了，我们现在讨论的是关于{name}的内容。"
    if errors:
        text += "另外，" + "；".join(f"\"{c.wrong}\" 应改为 \"{c.right}\"（{c.note}）" for c in errors[:2]) + "。"
    if question:
        text += rng.choice(("请回答刚才的问题：\"{q}\"", "请先回到刚才的问题：\"{q}\"", "试着回答：\"{q}\""))\
            .format(q=question)
    return text


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
    utterance = _fixed_sentence(utterance, list(errors))  # never echo a misspelling back
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


def teacher_turn(view: PromptView, banks: Banks, rng: random.Random, *, topic_name: str | None = None,
                 slip: str | None = None) -> str:
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
    if kind in ("chinese", "off_topic") and last_q:
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
    if kind == "chinese":
        reply = _fit(rng.choice(_IN_ENGLISH), question)
        analysis = analysis_chinese(suggestions[0], rng)
    elif kind == "off_topic":
        back = rng.choice(banks.off_topic_reply).format(thing=thing)
        reply = _fit(back, question)
        analysis = analysis_off_topic(topic_name or scene.zh, errors, last_q, rng)
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
        reply = _fit(_reaction(utterance, last, scene, rng), question)
        expected = answers(last, Filler(scene, thing, rng, last.slots), 3) if last else []
        analysis = analysis_normal(utterance, expected + [last_q or "", thing], rng)
    return _dump({"Reply": reply, "Suggestion": suggestions, "Analysis": analysis}, slip, errors, rng, banks)


def _complete(last: Asked | None, utterance: str, errors: list[Correction], scene: Scene, thing: str,
              rng: random.Random) -> str:
    """The student's short answer said in full, keeping their words where they fit."""
    fixed = _fixed_sentence(utterance, errors)
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
    if not is_fragment(fixed) and not _YES_NO.match(own) and "because" not in own.lower() \
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
