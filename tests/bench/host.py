"""What the host did while a benchmark ran, printed at its end: the load average before and after, and
the share of the CPU time the hypervisor gave to other machines (*steal*, the eighth field of the
``cpu`` line of ``/proc/stat``; see proc(5)). A virtual machine's wall-clock figures mean little
when the host steals a third of its CPU time, which the load average does not show."""

from __future__ import annotations

import atexit
import os
from pathlib import Path

STAT = Path("/proc/stat")


def _ticks() -> tuple[int, int] | None:
    """(steal, all) CPU ticks since boot, or None where ``/proc/stat`` is not there (not Linux)."""
    try:
        fields = STAT.read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    values = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
    return (values[7] if len(values) > 7 else 0), sum(values)


def summary(load: float, start: tuple[int, int] | None) -> str:
    """The line :func:`report_at_exit` prints."""
    line = f"host: load average {load:.2f} before, {os.getloadavg()[0]:.2f} after"
    end = _ticks()
    if start is None or end is None or end[1] <= start[1]:
        return line + "; CPU time stolen by the host: — (no /proc/stat)"
    stolen, total = end[0] - start[0], end[1] - start[1]
    return line + f"; CPU time stolen by the host: {100 * stolen / total:.1f} % ({stolen:,} of {total:,} ticks)"


def report_at_exit() -> None:
    """Print :func:`summary` when the benchmark ends, measured from now."""
    load, start = os.getloadavg()[0], _ticks()
    atexit.register(lambda: print("\n" + summary(load, start)))
