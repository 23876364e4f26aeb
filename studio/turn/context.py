"""The context of one teacher turn — topic, title, dialogue so far, the student utterance it
answers, its fault — and the prompts rendered from it.

This is the one place a teacher turn's prompt is built: generation, export, review (regenerate),
import, lint and evaluation all call :func:`render_teacher_prompt` with a :class:`TurnContext`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from studio.domain import (
    CheckResult,
    Dialogue,
    FaultKind,
    StudentTurn,
    TeacherTurn,
    Topic,
    TurnKind,
)
from studio.domain.contract import Student
from studio.domain.layout import format_history
from studio.turn.prompts import Prompts


@dataclass(frozen=True)
class TurnContext:
    """Everything a teacher turn at ``index`` of a dialogue is made from."""

    topic: Topic
    kind: TurnKind
    history: list[tuple[str, str]] = field(default_factory=list)
    student: Student | None = None
    fault: FaultKind = FaultKind.OPENING

    @property
    def title(self) -> str:
        return topic_title(self.topic)

    @property
    def name_zh(self) -> str:
        return topic_name_zh(self.topic)

    @property
    def chat(self) -> str:
        return format_history(self.history)

    @property
    def opening(self) -> bool:
        return self.kind == TurnKind.OPENING


def context_at(dialogue: Dialogue, topic: Topic, index: int) -> TurnContext:
    """The context of the teacher turn at ``index`` (the turns before it are its history)."""
    turns = dialogue.turns[:index]
    history = history_of(turns)
    if index == 0:
        return TurnContext(topic=topic, kind=TurnKind.OPENING, history=history)
    student = student_before(dialogue, index)
    return TurnContext(topic=topic, kind=TurnKind.REPLY, history=history, student=student,
                       fault=fault_of(dialogue, index))


def history_of(turns: Sequence[TeacherTurn | StudentTurn]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for t in turns:
        if isinstance(t, TeacherTurn):
            out.append(("teacher", t.parsed.reply if t.parsed else t.raw[:300]))
        else:
            out.append(("student", t.text))
    return out


def history_text(d: Dialogue) -> str:
    """The dialogue so far in the tutorial's ``teacher:``/``student:`` layout."""
    return format_history(history_of(d.turns))


def topic_title(topic: Topic) -> str:
    """The topic's title, else the head of its text (up to the first clause break)."""
    head = re.split(r"[，。,；;]", topic.text, maxsplit=1)[0]
    return topic.title or head[:24]


# The scenario's object: "关于X的对话", "对X进行回顾", "就X进行交谈", "讨论/分享/… X".
_OBJECT = (
    re.compile(r"关于(.{2,30}?)的(?:对话|讨论|交流|话题|谈话|问题)"),
    re.compile(r"(?:对|就)(.{2,30}?)(?:进行|展开|发表)"),
    re.compile(r"(?:讨论|谈论|交流|聊起|聊到|聊(?!天)|分享|介绍|畅想|回顾|商量|计划|比较|回忆|评价|谈)(?:了|着|起)?(?:关于)?(?!的)(.{2,40}?)(?:[，。,；;！!？?]|$)"),
)
_LEAD = re.compile(r"^(?:关于|他们|她们|各自|自己|彼此|大家|我们|一下|一起|起|了|的|对|在|一(?:场|次|个|位|本|部|件|项|种|家))+")
_LIKED = re.compile(r"^最?(?:喜欢|喜爱|熟悉|经历过|参加过|看过|读过)的")
_SUBJECT = re.compile(r"^(?:[一两二三四五几]?(?:位|名|个|群)?(?:高中生|初中生|大学生|中学生|同学|学生|朋友|好友|"
                      r"室友|同桌|家人|一家人|老师|网友|笔友|队员)(?:们)?|你|我|他|她)"
                      r"(?:和(?:他的|她的|你的)?(?:家人|父母|妈妈|爸爸|好?朋友|同学|同桌|邻居|老师|外国[^，。在]{1,6}?))?")
_GENERIC = ("情况", "感受", "经历", "方法", "重要性", "看法", "想法", "体会", "计划", "问题", "意义", "技巧", "区别", "影响",
            "原因", "理由", "措施", "安排", "准备", "心得", "办法", "建议", "表现")
_AND = re.compile(r"以及|并且|和|、|并")


def topic_name_zh(topic: Topic) -> str:
    """The topic's short Chinese name for the teacher's off-topic rule (``[主题名称]``): the
    stored ``name_zh``, else the scenario's object taken from its text ("两位同学对一场激动人心的
    篮球比赛进行回顾和分析" → "激动人心的篮球比赛"), else its first clause without the speakers."""
    if topic.name_zh:
        return topic.name_zh
    return name_from_text(topic.text)


@lru_cache(maxsize=4096)  # a topic's name is asked for by each of its samples (an export: thousands)
def name_from_text(text: str) -> str:
    flat = " ".join(text.split()).strip("。.！!？? ")
    for pattern in _OBJECT:
        m = pattern.search(flat)
        if m:
            name = _shorten(m.group(1))
            if len(name) >= 3 and name not in _GENERIC:
                return name
    head = re.split(r"[，。,；;]", flat, maxsplit=1)[0]
    name = _SUBJECT.sub("", head).strip()
    return (name or head)[:16] or "这个话题"


def _shorten(phrase: str) -> str:
    name = _LIKED.sub("", _LEAD.sub("", re.split(r"并(?:且|提出|给出|说明|介绍)?", phrase.strip())[0])).strip()
    if len(name) <= 12:
        return name
    first = _LIKED.sub("", _LEAD.sub("", _AND.split(name, maxsplit=1)[0])).strip()
    if len(first) >= 3 and first not in _GENERIC:
        name = first
        if len(name) <= 12:
            return name
    parts = [p for p in name.split("的") if p]
    if len(parts) >= 2:
        tail = parts[-1]
        two = f"{parts[-2]}的{tail}"
        if tail.endswith(_GENERIC) and len(two) <= 14:
            return two
        if len(tail) >= 3 and not tail.endswith(_GENERIC):
            return tail
    return name[:16]


def student_before(d: Dialogue, index: int) -> Student | None:
    """What the checks know of the student utterance a teacher turn at ``index`` answers."""
    before = d.turns[index - 1] if index else None
    if not isinstance(before, StudentTurn):
        return None
    fault = before.observed_fault or before.intended_fault
    return Student(before.text, fault, corrections=list(before.injection.corrections) if before.injection else [],
                   off_topic=fault == FaultKind.OFF_TOPIC)


def fault_of(dialogue: Dialogue, index: int) -> FaultKind:
    """The fault a sample is filed under: intended for generated data, observed for imported."""
    if index == 0 or not isinstance(dialogue.turns[index - 1], StudentTurn):
        return FaultKind.OPENING
    student = dialogue.turns[index - 1]
    assert isinstance(student, StudentTurn)
    return student.intended_fault if dialogue.source == "generated" else (student.observed_fault or student.intended_fault)


#: How a teacher turn's prompt is written: ``full`` is the tutorial's prompt with every rule (what a
#: model that has not been tuned needs); ``compact`` is one instruction line with the same sections
#: (topic, topic name, dialogue), for a model that learns the rules from its training data instead:
#: a quarter of the tokens, so a CPU can train on it (``compact_opening.txt``/``compact_reply.txt``).
PROMPT_STYLES = ("full", "compact")


def render_teacher_prompt(prompts: Prompts, ctx: TurnContext, style: str = "full") -> str:
    """The teacher prompt for one turn: the opening template, or the reply template with the chat."""
    frame = teacher_frame(prompts, ctx.topic, opening=ctx.opening, style=style)
    return frame[0] if ctx.opening else ctx.chat.join(frame)


def teacher_frame(prompts: Prompts, topic: Topic, *, opening: bool, style: str = "full") -> tuple[str, ...]:
    """A topic's teacher prompt with the dialogue left open: ``chat.join(frame)`` is the prompt of a
    turn whose dialogue so far is ``chat`` (an opening's frame is its whole prompt). Every sample of
    a topic shares its frame."""
    if style not in PROMPT_STYLES:
        raise ValueError(f"prompt style '{style}' is not one of: {', '.join(PROMPT_STYLES)}")
    prefix = "compact_" if style == "compact" else "teacher_"
    if opening:
        return (prompts.render(prefix + "opening", topic=topic.text),)
    # ``title`` is kept for workspace templates written before ``{topic_name}``: rule 5 names the
    # topic in Chinese either way.
    name = topic_name_zh(topic)
    return prompts.frame(prefix + "reply", "chat", topic=topic.text, topic_name=name, title=name)


def render_repair_prompt(prompts: Prompts, prompt: str, answer: str, results: list[CheckResult]) -> str:
    """Ask again, quoting the answer and the checks it failed."""
    problems = "\n".join(f"- {r.id}: {r.message}" for r in results if r.severity == "error")
    return prompts.render("repair", prompt=prompt, answer=answer, problems=problems)
