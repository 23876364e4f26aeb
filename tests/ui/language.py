"""The studio app in another language, inside one test process.

``studio.ui`` translates its class bodies (binding descriptions, column headers) as it is imported,
as ``studio`` does once it has chosen the language. A test that wants the app in Chinese imports
the UI afresh after choosing the language, and puts the English modules back afterwards, so the
other tests (which imported ``studio.ui`` at collection) see the English app as before."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

import pytest

import studio
from studio.i18n import current_language, set_language

UI = "studio.ui"


def _ui_modules() -> dict[str, ModuleType]:
    return {name: module for name, module in sys.modules.items() if name == UI or name.startswith(UI + ".")}


@contextmanager
def ui_in(language: str) -> Iterator[ModuleType]:
    """``studio.ui.app`` imported in ``language``; everything as it was afterwards."""
    saved, before = _ui_modules(), current_language()
    for name in saved:
        del sys.modules[name]
    try:
        assert set_language(language) == language
        yield importlib.import_module(UI + ".app")
    finally:
        for name in _ui_modules():
            del sys.modules[name]
        sys.modules.update(saved)
        if UI in saved:
            studio.ui = saved[UI]  # type: ignore[attr-defined]
        set_language(before)


@pytest.fixture
def chinese_ui(monkeypatch, tmp_path_factory) -> Iterator[ModuleType]:
    """``studio.ui.app`` in Simplified Chinese (the catalogue compiled into a cache of the session's own)."""
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path_factory.getbasetemp() / "studio-cache"))
    with ui_in("zh") as app_module:
        pane = importlib.import_module(UI + ".screens.base").Pane
        monkeypatch.setattr(pane, "REFRESH_DELAY", 0.05)  # as tests/ui/conftest.py does for the English panes
        yield app_module
