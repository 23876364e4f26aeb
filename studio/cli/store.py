"""``studio store recover``: rebuild a store whose files disagree, keeping every old file aside."""

from __future__ import annotations

import argparse

from studio.cli.common import print_json, warn
from studio.cli.info import TABLES
from studio.domain.messages import N_, Message
from studio.i18n import _, told
from studio.store.recover import recover
from studio.workspace import WorkspaceMissing, is_workspace, resolve_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("store")
    ssub = p.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    q = ssub.add_parser("recover", help=_("rebuild the store from its snapshot, backup and journals, check it and "
                                          "derive run totals again; the old files are kept in recovered-<time>/"))
    q.add_argument("--partial", action="store_true",
                   help=_("when the files cannot be joined completely, keep what can be read (and say what could "
                          "not)"))
    q.add_argument("--json", action="store_true", help=_("print stable JSON"))
    q.set_defaults(handler=cmd_recover)


def cmd_recover(args: argparse.Namespace) -> int:
    path = resolve_path(args.workspace)
    if not is_workspace(path) and not any(path.glob("studio.json*")):
        raise WorkspaceMissing(Message("workspace.missing", N_("{path} is not a Kouyu Studio workspace; run: studio "
                                                               "init {path}"), path=path))
    result = recover(path, partial=args.partial)
    if args.json:
        print_json({"used": result.used, "complete": result.complete, "kept": str(result.kept),
                    "counts": result.counts, "missing": [told(m) for m in result.missing],
                    "totals": [{"run": f.run_id, "field": f.field, "recorded": f.recorded, "derived": f.derived}
                               for f in result.totals]})
        return 0
    print(_("store rebuilt from {files}; the old files are kept in {kept}").format(
        files=" + ".join(result.used) or "-", kept=result.kept))
    print(", ".join(f"{_(TABLES[name])} {n}" for name, n in result.counts.items() if name in TABLES))
    for fix in result.totals:
        text = (_("run {run}: {recorded} completed dialogues recorded, {derived} stored; corrected")
                if fix.field == "completed" else
                _("run {run}: {recorded} failed dialogues recorded, {derived} stored; corrected"))
        print(text.format(run=fix.run_id, recorded=fix.recorded, derived=fix.derived))
    if not result.complete:
        warn(Message("recover.partial", N_("partial rebuild: {why}"),
                     why="; ".join(told(m) for m in result.missing)))
    if not result.totals:
        print(_("every run's totals agree with its dialogues"))
    return 0
