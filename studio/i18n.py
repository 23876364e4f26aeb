"""The studio's text in the user's language: gettext catalogues and the choice of language.

Mark a user-facing string where it is written; the English text is the message id:

* ``_("Samples")`` translates now, in the language chosen: where the text is shown, or in code that
  runs after the language is chosen: the parser ``studio.cli.main`` builds, and everything in
  ``studio.ui``, class bodies too (``Binding("q", "quit", _("Quit"))``), since the CLI imports the
  app only once the language is chosen;
* ``_l("Quit")`` is a lazy text for a module-level constant below the UI (an argparse help, a form
  label declared once): it becomes the translation each time it is made a ``str`` (``str()``,
  f-strings, ``%``, ``+``, ``format``). It is not a ``str``: hand Textual and Rich ``str(value)``
  (Rich's markup parser refuses anything else);
* ``ngettext("{n} sample", "{n} samples", n).format(n=n)`` for a count, ``pgettext(context, text)``
  where one English word needs two translations;
* ``N_("...")`` only marks a string for the catalogue; translate it later with ``_(value)``;
* ``told(exc)`` is an error in the current language: below the UI and CLI an error the user reads
  carries a ``studio.domain.messages.Message`` (a code, the English template, its parameters),
  translated only where it is shown.

Placeholders are ``{name}`` fields filled after translation, so a translator may move them.
The language is ``en`` (the message ids themselves) or ``zh`` (Simplified Chinese, the catalogue
``locale/zh_CN``). It is chosen once per run by ``choose_language`` (``--lang``, then the
workspace's ``ui.language``, then the environment) and set with ``set_language``.

Catalogues: ``locale/<locale>/LC_MESSAGES/studio.po`` in a source checkout, compiled with Babel
on first use into the user cache (keyed by the .po's content, so an edited .po is recompiled);
a wheel carries the compiled ``studio.mo`` instead (hatch_build.py). This module imports nothing
of the studio's, so every layer above ``studio.domain`` may use it; the domain stays pure and
exposes ids and English text that the layer showing them translates.
"""

from __future__ import annotations

import gettext as _gettext
import hashlib
import io
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DOMAIN = "studio"
LANGUAGES = ("en", "zh")
DEFAULT = "en"
#: The catalogue each language reads (English is the message ids: no catalogue).
LOCALES = {"zh": "zh_CN"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: Extraction keywords besides Babel's defaults (``_``, ``gettext``, ``ngettext``, ``pgettext``, ``N_``, …).
EXTRA_KEYWORDS = {"_l": None}

#: Environment variables that name the language, in gettext's order: the first one set decides.
ENV_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_state: dict[str, Any] = {"language": DEFAULT, "translations": _gettext.NullTranslations()}


# --- choosing the language --------------------------------------------------------------------

def language_of(tag: str) -> str | None:
    """``en`` or ``zh`` for a locale or language tag (``zh_CN.UTF-8``, ``zh-TW``, ``en_US``, ``C``);
    None when the tag names another language. Every Chinese variant reads Simplified Chinese."""
    tag = tag.strip().lower()
    if tag.startswith("zh"):
        return "zh"
    if tag.startswith("en") or tag in ("c", "posix") or tag.startswith(("c.", "posix.")):
        return "en"
    return None


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the environment asks for: the first of LANGUAGE (a colon-separated list: its
    first entry in English or Chinese), LC_ALL, LC_MESSAGES and LANG that is set decides; ``C``,
    ``POSIX``, another language or nothing set is English."""
    environ = os.environ if environ is None else environ
    for name in ENV_VARS:
        value = environ.get(name, "").strip()
        if not value:
            continue
        for tag in value.split(":") if name == "LANGUAGE" else [value]:
            found = language_of(tag) if tag else None
            if found:
                return found
        return DEFAULT
    return DEFAULT


def choose_language(flag: str | None = None, configured: str | None = None,
                    environ: Mapping[str, str] | None = None) -> str:
    """``--lang`` first, then the workspace's ``ui.language``, then the environment."""
    for given in (flag, configured):
        if given:
            found = language_of(given)
            if found is None:
                raise ValueError(f"unknown language '{given}' (choose from: {', '.join(LANGUAGES)})")
            return found
    return language_from_environment(environ)


# --- the catalogues ---------------------------------------------------------------------------

class CatalogueMissing(RuntimeError):
    """A language's catalogue is neither compiled nor compilable here."""


def cache_root() -> Path:
    """``STUDIO_CACHE`` when set, else the platform's user cache folder (as studio.wheels)."""
    from platformdirs import user_cache_dir

    return Path(os.environ.get("STUDIO_CACHE") or user_cache_dir("kouyu-studio"))


def compile_po(po: Path) -> bytes:
    """A .po file compiled to .mo bytes with Babel (fuzzy entries left out)."""
    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
    except ImportError:
        raise CatalogueMissing(f"{po}: compiling it needs Babel (pip install babel)") from None
    with po.open("rb") as handle:
        catalog = read_po(handle, abort_invalid=True)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def compiled_catalogue(language: str, locale_dir: Path | None = None) -> bytes:
    """The .mo bytes for ``language``: from its .po (a source checkout), compiled once into the
    cache under a name made of the .po's digest, or the .mo a wheel ships when there is no .po."""
    base = (locale_dir or LOCALE_DIR) / LOCALES[language] / "LC_MESSAGES"
    po, mo = base / f"{DOMAIN}.po", base / f"{DOMAIN}.mo"
    if not po.exists():
        if mo.exists():
            return mo.read_bytes()
        raise CatalogueMissing(f"no catalogue for '{language}': neither {po} nor {mo}")
    source = po.read_bytes()
    cached = cache_root() / "locale" / f"{LOCALES[language]}-{hashlib.sha256(source).hexdigest()[:16]}.mo"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    data = compile_po(po)
    try:  # the cache is a convenience: an unwritable one costs a compile per run, nothing else
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(data)
        partial.replace(cached)
    except OSError:
        pass
    return data


def load_translations(language: str, locale_dir: Path | None = None) -> _gettext.NullTranslations:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language '{language}' (choose from: {', '.join(LANGUAGES)})")
    if language not in LOCALES:
        return _gettext.NullTranslations()
    return _gettext.GNUTranslations(io.BytesIO(compiled_catalogue(language, locale_dir)))


def set_language(language: str, locale_dir: Path | None = None) -> str:
    """Use ``language`` from now on. A catalogue that cannot be read leaves English, with one
    line on stderr saying why; returns the language in use."""
    try:
        translations = load_translations(language, locale_dir)
    except (CatalogueMissing, OSError) as exc:
        print(f"warning: showing English: {exc}", file=sys.stderr)
        language, translations = DEFAULT, _gettext.NullTranslations()
    _state["language"], _state["translations"] = language, translations
    return language


def current_language() -> str:
    return str(_state["language"])


# --- marking and translating ------------------------------------------------------------------

def _(message: str) -> str:
    """``message`` in the current language."""
    return str(_state["translations"].gettext(message))


gettext = _


def ngettext(singular: str, plural: str, n: int) -> str:
    return str(_state["translations"].ngettext(singular, plural, n))


def pgettext(context: str, message: str) -> str:
    return str(_state["translations"].pgettext(context, message))


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue and returns it untranslated."""
    return message


class LazyText:
    """A message translated each time it is used as text (see ``_l``)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __str__(self) -> str:
        return _(self.message)

    def __repr__(self) -> str:
        return f"_l({self.message!r})"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __mod__(self, values: object) -> str:
        return str(self) % values

    def __add__(self, other: object) -> str:
        return str(self) + str(other)

    def __radd__(self, other: object) -> str:
        return str(other) + str(self)

    def __len__(self) -> int:
        return len(str(self))

    def __bool__(self) -> bool:
        return bool(self.message)

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def __eq__(self, other: object) -> bool:  # two lazy texts of one message; compare str() with a str
        return self.message == other.message if isinstance(other, LazyText) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.message)

    def __getattr__(self, name: str) -> Any:  # str's methods: .strip(), .splitlines(), …
        if name.startswith("__") or name == "message":
            raise AttributeError(name)
        return getattr(str(self), name)


def _l(message: str) -> LazyText:
    """A lazy translation of ``message``, for text defined before the language is chosen."""
    return LazyText(message)


def text(value: object) -> str:
    """A lazy text, or anything else, as the ``str`` to show now."""
    return str(value)


def _message(value: object) -> Any:
    """The message (``studio.domain.messages.Message``: ``template`` and ``params``) that ``value``
    is, or that an exception carries as its only argument; None for anything else."""
    if isinstance(value, BaseException):
        told_as = getattr(value, "told_as", None)  # an error that says itself otherwise than by its argument
        value = told_as() if callable(told_as) else value.args[0] if len(value.args) == 1 else None
    template, params = getattr(value, "template", None), getattr(value, "params", None)
    return value if isinstance(template, str) and isinstance(params, Mapping) else None


def told(value: object) -> str:
    """What the user reads of ``value`` in the current language: a message (or an exception that
    carries one) translated, then filled with its parameters, each one that is itself a message
    told the same way; a lazy text, another exception or anything else as its ``str``."""
    message = _message(value)
    if message is None:
        return str(value)
    params = {name: told(v) if isinstance(v, BaseException | LazyText) or _message(v) is not None else v
              for name, v in message.params.items()}
    try:
        return _(message.template).format(**params)
    except (KeyError, IndexError, ValueError):  # a translation that lost a field: the English line
        return str(message.template).format(**params)
