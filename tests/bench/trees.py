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
    parser.add_argument("--against", metavar="REV", help="first run this benchmark on the studio at git revision REV "
                                                         "(or in the folder REV)")
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


def run_against(script: str, rev: str, argv: list[str], tree: Path = REPO) -> None:
    """Run ``script`` on the studio at ``rev`` (a git revision, or a folder holding a studio) and print
    what it printed under a heading, then the heading of this run (on ``tree``)."""
    args: list[str] = []
    skip = False
    for arg in argv:
        if not skip and arg != "--against" and not arg.startswith("--against=") and arg != "--tree":
            args.append(arg)
        skip = arg in ("--against", "--tree")
    with tempfile.TemporaryDirectory() as tmp:
        if Path(rev).is_dir():
            before, label = Path(rev), f"the studio in {rev}"
        else:
            before = unpack(rev, Path(tmp))
            commit = subprocess.run(["git", "rev-parse", "--short", rev], cwd=REPO, capture_output=True, text=True,
                                    check=True).stdout.strip()
            label = f"the studio at {commit}"
        print(f"Before: {label} ({load()} before the run)\n", flush=True)
        out = subprocess.run([sys.executable, script, *args, "--tree", str(before)], capture_output=True, text=True,
                             cwd=before)
        print(out.stdout.rstrip() + "\n", flush=True)
        if out.returncode not in (0, 1) or not out.stdout.strip():
            print(f"(the run on {label} failed: {(out.stderr.strip().splitlines() or ['?'])[-1]})\n", flush=True)
    where = "this checkout" if tree.resolve() == REPO else f"the studio in {tree}"
    print(f"After: {where} ({load()} before the run)\n", flush=True)
