"""The layer rules of ARCHITECTURE.md, checked on the source of every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "studio"


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_respects_layers(path: Path) -> None:
    names = imported_roots(path)
    roots = {n.split(".")[0] for n in names}
    where = layer(path)
    if where != "ui":
        assert "textual" not in roots, f"{path}: only studio/ui may import textual"
        assert not any(n.startswith("studio.ui") for n in names if not (where == "cli" and n in ("studio.ui.app", "studio.ui.web"))), (
            f"{path}: nothing imports studio.ui (the CLI only starts the app, in a terminal or for browsers)"
        )
    if where != "store":
        assert "tinydb" not in roots, f"{path}: only studio/store may import tinydb"
    if where not in ("llm", "train"):
        assert "httpx" not in roots, f"{path}: only studio/llm and studio/train talk HTTP"
    if where == "domain":
        ours = {n for n in names if n.startswith("studio.") and not n.startswith("studio.domain")}
        assert not ours, f"{path}: domain imports nothing else of ours ({ours})"
        assert roots <= {"pydantic", "json_repair", "rapidfuzz", "spellchecker", "orjson", "studio", "__future__"} | _stdlib(), f"{path}: domain stays pure: {roots}"


def _stdlib() -> set[str]:
    import sys

    return set(sys.stdlib_module_names)


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import textual\nfrom tinydb import TinyDB\n")
    assert {"textual", "tinydb"} <= imported_roots(bad)


def test_import_layers_contract_is_kept() -> None:
    """The import-linter contract in .importlinter (counting imports inside functions) holds."""
    import shutil
    import subprocess
    import sys

    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.skip("import-linter is not installed (pip install '.[dev]')")
    root = PACKAGE.parent
    done = subprocess.run([exe, "--no-cache"], cwd=root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
