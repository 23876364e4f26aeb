"""Question frames of the offline simulator: how the teacher asks about a scene, and how a
student answers that very question — fully, briefly, or after a follow-up.

A frame's question is filled from the scene (``{thing}``, ``{activity}``, ``{a}``/``{b}`` …);
the student finds the frame again by matching the question and answers with the same slots,
so questions, answers and the teacher's three Suggestions stay on one thing.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from studio.domain.contract import similar
from studio.domain.text import word_count
from studio.llm.offline.banks import Scene
from studio.llm.offline.phrases import cap, ing, past, plural, to_me, to_you

WHEN = ("weekend", "month", "summer", "Sunday", "winter holiday", "term")
HOW_WAS = ("really fun", "a bit tiring but great", "unforgettable", "better than I expected", "so relaxing")
COMPANIONS = ("best friend", "cousin", "classmates", "parents", "older sister", "deskmate", "neighbour")
WITH_WHY = ("we always have fun together", "we help each other", "we have the same interests",
            "it is more fun with someone", "we can talk about everything")
FEELINGS = ("happy and relaxed", "excited", "proud of myself", "a little nervous but happy", "calm and free")
BENEFITS = ("we learn things that books cannot teach", "it gives us more confidence", "it is good for our future",
            "it teaches us to be responsible")
ADVICE_WHY = ("it really works for me", "it saves a lot of trouble later", "it makes things much easier",
              "my friends tried it and it helped")
#: Reasons that always fit their frame; the scene's own reasons join them a quarter of the time.
FAV_WHY = ("that is the most exciting part", "I have the most fun then", "I never get bored",
           "I can share the fun with my friends", "I remember that part best", "that part makes me really happy")
FEEL_WHY = ("it is something I really enjoy", "I can forget my worries for a while", "it is still new to me",
            "I do it with people I like", "I feel I am getting better at it")
PLAN_WHY = ("it sounds like a lot of fun", "I have wanted to try it for a long time", "my friends can join me",
            "it would be a good experience")
PICK_WHY = ("it suits me better", "it is more interesting to me", "I enjoy it more", "it is easier for me")
B_WHY = ("it suits me better", "I am more used to it", "it feels more relaxing to me", "my friends like it too")
HOW_HELPS = ("It would help me solve the problem quickly.", "I think it is the safest way.",
             "That way I would not feel so worried.", "It would save a lot of time.")

@dataclass(frozen=True)
class Frame:
    id: str
    asks: tuple[str, ...]
    answers: tuple[str, ...]
    shorts: tuple[str, ...]
    follows: tuple[str, ...]
    follow_answers: tuple[str, ...]
    choice: str
    choice_answers: tuple[str, ...]
    complete: str  # a fragment made a full sentence: "{frag}" is the student's words


FRAMES: dict[str, Frame] = {f.id: f for f in (
    Frame("favourite",
          ("What do you like most about {thing}?", "Which part of {thing} do you enjoy most?"),
          ("I like {aspect} most, because {fav_why}.", "For me, {aspect} is the best part, because {fav_why}.",
           "I really enjoy {aspect}, because {fav_why}.", "My favourite part is {aspect}, because {fav_why}."),
          ("{Aspect}.", "{Aspect}, I think.", "I like {aspect}."),
          ("Why do you like {aspect} most?", "What makes {aspect} so special for you?"),
          ("I like {aspect} most because {fav_why}.", "{Aspect} is special to me because {fav_why}.",
           "I think {fav_why}, so {aspect} is my favourite."),
          "Do you like {x} or {y} more?", ("I like {x} more, because {fav_why}.", "{X} is better for me, because {fav_why}."),
          "I like {frag} most."),
    Frame("last_time",
          ("When did you last {activity}? How was it?", "Have you had a chance to {activity} recently?"),
          ("Last {when}, I {activity_past}, and it was {how}.", "I {activity_past} last {when}. It was {how}.",
           "I {activity_past} with my {companion} last {when}, and it was {how}."),
          ("Last {when}.", "Last {when}, with my {companion}.", "Yes, it was {how}."),
          ("What happened that day?", "Who were you with, and what did you do?"),
          ("I went with my {companion}, and we had a great time.", "It was {how}, because {reason}.",
           "First I {activity_past}, and then we had dinner together."),
          "Was it last {x} or last {y}?", ("It was last {x}, and it was {how}.", "I think it was last {x}. It was {how}."),
          "I {activity_past} {frag}."),
    Frame("plans",
          ("What would you like to do next time?", "What do you want to try next?"),
          ("Next time I'd like to {plan}.", "I'm going to {plan} with my {companion}.",
           "I hope I can {plan}, because {plan_why}."),
          ("Maybe {plan}.", "{Plan}, I think."),
          ("Why do you want to do that?", "Why would you like to try that?"),
          ("I want to do it because {plan_why}.", "I'd like to try it, because {plan_why}.",
           "I think it would be great, because {plan_why}."),
          "Would you rather {x} or {y}?", ("I'd rather {x}, because {plan_why}.", "I would choose to {x}, because {plan_why}."),
          "Next time I'd like to {frag}."),
    Frame("opinion",
          ("Do you think {activity_ing} is good for teenagers?",
           "Do you think {activity_ing} is a good idea for young people?"),
          ("I think {activity_ing} is good for us, because {reason}.", "Yes, I think so, because {reason}.",
           "In my opinion, it is important, because {benefit}."),
          ("Yes, I think so.", "It is good.", "It is important."),
          ("Why do you think so?", "Can you give me one reason?"),
          ("I think so because {reason}.", "One reason is that {reason}.", "The main reason is that {benefit}."),
          "Is it more {x} or more {y} for you?", ("For me, it is more {x}, because {benefit}.",
                                                 "I think it is more {x}, because {benefit}."),
          "I think {frag}"),
    Frame("company",
          ("Who do you usually {activity} with?", "Who would you like to {activity} with?"),
          ("I usually {activity} with my {companion}, because {with_why}.",
           "I like to {activity} with my {companion}, because {with_why}.",
           "Most of the time I {activity} with my {companion}."),
          ("My {companion}.", "With my {companion}."),
          ("Why do you like doing it with them?", "What do you usually do together?"),
          ("I like it because {with_why}.", "We always have fun, because {with_why}.",
           "We usually {activity} together, and {with_why}."),
          "Do you prefer doing it with {x} or with {y}?", ("I prefer doing it with {x}, because {with_why}.",
                                                         "I like doing it with {x} more, because {with_why}."),
          "I usually {activity} with {frag}."),
    Frame("feeling",
          ("How do you feel when you {activity}?", "How does it feel to {activity}?"),
          ("I feel {feeling} when I {activity}, because {feel_why}.", "It makes me feel {feeling}, because {feel_why}.",
           "I always feel {feeling}, because {feel_why}."),
          ("{Feeling}.", "{Feeling}, I think."),
          ("Why does it make you feel that way?", "What makes you feel like that?"),
          ("I feel that way because {feel_why}.", "Maybe it is because {feel_why}.", "I think it is because {feel_why}."),
          "Do you feel more {x} or more {y}?", ("I feel more {x}, because {feel_why}.", "I feel mostly {x}, because {feel_why}."),
          "I feel {frag} when I {activity}."),
    Frame("choice",
          ("Do you prefer {a} or {b}?", "Which do you like better, {a} or {b}?"),
          ("I prefer {a}, because {pick_why}.", "I'd choose {b}, because {b_why}.",
           "I like both, but {a} is more fun for me."),
          ("{A}.", "{B}, I think."),
          ("Why do you prefer that?", "What is the best thing about it?"),
          ("I prefer it because {pick_why}.", "The best thing is that {pick_why}.", "I like it more, because {pick_why}."),
          "So is it {x} or {y} for you?", ("It's {x} for me, because {pick_why}.", "I'd definitely say {x}, because {pick_why}."),
          "I prefer {frag}."),
    Frame("problem",
          ("What can you do if {problem}?", "What should you do if {problem}?"),
          ("If {problem_me}, I will {solution}.", "First, I will {solution}.", "I think I should {solution}."),
          ("{Solution}.", "Maybe {solution}."),
          ("How would that help?", "Why is that a good idea?"),
          HOW_HELPS,
          "Would you {x} or {y}?", ("I would {x} first.", "I think I would {x}, and then {y}."),
          "I will {frag}."),
    Frame("advice",
          ("What advice would you give a friend about {thing}?", "What tips do you have for {thing}?"),
          ("I would tell my friend to {tip}.", "My advice is to {tip}, because {advice_why}.", "I think people should {tip}."),
          ("{Tip}.", "Just {tip}."),
          ("Why is that good advice?", "How does that help?"),
          ("It is good advice because {advice_why}.", "I think it helps, because {advice_why}.",
           "I believe it works, because {advice_why}."),
          "Is it better to {x} or to {y}?", ("I think it is better to {x}.", "It is better to {x}, because {advice_why}."),
          "I would tell my friend to {frag}."),
)}
OPENING_FRAMES = ("favourite", "last_time", "feeling", "opinion", "choice")
_SLOT = re.compile(r"\{([a-z_]+)\}")


@cache
def _pattern(template: str) -> re.Pattern[str]:
    out, pos = "", 0
    for m in _SLOT.finditer(template):
        out += re.escape(template[pos : m.start()]) + f"(?P<{m.group(1)}>.+?)"
        pos = m.end()
    return re.compile(out + re.escape(template[pos:]) + r"$" if pos < len(template) else out + "$")


@dataclass
class Asked:
    """A question the teacher asked: its frame, which form (ask, follow, choice) and its slot values."""

    frame: Frame
    form: str
    slots: dict[str, str]


def match(text: str | None) -> Asked | None:
    """Which frame (and slots) the question that ends ``text`` is, or None."""
    found = match_tail(text)
    return found[0] if found else None


def match_tail(text: str | None) -> tuple[Asked, str] | None:
    """The frame of the question that ends ``text``, and that question's own words."""
    found = _match(text.strip()) if text else None
    return (Asked(FRAMES[found[0]], found[1], dict(found[2])), found[3]) if found else None


@lru_cache(maxsize=65536)
def _match(text: str) -> tuple[str, str, tuple[tuple[str, str], ...], str] | None:
    if not text.endswith("?"):
        return None
    sentences = re.split(r"(?<=[.!?])\s+", text)
    for i in range(len(sentences) - 1, -1, -1):
        tail = " ".join(sentences[i:])
        for frame in FRAMES.values():
            for form, templates in (("ask", frame.asks), ("follow", frame.follows), ("choice", (frame.choice,))):
                for template in templates:
                    m = _pattern(template).match(tail)
                    if m:
                        return frame.id, form, tuple((k, to_me(v)) for k, v in m.groupdict().items()), tail
    return None


def asked_frames(teacher_lines: list[str]) -> set[str]:
    return {a.frame.id for a in (match(t) for t in teacher_lines) if a}


_HABIT = re.compile(r"\b(every|twice|always|usually|each|before eleven|in the morning|on weekends|on fridays|after school)\b",
                    re.I)


class Filler:
    """Slot values for one scene, drawn with one rng; fixed values (from a question) win."""

    def __init__(self, scene: Scene, thing: str, rng: random.Random, fixed: dict[str, str] | None = None,
                 *, company: bool = False, once: bool = False) -> None:
        self.scene, self.thing, self.rng, self.company, self.once = scene, thing, rng, company, once
        self.fixed = dict(fixed or {})
        if "activity_past" in self.fixed or "activity_ing" in self.fixed:
            self.fixed.setdefault("activity", self.fixed.get("activity", ""))
        problem = self.fixed.get("problem")
        if problem:
            self.fixed.setdefault("problem_me", problem)

    def values(self) -> dict[str, str]:
        s, r = self.scene, self.rng
        activity = self.fixed.get("activity") or r.choice(s.activities)
        a, b = r.choice(s.pairs)  # the scene's reasons speak for the first of a pair
        problem = next((p for p in s.problems if p[0] == self.fixed.get("problem_me")), None) or r.choice(s.problems)
        v = {
            "thing": self.thing, "aspect": r.choice(s.aspects), "activity": activity, "activity_past": past(activity),
            "activity_ing": ing(activity), "reason": r.choice(s.reasons), "plan": r.choice(s.plans),
            "companion": r.choice(COMPANIONS), "with_why": r.choice(WITH_WHY), "feeling": r.choice(FEELINGS),
            "when": r.choice(WHEN), "how": r.choice(HOW_WAS), "a": a, "b": b, "problem": to_you(problem[0]),
            "problem_me": problem[0], "solution": r.choice(problem[1:]), "tip": r.choice(s.tips),
            "benefit": r.choice(BENEFITS), "advice_why": r.choice(ADVICE_WHY), "b_why": r.choice(B_WHY),
            **{key: r.choice(s.reasons) if r.random() < share else r.choice(pool)
               for key, pool, share in (("fav_why", FAV_WHY, 0.25), ("feel_why", FEEL_WHY, 0.25),
                                        ("plan_why", PLAN_WHY, 0.0), ("pick_why", PICK_WHY, 0.25))},
        }
        if self.company:  # "Who do you usually … with?" needs an activity without its own company
            alone = [a for a in s.activities if not re.search(r"\bwith\b|\bto my\b", a)]
            v["activity"] = self.fixed.get("activity") or r.choice(alone or s.activities)
            v["activity_past"], v["activity_ing"] = past(v["activity"]), ing(v["activity"])
        if self.once:  # "When did you last …?" needs an activity that is not a habit ("eat fruit every day")
            events = [a for a in s.activities if not _HABIT.search(a)]
            v["activity"] = self.fixed.get("activity") or r.choice(events or s.activities)
            v["activity_past"], v["activity_ing"] = past(v["activity"]), ing(v["activity"])
        v.update({k: val for k, val in self.fixed.items() if val})
        if self.fixed.get("activity"):
            v["activity_past"], v["activity_ing"] = past(v["activity"]), ing(v["activity"])
        return v


def fill(template: str, values: dict[str, str]) -> str:
    mate = re.compile(rf"\b{re.escape(values.get('companion', '-'))}\b")
    if " with my {companion}" in template and any(f"{{{k}}}" in template and mate.search(values.get(k, ""))
                                                  for k in ("activity", "activity_past", "plan")):
        template = template.replace(" with my {companion}", "")  # "cook a meal for my parents with my parents"
    for slot in ("activity", "activity_past", "plan"):  # "make dumplings with my family" needs no second "with"
        if f"{{{slot}}} with" in template and re.search(r"\bwith\b|\bto my\b", values.get(slot, "")):
            template = re.sub(rf"\{{{slot}\}} with my \{{companion\}}", f"{{{slot}}}", template)
    for slot in ("aspect", "a", "b", "x"):  # "the spicy noodles are", "paper bags are"
        for name in (slot, slot[:1].upper() + slot[1:]):
            if f"{{{name}}} is" in template and plural(values.get(slot, "")):
                template = template.replace(f"{{{name}}} is", f"{{{name}}} are")
    def one(m: re.Match[str]) -> str:
        key = m.group(1)
        return values[key]
    out = re.sub(r"\{([a-z_]+)\}", one, template)
    out = re.sub(r"\{([A-Z])([a-z_]*)\}", lambda m: cap(values[m.group(1).lower() + m.group(2)]), out)
    return cap(out)


def ask(frame: Frame, filler: Filler) -> tuple[str, dict[str, str]]:
    """A question of ``frame`` and the slot values it fixed (said in the second person)."""
    template = filler.rng.choice(frame.asks)
    values = filler.values()
    said = {k: (to_you(v) if k in ("activity", "activity_ing") else v) for k, v in values.items()}
    keep = {k: values[k] for k in _SLOT.findall(template)}
    if "problem" in keep:
        keep["problem_me"] = values["problem_me"]
    return fill(template, said), keep


def choice_options(frame: Frame, filler: Filler) -> tuple[str, str]:
    s, r = filler.scene, filler.rng
    if frame.id == "favourite":
        return tuple(r.sample(s.aspects, 2))  # type: ignore[return-value]
    if frame.id == "last_time":
        return tuple(r.sample(("weekend", "month", "summer", "term"), 2))  # type: ignore[return-value]
    if frame.id == "plans":
        return tuple(r.sample(s.plans, 2))  # type: ignore[return-value]
    if frame.id == "company":
        return ("friends", "family") if r.random() < 0.5 else ("family", "friends")
    if frame.id == "feeling":
        return ("relaxed", "excited") if r.random() < 0.5 else ("excited", "relaxed")
    if frame.id == "choice":
        return tuple(r.choice(s.pairs))  # type: ignore[return-value]
    if frame.id == "problem":
        problem = r.choice(s.problems)
        return (problem[1], problem[2]) if len(problem) > 2 else (problem[1], "ask someone for help")
    if frame.id == "advice":
        return tuple(r.sample(s.tips, 2))  # type: ignore[return-value]
    return ("useful", "fun") if r.random() < 0.5 else ("fun", "useful")


def answers(asked: Asked, filler: Filler, n: int) -> list[str]:
    """``n`` different full answers to the question ``asked``, in the student's voice."""
    frame = asked.frame
    own = {"ask": frame.answers, "follow": frame.follow_answers, "choice": frame.choice_answers}[asked.form]
    out: list[str] = []
    for pool in (own, frame.answers):
        order = list(pool)
        filler.rng.shuffle(order)
        for attempt in range(n * 6):
            template = order[attempt % len(order)]
            values = filler.values()
            if asked.form == "choice":
                x, y = asked.slots.get("x", values["a"]), asked.slots.get("y", values["b"])
                if attempt % 2:
                    x, y = y, x
                values.update(x=to_me(x), y=to_me(y))
            text = fill(template, values).replace(" first first.", " first.")
            if text.startswith("First, ") and text.endswith(" first."):
                text = text[: -len(" first.")] + "."
            if word_count(text) <= 30 and all(similar(text, o) < 0.8 for o in out):
                out.append(text)
            if len(out) == n:
                return out
    return out


def short(asked: Asked, filler: Filler) -> str:
    values = filler.values()
    if asked.form == "choice":
        x = asked.slots.get("x", values["a"])
        return cap(to_me(x)) + "."
    if asked.form == "follow":
        return filler.rng.choice(("Because " + values["reason"] + ".", "I don't know why.", cap(values["reason"]) + "."))
    return fill(filler.rng.choice(asked.frame.shorts), values)
