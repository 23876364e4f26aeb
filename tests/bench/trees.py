"""Run a benchmark against another version of the studio in the same run: ``--against REV`` unpacks
the studio as it was at git revision REV (its ``studio/``, ``data/``, ``styles/`` and ``tests/``) into a temporary
folder and runs the same benchmark script there, in its own process, before this tree's run; both
tables are printed, each with the load average the machine had before it.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def add_arguments(parser) -> None:  # type: ignore[no-untyped-def]
    parser.add_argument("--against", metavar="REV", help="also run this benchmark on the studio at git revision REV")
    parser.add_argument("--tree", type=Path, default=REPO, help="the studio checkout to measure (default: this one)")


def use(tree: Path) -> None:
    """Import the studio (and the tests' helpers) from ``tree``."""
    sys.path.insert(0, str(tree.resolve()))


def unpack(rev: str, into: Path) -> Path:
    """The studio at ``rev``, unpacked into ``into``."""
    archive = subprocess.run(["git", "archive", "--format=tar", rev, "studio", "data", "styles", "tests"], cwd=REPO,
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def run_against(script: str, rev: str, argv: list[str]) -> None:
    """Run ``script`` on the studio at ``rev`` and print what it printed, under a heading."""
    args: list[str] = []
    skip = False
    for arg in argv:
        if not skip and arg != "--against" and not arg.startswith("--against="):
            args.append(arg)
        skip = arg == "--against"
    with tempfile.TemporaryDirectory() as tmp:
        tree = unpack(rev, Path(tmp))
        commit = subprocess.run(["git", "rev-parse", "--short", rev], cwd=REPO, capture_output=True, text=True,
                                check=True).stdout.strip()
        print(f"Before: the studio at {commit} ({load()} before the run)\n", flush=True)
        out = subprocess.run([sys.executable, script, *args, "--tree", str(tree)], capture_output=True, text=True,
                             cwd=tree)
        print(out.stdout.rstrip() + "\n", flush=True)
        if out.returncode not in (0, 1) or not out.stdout.strip():
            print(f"(the run at {commit} failed: {(out.stderr.strip().splitlines() or ['?'])[-1]})\n", flush=True)
    print(f"After: this tree ({load()} before the run)\n", flush=True)
