"""Compact training prompts: an export option, recorded on the snapshot, and the prompt an eval asks a
model tuned on them with — the same text the training sample had."""

from __future__ import annotations

import asyncio
import json

from studio.domain import FaultKind, RunConfig
from studio.evaluate.runner import item_prompt, prompt_style_of
from studio.evaluate.sets import make_set
from studio.export.samples import iter_samples
from studio.synth.service import execute, prepare
from studio.turn.prompts import Prompts
from tests.train.conftest import studio
from tests.workspaces import seeded_workspace


def _generated(tmp_path, dialogues: int = 12):  # type: ignore[no-untyped-def]
    ws = seeded_workspace(tmp_path / "ws")
    run, _ = prepare(ws, RunConfig(dialogues=dialogues, seed=3, mix={FaultKind(k): v for k, v in ws.config.mix.items()}))
    asyncio.run(execute(ws, run))
    return ws


def test_compact_export_is_short_keeps_the_sections_and_is_recorded(tmp_path) -> None:
    _generated(tmp_path).close()
    full = studio(tmp_path / "ws", "export", "--format", "openai", "--split", "0.7", "--json")
    compact = studio(tmp_path / "ws", "export", "--format", "openai", "--split", "0.7", "--prompt", "compact", "--json")
    assert full.returncode == 0 and compact.returncode == 0, compact.stderr
    snaps = {name: json.loads(out.stdout)["snapshot"] for name, out in (("full", full), ("compact", compact))}
    assert snaps["compact"]["filters"]["prompt"] == "compact" and snaps["full"]["filters"]["prompt"] == "full"

    def rows(snap):  # type: ignore[no-untyped-def]
        path = next(f for f in snap["files"] if f.endswith("train.jsonl"))
        return [json.loads(line) for line in open(path, encoding="utf-8")]

    full_rows, compact_rows = rows(snaps["full"]), rows(snaps["compact"])
    assert len(full_rows) == len(compact_rows)
    for f, c in zip(full_rows, compact_rows, strict=True):
        assert f["messages"][-1] == c["messages"][-1], "the answer learned is the same"
        prompt = c["messages"][0]["content"]
        assert prompt.startswith("你是英语口语老师。只输出JSON")
        assert "[主题介绍]" in prompt and ("[对话历史]" in prompt or "[开场白]" in prompt)
        assert len(f["messages"][0]["content"]) - len(prompt) > 350, "the rules are left out of a compact prompt"
    # the studio reads its own compact samples back: lint finds topic and dialogue in every one
    path = next(f for f in snaps["compact"]["files"] if f.endswith("train.jsonl"))
    out = studio(tmp_path / "ws", "lint", path, "--json")
    assert "not recognised" not in out.stdout + out.stderr


def test_compact_prompts_refuse_whole_dialogues(tmp_path) -> None:
    seeded_workspace(tmp_path / "ws").close()
    out = studio(tmp_path / "ws", "export", "--format", "openai", "--prompt", "compact", "--dialogues")
    assert out.returncode == 1 and "--prompt compact" in out.stderr
    out = studio(tmp_path / "ws", "export", "--format", "openai", "--prompt", "short")
    assert out.returncode == 1 and "--prompt" in out.stderr


def test_an_eval_asks_with_exactly_the_training_prompt(tmp_path) -> None:
    ws = _generated(tmp_path)
    try:
        prompts = Prompts(ws.root)
        eval_set = make_set(ws.store, prompts, n=8)
        compact = {s.key: s.prompt for s in iter_samples(ws.store, prompts, "compact")}
        full = {s.key: s.prompt for s in iter_samples(ws.store, prompts)}
        assert eval_set.items
        for item in eval_set.items:
            assert item_prompt(ws, prompts, item, "compact") == compact[item.id]
            assert item_prompt(ws, prompts, item, "full") == full[item.id] == item.prompt
        assert prompt_style_of(ws, "offline") == "full"
        assert prompt_style_of(ws, f"local:{tmp_path}") == "full"
    finally:
        ws.close()
