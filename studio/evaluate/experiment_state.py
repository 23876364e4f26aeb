"""An experiment's record (``experiments/<id>.json``): what was asked for, and each step's result as
soon as it exists — what ``studio experiment`` resumes from and what its table is made of."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from studio.domain import new_id, utcnow
from studio.domain.messages import N_, Message
from studio.evaluate.recipes import RECIPES, Recipe
from studio.store.storage import atomic_write
from studio.workspace import Workspace

FOLDER = "experiments"


class Settings(BaseModel):
    """What an experiment was asked for (the recipe's values unless overridden)."""

    recipe: str = "cpu"
    snapshot: str | None = None
    dialogues: int | None = None
    base_model: str | None = None
    backend: str | None = None
    judge: str | None = None
    gpus: int = 1
    seed: int = 0
    items: int | None = None


class State(BaseModel):
    id: str = Field(default_factory=lambda: new_id("x"))
    settings: Settings
    status: str = "running"  # running | succeeded | failed
    created: str = Field(default_factory=lambda: utcnow().isoformat())
    finished: str | None = None
    error: str | None = None
    generation: str | None = None
    snapshot: str | None = None
    eval_set: str | None = None
    base_model: str | None = None
    jobs: dict[str, str] = Field(default_factory=dict)  # grid run key → job id
    evals: dict[str, str] = Field(default_factory=dict)  # "base" or grid run key → eval run id
    seconds: dict[str, float] = Field(default_factory=dict)  # step → wall seconds spent on it (summed over resumes)
    estimate_s: float | None = None
    machine: str = ""
    results: dict[str, Any] = Field(default_factory=dict)

    @property
    def recipe(self) -> Recipe:
        return recipe_of(self.settings)


def recipe_of(settings: Settings) -> Recipe:
    if settings.recipe not in RECIPES:
        raise ValueError(Message("experiment.recipe", N_("--recipe: '{recipe}' is not one of: {known}"),
                                 recipe=settings.recipe, known=", ".join(RECIPES)))
    return RECIPES[settings.recipe]


def path_of(ws: Workspace, experiment_id: str) -> Path:
    return ws.root / FOLDER / f"{experiment_id}.json"


def save(ws: Workspace, state: State) -> None:
    path_of(ws, state.id).parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path_of(ws, state.id), (state.model_dump_json(indent=2) + "\n").encode("utf-8"))


def load(ws: Workspace, experiment_id: str) -> State:
    path = path_of(ws, experiment_id)
    try:
        return State.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LookupError(Message("experiment.unknown", N_("no experiment {id} (see: studio experiment --list)"),
                                  id=experiment_id)) from None
    except ValueError as exc:
        raise ValueError(Message("experiment.unreadable", N_("{path}: not a readable experiment record ({problem})"),
                                 path=path, problem=str(exc).splitlines()[0])) from None


def all_states(ws: Workspace) -> list[State]:
    folder = ws.root / FOLDER
    out = []
    for path in sorted(folder.glob("x-*.json")) if folder.is_dir() else []:
        try:
            out.append(State.model_validate_json(path.read_text(encoding="utf-8")))
        except ValueError:
            continue
    return sorted(out, key=lambda s: s.created)


def unfinished(ws: Workspace, settings: Settings) -> State | None:
    """The newest experiment asked for with the same settings that has not finished."""
    same = [s for s in all_states(ws) if s.settings == settings and s.status != "succeeded"]
    return same[-1] if same else None


def write_json(path: Path, data: Any) -> None:
    atomic_write(path, (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
