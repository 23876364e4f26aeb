"""`studio train tiny-model NAME` writes the model into the workspace's models/ folder, not into the
directory the command runs from (a source checkout, say), and `--base-model NAME` finds it there; a
path is taken as written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.train import service
from studio.train.model_folders import is_bare_name, model_folder, stored_model
from studio.train.spec import make_spec
from studio.workspace import open_workspace


def test_a_bare_name_is_a_workspace_model_and_a_path_is_a_path(tmp_path) -> None:
    ws = tmp_path / "ws"
    assert model_folder(ws, "tiny") == ws / "models" / "tiny"
    assert model_folder(ws, Path("tiny")) == ws / "models" / "tiny"
    for path in ("./tiny", "../m/tiny", "/data/tiny", "sub/tiny"):
        assert not is_bare_name(path) and model_folder(ws, path) == Path(path)
    assert model_folder(ws, "~/tiny") == Path.home() / "tiny"
    assert stored_model(ws, "tiny") is None
    (ws / "models" / "tiny").mkdir(parents=True)
    assert stored_model(ws, "tiny") == ws / "models" / "tiny" and stored_model(ws, "./tiny") is None


def test_the_tutorials_tiny_model_lands_in_the_workspace(cli, tmp_path, monkeypatch) -> None:
    pytest.importorskip("transformers", reason="the tiny model needs the train extra")
    pytest.importorskip("trl", reason="the train extra is not installed")
    here = tmp_path / "checkout"
    here.mkdir()
    monkeypatch.chdir(here)
    assert cli("init")[0] == 0
    assert cli("generate", "-n", "4")[0] == 0
    snapshot = json.loads(cli("export", "--format", "openai", "--json")[1])["snapshot"]["id"]
    code, out, err = cli("train", "tiny-model", "tiny", "--snapshot", snapshot)
    assert code == 0, err
    folder = cli.ws / "models" / "tiny"
    assert (folder / "config.json").exists() and str(folder) in out
    assert list(here.iterdir()) == [], "nothing is written where the command ran"
    with open_workspace(cli.ws) as ws:  # the job as `train start --base-model tiny` records it (not run here)
        job = service.create_job(ws, make_spec(backend="local", base_model="tiny", method="full", snapshot_id=snapshot))
    assert job.base_model == str(folder.resolve())
