from __future__ import annotations

import json
import os
import signal
from pathlib import Path

# Test workers share the machine's cores: numpy's OpenBLAS and torch's OpenMP pools each sized to
# every core would oversubscribe them (OpenBLAS threads spin while they wait), so under pytest-xdist
# each worker, and every process it starts, computes on one thread. Set before studio loads numpy.
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")

# A shell that starts a job in the background without job control ("nohup cmd &" in a script, some CI
# runners) leaves SIGINT ignored, and an ignored signal stays ignored in every process started after:
# Python then raises no KeyboardInterrupt, and the tests of ctrl-C (the studio's and its children's)
# would test nothing. Each worker takes ctrl-C back as Python's default, which its children inherit.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

import pytest

from studio.cli import main
from studio.i18n import set_language

REPO = Path(__file__).resolve().parent.parent
TUTORIAL_DATA = REPO.parent / "shared" / "reference" / "tutorial-data"
needs_tutorial_data = pytest.mark.skipif(
    not TUTORIAL_DATA.is_dir(), reason="shared/reference/tutorial-data is not beside this checkout"
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path, request):
    """No test touches the real user data folder or the caller's keys. The off-topic check's language
    model is left out (STUDIO_OFFTOPIC_LM=off, as the studio ships) except in the tests about it (marked
    ``lm``, which turn it on)."""
    monkeypatch.setenv("STUDIO_OFFTOPIC_LM", "off" if request.node.get_closest_marker("lm") is None else "on")
    monkeypatch.setenv("STUDIO_WORKSPACE", str(tmp_path / "default-ws"))
    monkeypatch.setenv("STUDIO_VERDICTS", str(tmp_path / "verdicts.sqlite3"))  # each test judges afresh
    monkeypatch.delenv("STUDIO_SECRETS_FILE", raising=False)
    for name in ("QIANFAN_API_KEY", "QIANFAN_SECRET_KEY", "QIANFAN_ACCESS_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANGUAGE", "en")  # the studio's text in English whatever the caller's locale
    set_language("en")


@pytest.fixture
def ws_path(tmp_path) -> Path:
    return tmp_path / "ws"


class Cli:
    def __init__(self, capsys, ws: Path) -> None:
        self.capsys = capsys
        self.ws = ws

    def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(["--workspace", str(self.ws), *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str) -> object:
        code, out, err = self(*args, "--json")
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def cli(capsys, ws_path) -> Cli:
    return Cli(capsys, ws_path)


@pytest.fixture
def ready_cli(cli) -> Cli:
    code, _, err = cli("init")
    assert code == 0, err
    return cli
