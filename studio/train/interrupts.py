"""Holding ctrl-C back over a few lines that must run together.

A job's processes are started and then recorded in the store; a ctrl-C between the two would leave a
trainer running that nothing knows of (the interrupted command cancels the jobs it finds recorded).
:func:`deferred` swaps the Python-level handlers of SIGINT and SIGTERM for one that only notes the
signal, and hands a noted signal to the handler it replaced once the block is done. Only the handlers
change, not the signal mask, so a process started inside the block gets its signals as usual (exec
resets handled signals to their default; a blocked mask would be inherited).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def deferred() -> Iterator[None]:
    """The block runs to its end; a SIGINT or SIGTERM that came meanwhile is acted on after it (by the
    handler it would have met). Outside the main thread (where signals are never handled) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[tuple[int, FrameType | None]] = []
    replaced: dict[signal.Signals, Callable[[int, FrameType | None], object]] = {}
    for signum in HELD:
        current = signal.getsignal(signum)
        if callable(current):  # a Python handler (the default SIGINT one raises KeyboardInterrupt)
            replaced[signum] = current
            signal.signal(signum, lambda n, frame: noted.append((n, frame)))
    try:
        yield
    finally:
        for signum, handler in replaced.items():
            signal.signal(signum, handler)
        if noted:
            number, frame = noted[0]
            replaced[signal.Signals(number)](number, frame)
