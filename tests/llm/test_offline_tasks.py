"""The offline simulator is told its task by the caller; a workspace's prompt wording never changes it."""

from __future__ import annotations

import asyncio
import json

import pytest

from studio.domain import FaultKind, RunConfig, StudentTurn, TeacherTurn, TurnKind
from studio.domain.contract import TurnCheck
from studio.domain.language import Language, language_of
from studio.domain.parse import parse_answer
from studio.evaluate.judge import judge_turn
from studio.llm.base import ChatRequest, Message
from studio.llm.errors import BadRequest
from studio.llm.offline import OfflineProvider
from studio.llm.registry import build_client
from studio.llm.tasks import ExpandTask, JudgeTask, RewriteTask, StudentTask, TeacherTask, TitleTask
from studio.synth.run import run_dialogues
from studio.synth.service import execute, prepare
from studio.turn.prompts import Prompts
from tests.workspaces import seeded_workspace

TOPIC = "两位朋友计划周末去郊外徒步，讨论路线、装备和安全注意事项。"
HISTORY = (("teacher", "Hi! Where would you like to go hiking this weekend?"),
           ("student", "I want go to the mountains near my city."))
CLEAN = '\n[providers.clean]\nkind = "offline"\nmodel = "offline-simulator"\nerror_rate = 0\n'
#: Every shipped prompt whose headings name the offline simulator's task, with its headings in 【】.
RENAMED = ("teacher_opening", "teacher_reply", "repair", "student_normal", "student_short", "student_chinese",
           "judge", "expand_topics", "title_topics", "translate_chinese")


def rename_headings(ws_root, names=RENAMED) -> None:
    """The workspace's own copies of ``names``, every ``[标题]`` heading written ``【标题】``."""
    folder = ws_root / "prompts"
    folder.mkdir(exist_ok=True)
    for name in names:
        text = Prompts().template(name)
        for heading in ("主题介绍", "对话历史", "开场白", "学生角色", "学生水平", "回答语言", "评分任务", "评分标准",
                        "老师的回答", "自动检查", "示例话题", "新话题", "待命名话题", "上次回答", "需要修正的问题",
                        "改写任务", "原句"):
            text = text.replace(f"[{heading}]", f"【{heading}】")
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")


def ask(task, prompt: str = "(the words of a template the workspace wrote)", **kw) -> str:
    return OfflineProvider(seed=3, **kw).respond(ChatRequest([Message("user", prompt)], task=task))


def test_the_teacher_answers_its_task_whatever_the_prompt_says() -> None:
    opening = json.loads(ask(TeacherTask(TOPIC, opening=True)))
    assert set(opening) == {"Reply", "Suggestion"} and len(opening["Suggestion"]) == 3
    reply = json.loads(ask(TeacherTask(TOPIC, HISTORY, "周末徒步")))
    assert set(reply) == {"Reply", "Suggestion", "Analysis"}
    assert "want to go" in reply["Analysis"]  # it read the student's words from the task, and corrected them


def test_student_rewrite_judge_expand_and_title_tasks() -> None:
    assert language_of(ask(StudentTask(TOPIC, HISTORY[:1], "chinese"))) is Language.CHINESE
    short = ask(StudentTask(TOPIC, HISTORY[:1], "short"))
    assert language_of(short) is Language.ENGLISH and len(short.split()) <= 10
    wrong, fixes = ask(RewriteTask("spelling", "I want to go to the mountains with my friends.")).split("\n更正：")
    assert wrong != "I want to go to the mountains with my friends." and "=>" in fixes
    assert language_of(ask(RewriteTask("chinese", "I like hiking."))) is Language.CHINESE
    scores = json.loads(ask(JudgeTask(TOPIC, HISTORY, json.dumps({"Reply": "Good!"}))))
    assert {"reply", "suggestion", "analysis", "reason"} <= set(scores) and scores["reply"] == 1
    lines = ask(ExpandTask(3, (TOPIC,))).splitlines()
    assert len(lines) == 3 and all(line.count("｜") == 2 for line in lines) and TOPIC not in lines
    assert ask(TitleTask(("两位同学讨论周末的计划。", TOPIC))).splitlines()[1].startswith("2｜")
    with pytest.raises(BadRequest, match="no student style 'poetic' \\(known: normal, short, chinese\\)"):
        ask(StudentTask(TOPIC, HISTORY, "poetic"))


def test_with_no_task_the_headings_are_read_and_what_was_missing_is_said() -> None:
    prompts = Prompts()
    prompt = prompts.render("teacher_reply", topic=TOPIC, topic_name="周末徒步",
                            chat="teacher: Hi! Where would you like to go?\nstudent: I want go to the mountains.")
    assert set(json.loads(ask(None, prompt))) == {"Reply", "Suggestion", "Analysis"}  # the fallback
    renamed = prompt.replace("[主题介绍]", "【主题介绍】")
    said = ask(None, renamed)
    assert "offline simulator" in said and "named no task" in said
    assert "[主题介绍]" in said and "found: [对话历史]" in said
    assert set(json.loads(ask(TeacherTask(TOPIC, HISTORY, "周末徒步"), renamed))) == {"Reply", "Suggestion", "Analysis"}


def test_the_task_is_in_the_cache_key_only_for_a_provider_that_reads_it() -> None:
    plain = ChatRequest([Message("user", "a prompt")], variant="d-1")
    told = ChatRequest([Message("user", "a prompt")], variant="d-1", task=TeacherTask(TOPIC, opening=True))
    assert told.hash("openai", "m") == plain.hash("openai", "m")  # a model's answers and cache stay its prompt's
    assert told.hash("offline", "m", with_task=True) != plain.hash("offline", "m", with_task=True)
    assert OfflineProvider.reads_task


def test_a_workspace_that_renames_every_heading_still_generates_real_dialogues(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "ws", CLEAN)
    rename_headings(ws.root)
    mix = {FaultKind.NORMAL: 2, FaultKind.SHORT: 1, FaultKind.CHINESE: 1, FaultKind.SPELLING: 1}
    run, _ = prepare(ws, RunConfig(dialogues=5, seed=4, mix=mix, teacher_provider="clean", student_provider="clean",
                                   chinese="translate", rewrite="llm"))
    run = asyncio.run(execute(ws, run))
    assert run.completed == 5 and run.failed == 0
    turns = [t for d in run_dialogues(ws.store, run.id) for t in d.turns]
    teacher = [t for t in turns if isinstance(t, TeacherTurn)]
    assert teacher and all(t.passed and "simulator" not in t.raw for t in teacher), [t.raw for t in teacher][:2]
    assert all(t.parsed and t.parsed.analysis for t in teacher if t.kind == TurnKind.REPLY)
    students = [t for t in turns if isinstance(t, StudentTurn)]
    assert students and all("simulator" not in t.text and t.observed_fault == t.intended_fault for t in students)
    ws.close()


def test_the_offline_judge_reads_its_task_not_the_workspace_wording(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "ws")
    rename_headings(ws.root, ("judge",))
    client = build_client(ws.config, ws.secrets, "offline", workspace=ws.root)
    answer = json.dumps({"Reply": "Great! What will you take?", "Suggestion": ["I will take water.", "I will take a map.",
                                                                                 "I will take a hat."],
                         "Analysis": "\"want go\" 应改为 \"want to go\"。"}, ensure_ascii=False)
    check = TurnCheck(parse_answer(answer), [])
    judged = asyncio.run(judge_turn(client, Prompts(ws.root), topic=TOPIC, history=list(HISTORY), answer=answer,
                                    check=check, kind=TurnKind.REPLY))
    assert judged.error is None and judged.judge is not None
    ws.close()


def test_topics_expand_with_renamed_headings(ready_cli, ws_path) -> None:
    rename_headings(ws_path, ("expand_topics", "title_topics"))
    data = ready_cli.json("topics", "expand", "--n", "3")
    assert len(data["accepted"]) == 3 and all(t["title"] and t["name_zh"] for t in data["accepted"])
