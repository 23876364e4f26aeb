"""The language of one ``studio`` run, chosen before the parser is built (so ``--help`` is
translated wherever ``--lang`` stands among the global options): ``--lang``, then the workspace's
``ui.language``, then LANGUAGE / LC_ALL / LC_MESSAGES / LANG."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence

from studio.config import CONFIG_FILE, ConfigError, load_config
from studio.i18n import LANGUAGES, choose_language, set_language
from studio.workspace import resolve_path


class _Unreadable(Exception):
    pass


class _Prescan(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Unreadable(message)


def _global_options(argv: Sequence[str]) -> argparse.Namespace:
    """``--lang`` and ``--workspace`` as given before the command; the real parser reports any mistake."""
    scan = _Prescan(add_help=False)  # abbreviations (--la zh) as the real parser takes them
    scan.add_argument("--lang")
    scan.add_argument("-w", "--workspace")
    scan.add_argument("rest", nargs=argparse.REMAINDER)
    try:
        return scan.parse_known_args(list(argv))[0]
    except _Unreadable:
        return argparse.Namespace(lang=None, workspace=None)


def configured_language(workspace: str | None) -> str | None:
    """The workspace's ``ui.language``; None when unset, or when config.toml cannot be read (the
    command itself then says what is wrong with it)."""
    try:
        return load_config(resolve_path(workspace) / CONFIG_FILE).ui.language
    except (ConfigError, OSError, ValueError):
        return None


def language_for(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> str:
    options = _global_options(argv)
    flag = options.lang if options.lang in LANGUAGES else None  # a wrong one: the parser's error
    configured = None if flag else configured_language(options.workspace)
    return choose_language(flag, configured, environ)


def apply_language(argv: Sequence[str]) -> str:
    """Choose this run's language from ``argv`` and the environment, and use it."""
    return set_language(language_for(argv))
