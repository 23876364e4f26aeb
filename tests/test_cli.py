from __future__ import annotations

import os
import subprocess
import sys

from studio.store import SCHEMA_VERSION, Store
from tests.conftest import TUTORIAL_DATA, needs_tutorial_data


def test_init_seeds_and_info_reports(ready_cli, ws_path) -> None:
    info = ready_cli.json("info")
    assert info["workspace"] == str(ws_path)
    assert info["schema_version"] == SCHEMA_VERSION
    assert info["counts"]["topics"] >= 60
    assert info["mix"]["normal"] == 55
    assert abs(sum(info["mix_shares"].values()) - 1) < 1e-6
    for sub in ("exports", "jobs", "logs"):
        assert (ws_path / sub).is_dir()
    assert (ws_path / "config.toml").exists() and (ws_path / "studio.json").exists()


def test_init_twice_keeps_the_workspace(ready_cli) -> None:
    before = ready_cli.json("topics", "list")["topics"]
    code, out, _ = ready_cli("init")
    assert code == 0 and "already exists" in out
    assert ready_cli.json("topics", "list")["topics"] == before


def test_text_info_shows_the_normalised_mix(ready_cli) -> None:
    code, out, _ = ready_cli("info")
    assert code == 0 and "weights sum to 120; normalised" in out


def test_topics_add_list_rm(ready_cli) -> None:
    added = ready_cli.json("topics", "add", "两位同学讨论天气", "--title", "Weather", "--tags", "weather, daily")
    assert added["tags"] == ["weather", "daily"] and added["source"] == "manual"
    listed = ready_cli.json("topics", "list")["topics"]
    assert added["id"] in [t["id"] for t in listed]
    assert set(listed[0]) >= {"id", "text", "title", "tags", "source", "parent_ids", "created", "enabled"}
    code, out, _ = ready_cli("topics", "rm", added["id"])
    assert code == 0 and "removed" in out
    code, _, err = ready_cli("topics", "rm", added["id"])
    assert code == 1 and f"no topic with id {added['id']}" in err


@needs_tutorial_data
def test_topics_import_reports_duplicates_and_exit_codes(ready_cli, tmp_path) -> None:
    result = ready_cli.json("topics", "import", str(TUTORIAL_DATA / "topics"))
    assert len(result["added"]) == 10
    again = ready_cli.json("topics", "import", str(TUTORIAL_DATA / "topics"))
    assert again["added"] == [] and [d["line"] for d in again["duplicates"]] == list(range(1, 11))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"topic": "好"}\n{oops}\n', encoding="utf-8")
    code, out, err = ready_cli("topics", "import", str(bad))
    assert code == 1 and f"error: {bad}:2: not valid JSON" in err


def test_topics_export(ready_cli, tmp_path) -> None:
    out_file = tmp_path / "topics.jsonl"
    code, out, _ = ready_cli("topics", "export", str(out_file))
    assert code == 0 and len(out_file.read_text(encoding="utf-8").splitlines()) >= 60


def test_uninitialised_workspace_exits_2_with_the_fix(cli, ws_path) -> None:
    code, _, err = cli("topics", "list")
    assert code == 2 and f"run: studio init {ws_path}" in err


def test_open_workspace_is_shared_and_recover_is_refused_while_it_is(ready_cli, ws_path) -> None:
    with Store(ws_path):
        code, out, _ = ready_cli("info")
        assert code == 0 and f"PID {os.getpid()}" in out  # another session is in, and named
        code, _, err = ready_cli("store", "recover")
    assert code == 2 and "is locked by PID" in err


def test_broken_config_exits_1_naming_the_key(ready_cli, ws_path) -> None:
    (ws_path / "config.toml").write_text("[providers.x]\nkind = 'openai'\nrpm = -1\n")
    code, _, err = ready_cli("info")
    assert code == 1 and "config.toml: providers.x.rpm: Input should be greater than 0" in err


def test_python_dash_m_and_help() -> None:
    result = subprocess.run([sys.executable, "-m", "studio", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    for command in ("init", "info", "topics"):
        assert command in result.stdout
