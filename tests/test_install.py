"""A plain, non-editable install ships data/ and styles/ inside the package."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_works_outside_the_checkout(tmp_path) -> None:
    wheels = tmp_path / "wheels"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(REPO)],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stderr
    wheel = next(wheels.glob("kouyu_studio-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "studio/_data/topics.tsv" in names and "studio/_styles/studio.tcss" in names
    assert "studio/_data/config.toml" in names and "studio/_data/off_topic.txt" in names
    assert "studio/locale/zh_CN/LC_MESSAGES/studio.mo" in names  # compiled by hatch_build.py
    assert not [n for n in names if n.endswith(".po")]

    site = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        capture_output=True, text=True,
    )
    assert install.returncode == 0, install.stderr
    env = {**os.environ, "PYTHONPATH": str(site), "STUDIO_WORKSPACE": str(tmp_path / "ws")}
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "studio", *args], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    where = subprocess.run(
        [sys.executable, "-c", "import studio, studio.resources as r; print(studio.__file__); print(r.data_file('config.toml'))"],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert str(site) in where.stdout.splitlines()[0]
    assert "_data" in where.stdout.splitlines()[1]
    assert run("init").returncode == 0
    cache = tmp_path / "cache"
    chinese = subprocess.run(
        [sys.executable, "-m", "studio", "--lang", "zh", "--help"], cwd=tmp_path,
        env={**env, "STUDIO_CACHE": str(cache)}, capture_output=True, text=True, encoding="utf-8",
    )
    assert chinese.returncode == 0 and "用法：studio" in chinese.stdout and "微调任务" in chinese.stdout, chinese.stderr
    assert not (cache / "locale").exists()  # the wheel's .mo, read as is: nothing compiled
    listed = run("topics", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)["topics"]) >= 60
