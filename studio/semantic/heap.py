"""The C heap of a process that runs the numpy models: fewer malloc arenas, freed memory given back.

glibc's malloc gives each thread that allocates its own arena (up to eight per core), and an arena
keeps what was freed in it for its thread's next allocation. The studio's judge workers, the event
loop's worker threads and the language model each make and drop megabytes of numpy arrays, so with
an arena each the freed blocks pile up beside one another: the generate command measured 36 MB
higher at its peak than with two arenas. :func:`limit_arenas` caps them (``STUDIO_MALLOC_ARENAS``,
default 2; 0 leaves glibc's default), :func:`give_back` returns the free pages at the heaps' ends
and inside them to the system (``malloc_trim``) after a burst of work such as loading a model.
Elsewhere than glibc both do nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading

M_ARENA_MAX = -8  # mallopt's parameter, from glibc's malloc.h
_lock = threading.Lock()
_libc: ctypes.CDLL | None = None
_looked = False


def _glibc() -> ctypes.CDLL | None:
    global _libc, _looked
    with _lock:
        if not _looked:
            _looked = True
            if sys.platform.startswith("linux"):
                try:
                    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                    if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim"):
                        _libc = libc
                except OSError:
                    _libc = None
        return _libc


def arenas() -> int:
    raw = os.environ.get("STUDIO_MALLOC_ARENAS", "2").strip()
    return int(raw) if raw.isdigit() else 2


def limit_arenas() -> bool:
    """At most :func:`arenas` malloc arenas in this process from now on (threads started later share
    them); True when glibc took the setting."""
    libc, wanted = _glibc(), arenas()
    if libc is None or wanted == 0:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, wanted))


def give_back() -> bool:
    """Return the C heap's free pages to the system; True when some were."""
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False
