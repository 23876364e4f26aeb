"""The C heap of a process running the numpy models: malloc arenas capped, freed memory given back
(glibc only; elsewhere both do nothing and say so)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from studio.semantic import heap

glibc = pytest.mark.skipif(heap._glibc() is None, reason="glibc's malloc only")


@glibc
def test_the_arena_cap_is_taken_and_zero_leaves_the_default(monkeypatch):
    monkeypatch.setenv("STUDIO_MALLOC_ARENAS", "2")
    assert heap.limit_arenas()
    monkeypatch.setenv("STUDIO_MALLOC_ARENAS", "0")
    assert not heap.limit_arenas()
    monkeypatch.setenv("STUDIO_MALLOC_ARENAS", "many")
    assert heap.arenas() == 2


@glibc
def test_freed_memory_goes_back_to_the_system():
    """A process that freed 200 MB of small blocks between blocks still used holds them in its heap
    until give_back returns them."""
    script = """
import ctypes
from studio.semantic import heap
def rss():
    return int(next(l for l in open("/proc/self/status") if l.startswith("RssAnon")).split()[1]) // 1024
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
blocks = [libc.malloc(4000) for _ in range(50000)]
for b in blocks:
    ctypes.memset(b, 1, 4000)
for i, b in enumerate(blocks):
    if i % 50:  # every 50th kept: what is freed lies between blocks still used, not at the heap's end
        libc.free(b)
held = rss()
given = heap.give_back()
print(held, rss(), given)
"""
    held, after, given = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                        check=True).stdout.split()
    assert given == "True" and int(held) - int(after) > 150, (held, after)
