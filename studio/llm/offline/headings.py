"""The offline simulator's fallback for a request that names no task: the task guessed from the
section headings of the shipped prompts (``[主题介绍]``, ``[学生角色]`` …).

The studio's own callers always name the task (``ChatRequest.task``); this is for prompts that reach
the simulator some other way (a test server speaking HTTP, a prompt typed by hand). A workspace that
renames a heading defeats it, which is why it is only the fallback, and why a prompt it cannot read
is answered with what it looked for and did not find.
"""

from __future__ import annotations

import re

from studio.domain.faults import SPECS
from studio.domain.layout import parse_history, read_prompt, section_order, sections
from studio.llm.tasks import (
    ExpandTask,
    JudgeTask,
    RewriteTask,
    StudentTask,
    Task,
    TeacherTask,
    TitleTask,
)

#: The headings this fallback knows, each naming the task it stands for.
KNOWN_HEADINGS = ("需要修正的问题", "评分任务", "改写任务", "示例话题", "待命名话题", "学生角色", "主题介绍")
_TOPIC_NAME = re.compile(r"我们现在讨论的是关于(.{1,40}?)的内容")
_COUNT = re.compile(r"(?:写出|生成)\s*(\d+)\s*个")
_NUMBERED = re.compile(r"\s*\d+\s*[.、:：)）]?\s*(.+)")


def topic_name(prompt: str) -> str:
    """The topic's Chinese name as the prompt's rule 5 gives it (a template placeholder is not a name)."""
    m = _TOPIC_NAME.search(prompt)
    return m.group(1) if m and "[" not in m.group(1) and "{" not in m.group(1) else ""


def _first_line(text: str, default: str) -> str:
    return text.splitlines()[0].strip() if text.strip() else default


def _teacher(prompt: str, *, repair: bool = False) -> TeacherTask:
    view = read_prompt(prompt)
    return TeacherTask(view.topic, tuple(view.history), topic_name(prompt), view.opening, repair)


def task_from_prompt(prompt: str) -> Task | None:
    """The task the prompt's headings stand for; None when it has none of :data:`KNOWN_HEADINGS`."""
    parts = sections(prompt)
    if "需要修正的问题" in parts:  # a repair embeds the teacher prompt before its last answer
        return _teacher(prompt.split("[上次回答]", 1)[0], repair=True)
    if "评分任务" in parts:
        return JudgeTask(parts.get("主题介绍", ""), tuple(parse_history(parts.get("对话历史", ""))),
                         parts.get("老师的回答", ""))
    if "改写任务" in parts:
        line = _first_line(parts["改写任务"], "")
        spec = next((s for s in SPECS.values() if s.rewrite_task and line.startswith(s.rewrite_task)), None)
        how = "chinese" if line.startswith("翻译") else spec.kind.value if spec is not None else line
        return RewriteTask(how, parts.get("原句", ""))
    if "示例话题" in parts:
        m = _COUNT.search(prompt)
        return ExpandTask(int(m.group(1)) if m else 5, tuple(ln.strip() for ln in parts["示例话题"].splitlines()
                                                             if ln.strip()), titled="英文标题" in prompt)
    if "待命名话题" in parts:
        return TitleTask(tuple(m.group(1).strip() for ln in parts["待命名话题"].splitlines()
                               if (m := _NUMBERED.match(ln))))
    if "学生角色" in parts:
        level, language = _first_line(parts.get("学生水平", ""), "高中"), _first_line(parts.get("回答语言", ""), "英语")
        view = read_prompt(prompt)
        style = "chinese" if language == "中文" else "short" if level == "小学" else "normal"
        return StudentTask(view.topic, tuple(view.history), style)
    if "主题介绍" in parts:
        return _teacher(prompt)
    return None


def not_recognised(prompt: str) -> str:
    """What the fallback looked for in a prompt it could not read, and what it found instead."""
    found = section_order(prompt)
    seen = ", ".join(f"[{h}]" for h in dict.fromkeys(found)) if found else "no [heading] lines"
    return (f"the request named no task, and its prompt has none of the headings that name one "
            f"({', '.join(f'[{h}]' for h in KNOWN_HEADINGS)}); found: {seen}")
