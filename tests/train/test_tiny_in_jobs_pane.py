"""The Jobs pane's `T` then `n`: the form starts from the settings `T`'s toast recommends (the tiny
recipe, with a max length that fits the snapshot's samples), not the defaults for a real model."""

from __future__ import annotations

import json

import pytest

from studio.domain import DatasetSnapshot
from studio.ui.app import make_app
from tests.ui.conftest import settle, until
from tests.workspaces import seeded_workspace

pytest.importorskip("trl", reason="the train extra is not installed")
pytestmark = pytest.mark.train


async def test_t_then_n_uses_the_tiny_recipe(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "ws")
    rows = [{"messages": [{"role": "user", "content": f"Talk about tea, round {i}. " * (3 + i % 40)},
                          {"role": "assistant", "content": '{"Reply": "I like green tea."}'}]} for i in range(40)]
    (tmp_path / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    ws.store.snapshots.put(DatasetSnapshot(format="openai", content_hash="t1", files=[str(tmp_path / "train.jsonl")]))
    try:
        app = make_app(ws)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("5")
            await settle(pilot)
            await pilot.press("T")
            models = ws.root / "models"
            await until(pilot, lambda: any((p / "studio-recipe.json").exists() for p in models.glob("tiny-*")),
                        timeout=120)
            recipe = json.loads(next(models.glob("tiny-*/studio-recipe.json")).read_text())
            assert 128 <= recipe["max_length"] <= 1024 and recipe["max_length"] % 128 == 0
            await pilot.press("n")
            await settle(pilot)
            form = app.screen
            values = {f: form.query_one(f"#{f}").value for f in ("method", "lr", "batch_size", "max_steps", "max_length")}
            assert values == {"method": "full", "lr": "0.001", "batch_size": "4", "max_steps": "60",
                              "max_length": str(recipe["max_length"])}
            assert form.query_one("#base_model").value.endswith(next(models.glob("tiny-*")).name)
    finally:
        ws.close()
