"""The tutorial's experiment, timed the way the README reports it: ``studio init`` and ``studio
experiment --recipe cpu`` in a fresh workspace, its ``--dry-run`` estimate first, the machine's load
before and after, then the table the experiment wrote.

    python -m tests.bench.experiment [--recipe cpu] [--out DIR] [-- any studio experiment flags]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def studio(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    started = time.time()
    out = subprocess.run([sys.executable, "-m", "studio", "--workspace", str(ws), *args], cwd=REPO, text=True,
                         stdout=subprocess.PIPE, check=False)
    print(f"  $ studio {' '.join(args)}  ({time.time() - started:.0f} s, exit {out.returncode})", file=sys.stderr,
          flush=True)
    if out.returncode != 0:
        raise SystemExit(f"studio {' '.join(args)} failed ({out.returncode})")
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--recipe", default="cpu")
    p.add_argument("--out", type=Path, default=Path("/tmp/kouyu-experiment"))
    p.add_argument("extra", nargs="*", help="more studio experiment flags (after --)")
    args = p.parse_args()
    if args.out.exists():
        shutil.rmtree(args.out)
    ws = args.out / "ws"
    load_before = os.getloadavg()
    t0 = time.time()
    studio(ws, "init")
    plan = json.loads(studio(ws, "experiment", "--recipe", args.recipe, "--dry-run", "--json", *args.extra).stdout)
    done = json.loads(studio(ws, "experiment", "--recipe", args.recipe, "--json", *args.extra).stdout)
    wall = time.time() - t0
    load_after = os.getloadavg()
    from studio.evaluate.experiment_table import markdown

    print(markdown(done))
    print(f"`studio init && studio experiment --recipe {args.recipe}`: {wall / 60:.1f} min wall; the dry run "
          f"estimated {plan['estimate_s'] / 60:.1f} min ({(plan['estimate_s'] - wall) / wall:+.0%}). Load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after.")
    (args.out / "result.json").write_text(json.dumps({"wall_s": wall, "estimate_s": plan["estimate_s"],
                                                      "load": [load_before, load_after], "results": done},
                                                     ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
