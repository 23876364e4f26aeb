#!/usr/bin/env bash
# The bench's own venv for the distilabel baseline (tests/bench/whole_tool_bench.py), kept apart from
# the studio's: distilabel pins its own versions of what the studio uses.
set -euo pipefail
where="${STUDIO_CACHE:-$HOME/.cache/kouyu-studio}/bench-distilabel"
python3 -m venv "$where"
"$where/bin/pip" install -q "distilabel==1.5.3" "openai>=1.0" requests beautifulsoup4
echo "$where/bin/python"
