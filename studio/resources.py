"""Files shipped with the studio: prompt templates, banks and defaults (data/), styles (styles/).

In a wheel they live inside the package (``studio/_data``, ``studio/_styles``); in a source
checkout they are the top-level ``data/`` and ``styles/`` folders.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


@cache
def _root(packaged: str, source: str) -> Traversable:
    inside = resources.files("studio").joinpath(packaged)
    if inside.is_dir():
        return inside
    checkout = Path(__file__).resolve().parent.parent / source
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"the studio's {source}/ folder is missing from this installation")


def data_file(name: str) -> Traversable:
    return _root("_data", "data").joinpath(name)


def style_file(name: str) -> Traversable:
    return _root("_styles", "styles").joinpath(name)


def read_data(name: str) -> str:
    return data_file(name).read_text(encoding="utf-8")
