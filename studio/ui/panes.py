"""The panes, in tab order: mode name -> (number key, function key, label)."""

from __future__ import annotations

PANES = {"topics": ("1", "f2", "Topics"), "simulate": ("2", "f3", "Simulate"), "samples": ("3", "f4", "Samples"),
         "dashboard": ("4", "f5", "Dashboard"), "jobs": ("5", "f6", "Jobs"), "eval": ("6", "f7", "Eval")}
