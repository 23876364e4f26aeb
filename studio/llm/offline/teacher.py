"""The offline teacher: contract-valid JSON whose Analysis addresses the student's last turn."""

from __future__ import annotations

import random
import re

import orjson

from studio.domain.layout import PromptView
from studio.domain.learner import Correction, find_errors
from studio.domain.text import cjk_share, word_count
from studio.llm.offline.banks import Banks, Category, normalise_utterance

SHORT_WORDS = 6


def topic_name(topic: str) -> str:
    """The scenario in a few words, for the off-topic redirection."""
    head = re.split(r"[，。,；;]", topic.strip(), maxsplit=1)[0]
    return head[:24] or "这个话题"


def assess(utterance: str, banks: Banks) -> tuple[str, list[Correction]]:
    """What kind of answer the student gave: chinese, off_topic, error, short or normal."""
    if cjk_share(utterance) > 0.3:
        return "chinese", []
    if normalise_utterance(utterance) in banks.off_topic:
        return "off_topic", find_errors(utterance)
    errors = find_errors(utterance)
    if errors:
        return "error", errors
    if word_count(utterance) <= SHORT_WORDS:
        return "short", []
    return "normal", []


def _asked(view: PromptView) -> set[str]:
    return {text for role, text in view.history if role == "teacher"}


def _pick_question(cat: Category, general: Category, view: PromptView, rng: random.Random) -> tuple[Category, int]:
    asked = " ".join(_asked(view))
    for pool in (cat, general):
        fresh = [i for i, q in enumerate(pool.questions) if q not in asked]
        if fresh:
            return pool, rng.choice(fresh)
    return cat, rng.randrange(len(cat.questions))


def _suggestions(pool: Category, index: int, cat: Category, rng: random.Random) -> list[str]:
    first = pool.answers[index] if index < len(pool.answers) else rng.choice(pool.answers)
    others = [a for a in cat.answers + pool.answers if a != first]
    rng.shuffle(others)
    picked = [first]
    for answer in others:
        if answer not in picked:
            picked.append(answer)
        if len(picked) == 3:
            break
    return picked


def _fit(reply: str, question: str, limit: int = 30) -> str:
    text = f"{reply} {question}".strip()
    return text if word_count(text) <= limit else question


def _analysis(kind: str, utterance: str, errors: list[Correction], view: PromptView, banks: Banks,
              example: str, rng: random.Random) -> str:
    praise = rng.choice(banks.analysis["praise"])
    if kind == "chinese":
        return f"你用中文回答了老师的问题，请尝试使用英语回答。可以试着这样说：\"{example}\""
    if kind == "off_topic":
        fixes = "".join(f"另外，\"{c.wrong}\" 应改为 \"{c.right}\"（{c.note}）。" for c in errors[:2])
        return (f"您跑题了，我们现在讨论的是关于{topic_name(view.topic)}的内容。{fixes}"
                f"请先回答老师的问题，例如：\"{example}\"")
    if kind == "error":
        fixes = "；".join(f"\"{c.wrong}\" 应改为 \"{c.right}\"（{c.note}）" for c in errors[:4])
        good = "能积极表达自己的想法" if word_count(utterance) > SHORT_WORDS else "敢于开口表达"
        return f"你{good}，值得肯定。需要注意：{fixes}。改正后句子会更准确。"
    if kind == "short":
        tip = rng.choice(banks.analysis["short"])
        return f"回答切题，但比较简短，{tip}，例如：\"{example}\""
    words = utterance.split()
    phrase = " ".join(words[: min(len(words), rng.randint(3, 5))]).strip(",.!?")
    return f"{praise}，\"{phrase}\" 这个表达用得很好，没有明显的语法和拼写错误。{rng.choice(banks.analysis['tips'])}。"


def _last_question(cat: Category, general: Category, view: PromptView) -> tuple[Category, int] | None:
    last = view.last_teacher or ""
    for pool in (cat, general):
        for i, q in enumerate(pool.questions):
            if q in last:
                return pool, i
    return None


def teacher_turn(view: PromptView, banks: Banks, rng: random.Random) -> str:
    cat = banks.category_for(view.topic)
    if view.opening or view.last_student is None:
        pool, index = _pick_question(cat, banks.general, view, rng)
        greeting = rng.choice(["Hi there!", "Hello!", "Good morning!", "Hi! Nice to see you."])
        intro = rng.choice(["Today let's talk about this topic.", "Let's practise speaking today.", "Let's chat for a while."])
        return orjson.dumps({"Reply": _fit(f"{greeting} {intro}", pool.questions[index]),
                             "Suggestion": _suggestions(pool, index, cat, rng)}).decode()
    utterance = view.last_student
    kind, errors = assess(utterance, banks)
    again = _last_question(cat, banks.general, view) if kind in ("chinese", "off_topic") else None
    pool, index = again or _pick_question(cat, banks.general, view, rng)
    suggestions = _suggestions(pool, index, cat, rng)
    reaction = rng.choice(banks.reactions[kind])
    if kind == "error" and errors:
        reaction = f"{reaction} We say \"{errors[0].right}\"."
    answer = {"Reply": _fit(reaction, pool.questions[index]), "Suggestion": suggestions,
              "Analysis": _analysis(kind, utterance, errors, view, banks, suggestions[0], rng)}
    return orjson.dumps(answer).decode()


def judge(parts: dict[str, str]) -> str:
    """The simulator's judge: the most the contract checks allow, with the checks as the reason."""
    from studio.domain import TurnKind
    from studio.domain.contract import Student, check_turn
    from studio.domain.layout import last_said, parse_history
    from studio.domain.rubric import limits

    history = parse_history(parts.get("对话历史", ""))
    student = last_said(history, "student")
    kind = TurnKind.REPLY if student else TurnKind.OPENING
    check = check_turn(parts.get("老师的回答", ""), kind, Student(student) if student else None)
    cap = limits(check.failed_ids, opening=kind == TurnKind.OPENING)
    reason = "离线模拟评分（按自动检查给出上限）：" + ("；".join(check.failed_ids) or "未发现问题")
    return orjson.dumps({"reply": cap.reply, "suggestion": cap.suggestion, "analysis": cap.analysis,
                         "reason": reason}).decode()
