"""The panes, in tab order: mode name -> (number key, function key, label)."""

from __future__ import annotations

from studio.i18n import _

PANES = {"topics": ("1", "f2", _("Topics")), "simulate": ("2", "f3", _("Simulate")),
         "samples": ("3", "f4", _("Samples")), "dashboard": ("4", "f5", _("Dashboard")), "jobs": ("5", "f6", _("Jobs")),
         "eval": ("6", "f7", _("Eval"))}
