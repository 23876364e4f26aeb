"""`studio experiment`: the tutorial's experiment end to end on the tiny recipe (a tiny model the studio
builds, so it runs in about a minute), its table, its resume after a kill, its dry run and the GPU
recipe's plan and jobs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.domain import JobStatus
from studio.evaluate import experiment as experiments
from studio.evaluate import experiment_state
from studio.evaluate.experiment import Experiment, Settings, job_options, plan, start
from studio.evaluate.experiment_table import markdown
from studio.evaluate.recipes import RECIPES, REFERENCE_GFLOPS
from studio.ui.app import make_app
from studio.workspace import open_workspace
from tests.train.conftest import studio
from tests.ui.conftest import settle
from tests.workspaces import seeded_workspace

pytest.importorskip("trl", reason="the train extra is not installed")
pytestmark = [pytest.mark.train]


def stop_at(step: str):  # type: ignore[no-untyped-def]
    """A progress report that stands for a kill (ctrl-C) as soon as ``step`` starts."""
    def report(p: experiments.Progress) -> None:
        if p.step == step:
            raise KeyboardInterrupt
    return report


@pytest.mark.xdist_group("heavy")
def test_tiny_experiment_runs_resumes_and_shows_its_table(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "ws")
    try:
        settings = Settings(recipe="tiny", items=4)
        state, resumed = start(ws, settings)
        assert not resumed
        grid = RECIPES["tiny"].grid
        with pytest.raises(KeyboardInterrupt):  # killed as the second run's training starts
            Experiment(ws, state, stop_at(f"train:{grid[1].key}")).run()
        first_job = experiment_state.load(ws, state.id).jobs[grid[0].key]
        assert ws.store.jobs.get(first_job).status == JobStatus.SUCCEEDED
        assert set(experiment_state.load(ws, state.id).evals) == {"base", grid[0].key}

        again, resumed = start(ws, settings)
        assert resumed and again.id == state.id, "the same settings resume the unfinished experiment"
        done = Experiment(ws, again).run()
        assert done.status == "succeeded"
        assert done.jobs[grid[0].key] == first_job, "a finished run is not trained again"
        assert len(ws.store.jobs.all()) == len(grid)
        rows = {r["key"]: r for r in done.results["rows"]}
        assert set(rows) == {"base", *(g.key for g in grid)}
        assert rows["base"]["prompt"] == "full" and rows[grid[0].key]["prompt"] == "compact", \
            "the base gets the full tutorial prompt, a tuned run the prompt it was trained on"
        for key in rows:
            assert rows[key]["items"] == 4
        table = markdown(done.results)
        assert "| tiny model (base) | full |" in table and "every error check passed" in table
        assert "no judge" in table, "rubric dimensions nobody scored say why they are empty"
        folder = Path(ws.store.snapshots.get(done.snapshot).files[0]).parent
        assert (folder / f"experiment-{done.id}.md").read_text(encoding="utf-8") == table
        assert json.loads((folder / f"experiment-{done.id}.json").read_text())["rows"]
        # a tuned run was asked with the compact prompt: the model's call carries the compact instruction line
        run = ws.store.evals.get(done.evals[grid[0].key])
        assert run.lineage["prompt"] == "compact"
    finally:
        ws.close()

    ws = open_workspace(tmp_path / "ws")
    app = make_app(ws)

    async def eval_pane() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("6")
            await settle(pilot)
            for _ in range(50):
                if app.screen.experiment:
                    break
                await pilot.pause(0.1)
            shown = app.screen.experiment
            assert shown is not None and shown["status"] == "succeeded"
            assert [r["key"] for r in shown["results"]["rows"]][0] == "base"

    import asyncio

    try:
        asyncio.run(eval_pane())
    finally:
        ws.close()


def test_dry_run_prints_the_plan_with_an_estimate(tmp_path) -> None:
    seeded_workspace(tmp_path / "ws").close()
    out = studio(tmp_path / "ws", "experiment", "--recipe", "cpu", "--dry-run", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    keys = [s["step"] for s in data["steps"]]
    assert keys[:4] == ["data", "eval_set", "base", "eval:base"]
    assert [k for k in keys if k.startswith("train:")] == [f"train:{g.key}" for g in RECIPES["cpu"].grid]
    assert data["estimate_s"] == pytest.approx(sum(s["estimate_s"] for s in data["steps"]), abs=len(keys))
    assert not list((tmp_path / "ws").glob("experiments/*")), "a dry run records nothing"


def test_the_cpu_recipe_is_planned_within_an_hour_and_scales_with_the_machine(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "ws")
    try:
        reference = sum(s.estimate_s for s in plan(ws, Settings(recipe="cpu"), gflops=REFERENCE_GFLOPS))
        assert 20 * 60 < reference < 50 * 60, "an idle two-core machine like the reference: well within the hour"
        busy = sum(s.estimate_s for s in plan(ws, Settings(recipe="cpu"), gflops=REFERENCE_GFLOPS / 2))
        assert busy > 1.8 * reference - 120, "half the speed: the compute steps take twice as long"
    finally:
        ws.close()


def test_gpu_recipe_is_the_tutorial_grid_on_full_prompts_through_llamafactory(tmp_path) -> None:
    ws = seeded_workspace(tmp_path / "ws")
    try:
        recipe = RECIPES["gpu"]
        assert recipe.prompt == "full"
        assert {g.method for g in recipe.grid} == {"full", "lora"}
        assert len({g.learning_rate for g in recipe.grid}) >= 2 and len({g.epochs for g in recipe.grid}) >= 2
        steps = plan(ws, Settings(recipe="gpu"), gflops=1000.0)
        assert sum(k.key.startswith("train:") for k in steps) == len(recipe.grid)
        options = job_options(Settings(recipe="gpu", backend="llamafactory", gpus=4))
        assert options["nproc_per_node"] == "4" and options["zero"] == "2" and options["template"] == "auto"
        assert job_options(Settings(recipe="gpu", backend="llamafactory")) == {"template": "auto"}
        with pytest.raises(ValueError, match="--backend llamafactory"):
            start(ws, Settings(recipe="gpu", gpus=2))
        with pytest.raises(ValueError, match="--recipe"):
            start(ws, Settings(recipe="huge"))
    finally:
        ws.close()


@pytest.mark.xdist_group("heavy")
def test_a_sigkilled_experiment_resumes_without_training_a_finished_run_again(tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.train.conftest import REPO

    root = tmp_path / "ws"
    seeded_workspace(root).close()
    command = [sys.executable, "-m", "studio", "--workspace", str(root), "experiment", "--recipe", "tiny",
               "--items", "3", "--json"]
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    second = f"train:{RECIPES['tiny'].grid[1].key}"
    deadline = time.monotonic() + 300
    killed_at = None
    while time.monotonic() < deadline and proc.poll() is None:
        states = list(root.glob("experiments/x-*.json"))
        if states:
            state = json.loads(states[0].read_text())
            if RECIPES["tiny"].grid[1].key in state["jobs"] or second in state["seconds"]:
                os.kill(proc.pid, signal.SIGKILL)  # while the second run trains
                killed_at = dict(state["jobs"])
                break
        time.sleep(0.05)
    proc.wait(timeout=30)
    assert killed_at is not None, "the experiment reached its second run"
    out = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    done = json.loads(out.stdout)
    ws = open_workspace(root)
    try:
        state = experiment_state.all_states(ws)[-1]
        assert state.status == "succeeded" and len(experiment_state.all_states(ws)) == 1, "resumed, not started again"
        first = RECIPES["tiny"].grid[0].key
        assert state.jobs[first] == killed_at[first], "the finished run was not trained again"
        assert {r["key"] for r in done["rows"]} == {"base", *(g.key for g in RECIPES["tiny"].grid)}
        assert len(ws.store.evals.all()) == 3, "each model evaluated once"
    finally:
        ws.close()
