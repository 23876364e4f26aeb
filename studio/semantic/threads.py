"""One BLAS thread for the studio's numpy models, in every process (the CLI, the TUI, test workers).

The sentence model and the word vectors multiply small matrices, a sentence at a time or a short
batch: numpy's OpenBLAS sizes its pool to every core by default, and on a busy machine its threads
spin waiting for each other — a sentence encode measured 177–300 CPU-ms instead of 13 under load.
Parallel judging comes from the judge's own workers (:mod:`studio.synth.judging`), each on one
thread. ``threadpoolctl`` limits the BLAS libraries numpy has loaded (it must run after numpy is
imported, which this module does); OpenMP pools (torch's, for fine-tuning and local models) are left
alone. ``STUDIO_BLAS_THREADS`` sets another limit.
"""

from __future__ import annotations

import os
import threading

import numpy  # noqa: F401 - loaded first, so its BLAS is there to be limited

_lock = threading.Lock()
_limited: object | None = None


def blas_threads() -> int:
    raw = os.environ.get("STUDIO_BLAS_THREADS", "1").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


def pin_blas() -> None:
    """Limit numpy's BLAS to :func:`blas_threads` threads, for the whole process (once)."""
    global _limited
    with _lock:
        if _limited is not None:
            return
        from threadpoolctl import threadpool_limits

        _limited = threadpool_limits(limits=blas_threads(), user_api="blas")


def blas_pool_sizes() -> list[int]:
    """The thread count of each BLAS library loaded in this process (what a test checks)."""
    from threadpoolctl import threadpool_info

    return [int(i["num_threads"]) for i in threadpool_info() if i.get("user_api") == "blas"]
