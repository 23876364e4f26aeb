#!/usr/bin/env bash
# LLaMA-Factory's own virtual environment, for the real `llamafactory-cli` test
# (tests/train/test_llamafactory_real.py). Prints the venv's path on its last line.
#
# LLaMA-Factory 0.9.5 cannot share the studio's venv (it pins transformers<=5.6, trl<=0.24, peft<=0.18.1,
# datasets<=4.0, accelerate<=1.11), so it gets its own, kept outside the repository and reused while it
# still imports. CPU torch is pinned by a constraints file so pip never pulls a CUDA build.
#   LF_VENV=DIR   where the venv lives (default: ~/.cache/kouyu-studio/llamafactory-venv)
set -euo pipefail
LF_VENV="${LF_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/kouyu-studio/llamafactory-venv}"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null || PY=python3

if [ -x "$LF_VENV/bin/llamafactory-cli" ] && "$LF_VENV/bin/python" -c "import llamafactory.train.tuner" 2>/dev/null; then
  echo "$LF_VENV"
  exit 0
fi
rm -rf "$LF_VENV"
mkdir -p "$(dirname "$LF_VENV")"
"$PY" -m venv "$LF_VENV"
CONSTRAINTS="$LF_VENV/constraints.txt"
printf 'torch==2.13.0\n' > "$CONSTRAINTS"
"$LF_VENV/bin/pip" install -q --disable-pip-version-check -c "$CONSTRAINTS" torch==2.13.0 llamafactory==0.9.5 >&2
# PyPI's torchvision is built against the CUDA torch (`torchvision::nms does not exist` next to the CPU
# build, which breaks `import transformers`); text-only SFT never uses it.
"$LF_VENV/bin/pip" uninstall -q -y torchvision torchaudio >&2 || true
# llamafactory/data/mm_plugin.py imports torchaudio at module level, and PyPI has no torchaudio for
# torch 2.13. Text-only SFT never calls it, so a placeholder module that refuses any use stands in.
SITE="$("$LF_VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
mkdir -p "$SITE/torchaudio"
cat > "$SITE/torchaudio/__init__.py" <<'PY'
"""Placeholder: no torchaudio build exists for this torch; text-only fine-tuning never uses audio."""
__version__ = "0.0.0+placeholder"


def __getattr__(name):
    raise ImportError(f"torchaudio is a placeholder in this environment (asked for {name!r}); audio is not supported")
PY
"$LF_VENV/bin/python" -c "import llamafactory.train.tuner" >&2
echo "$LF_VENV"
