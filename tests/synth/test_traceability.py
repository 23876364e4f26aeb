"""Every turn names the call that produced it; the ledger marks first answers and repairs; repair counts agree."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter

from studio.cli import main
from studio.domain import FaultKind, RunConfig, StudentTurn, TeacherTurn
from studio.llm.base import ChatRequest, ChatResult
from studio.llm.client import LLMClient
from studio.llm.ledger import summarise
from studio.llm.offline import OfflineProvider
from studio.synth.run import Generator, load_off_topic, run_dialogues
from studio.synth.service import prepare
from studio.turn.prompts import Prompts
from tests.workspaces import seeded_workspace

REPAIR_MARK = "需要修正的问题"  # the repair prompt's section, as the offline simulator reads it


class Slipping:
    """The offline simulator as teacher, with prose instead of JSON on some answers — one first
    answer in three and one repair in two, chosen by a hash of the prompt — so some turns are
    repaired once, some twice, and some use up every repair. Counts the requests it receives,
    as a server would."""

    kind = "offline"

    def __init__(self) -> None:
        self.inner = OfflineProvider(seed=3)
        self.name, self.model = "slipping", self.inner.model
        self.received: Counter[str] = Counter()

    async def chat(self, request: ChatRequest) -> ChatResult:
        prompt = request.messages[-1].content
        repair = REPAIR_MARK in prompt
        self.received["repair" if repair else "first answer" if request.json_mode else "student"] += 1
        result = await self.inner.chat(request)
        if request.json_mode and int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % (2 if repair else 3) == 0:
            result.text = "Sure! Here is my answer: you did well, keep going."
        return result

    def stream(self, request: ChatRequest):  # type: ignore[no-untyped-def]
        raise NotImplementedError("this test generates without streaming")

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_turns_reach_their_calls_and_repair_counts_agree(tmp_path, capsys) -> None:
    ws = seeded_workspace(tmp_path / "ws")
    provider = Slipping()
    client = LLMClient(provider, store=ws.store)
    mix = {FaultKind.NORMAL: 2, FaultKind.OFF_TOPIC: 1, FaultKind.SPELLING: 1}
    run, _ = prepare(ws, RunConfig(dialogues=12, seed=4, repairs=2, mix=mix))
    progress = []
    generator = Generator(ws.store, client, client, Prompts(ws.root), run, off_topic_lines=load_off_topic(ws.root),
                          on_progress=progress.append)
    asyncio.run(generator.execute())
    calls = {doc_id: raw for doc_id, raw in ws.store.calls.raw() if raw.get("run_id") == run.id}
    by_turn: dict[tuple[str, int], set[str]] = {}
    for doc_id, raw in calls.items():
        by_turn.setdefault((raw["dialogue_id"], raw["turn_index"]), set()).add(doc_id)

    teacher_turns = 0
    for d in run_dialogues(ws.store, run.id):
        for i, turn in enumerate(d.turns):
            if isinstance(turn, TeacherTurn):
                teacher_turns += 1
                kept = calls[turn.call_id]
                assert (kept["dialogue_id"], kept["turn_index"], kept["role"]) == (d.id, i, "teacher")
                assert kept["purpose"] in ("first answer", "repair")
                assert {turn.call_id, *turn.repair_call_ids} == by_turn[(d.id, i)]
                assert len(turn.repair_call_ids) == turn.attempts - 1
            elif isinstance(turn, StudentTurn) and turn.injection and turn.injection.method == "off_topic.bank":
                assert turn.call_id is None  # taken from the bank, no call made
            elif isinstance(turn, StudentTurn):
                assert calls[turn.call_id]["purpose"] == "student" and calls[turn.call_id]["turn_index"] == i

    marks = Counter(raw["purpose"] for raw in calls.values())
    assert teacher_turns and marks["repair"] > 0
    assert marks["first answer"] == teacher_turns == provider.received["first answer"]
    # one count everywhere: the server, the ledger, the run panel's progress, `studio calls`
    assert provider.received["repair"] == marks["repair"] == progress[-1].repairs
    assert summarise(calls.values())["by_purpose"]["repair"]["calls"] == marks["repair"]
    assert summarise(calls.values())["total"]["repairs"] == marks["repair"]
    exhausted = [t for d in run_dialogues(ws.store, run.id) for t in d.turns
                 if isinstance(t, TeacherTurn) and t.attempts == 3 and not t.passed]
    assert exhausted, "the test needs a turn that used up its repairs (the case the old count got wrong)"
    repaired = next((d.id, i, t) for d in run_dialogues(ws.store, run.id) for i, t in enumerate(d.turns)
                    if isinstance(t, TeacherTurn) and t.attempts > 1)
    ws.close()

    # from a sample to its calls, as a person would: `studio calls --sample KEY`
    d_id, index, turn = repaired
    code = main(["--workspace", str(tmp_path / "ws"), "calls", "--sample", f"{d_id}:{index}", "--json"])
    rows = json.loads(capsys.readouterr().out)["calls"]
    assert code == 0 and [r["id"] for r in rows] == [turn.call_id, *turn.repair_call_ids]
    assert rows[0]["kept"] and {r["purpose"] for r in rows} <= {"first answer", "repair"}
    assert sum(r["purpose"] == "repair" for r in rows) == turn.attempts - 1


def test_a_resumed_run_counts_its_repairs_from_the_ledger(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "ws")
    client = LLMClient(Slipping(), store=ws.store)
    # two at a time, so a stop after the third finished leaves dialogues not yet begun
    run, _ = prepare(ws, RunConfig(dialogues=8, seed=5, repairs=2, concurrency=2, mix={FaultKind.NORMAL: 1}))
    first: list = []

    def pause_early(p) -> None:  # type: ignore[no-untyped-def]
        first.append(p)
        if p.completed >= 3:
            generator.stop()

    generator = Generator(ws.store, client, client, Prompts(ws.root), run, off_topic_lines=load_off_topic(ws.root),
                          on_progress=pause_early)
    asyncio.run(generator.execute())
    assert ws.store.runs.get(run.id).completed < 8
    second: list = []
    again = Generator(ws.store, client, client, Prompts(ws.root), ws.store.runs.get(run.id),
                      off_topic_lines=load_off_topic(ws.root), on_progress=second.append)
    asyncio.run(again.execute())
    calls = [raw for _, raw in ws.store.calls.raw() if raw.get("run_id") == run.id]
    repairs = sum(raw["purpose"] == "repair" for raw in calls)
    assert repairs > first[-1].repairs > 0  # both sessions repaired something
    assert second[-1].repairs == repairs == summarise(calls)["total"]["repairs"]
    assert second[-1].calls == sum(raw["outcome"] in ("ok", "cached") for raw in calls)
    ws.close()
