"""``studio prompts diff``: a workspace's prompt templates against the original tutorial's."""

from __future__ import annotations

import argparse
import difflib
import sys

from rich.cells import cell_len

from studio.cli.common import CliError, print_json
from studio.domain.messages import Message
from studio.i18n import N_, _
from studio.turn.prompts import NAMES, TUTORIAL_NAMES, Prompts, tutorial_template
from studio.workspace import is_workspace, resolve_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prompts")
    psub = p.add_subparsers(dest="prompts_command", metavar="ACTION", required=True)
    d = psub.add_parser("diff", help=_("unified diff: the tutorial's prompt (---) against the one in use (+++)"),
                        description=_("Shows, for each template the tutorial has, how the prompt this workspace "
                                      "sends differs from the tutorial's (a workspace's prompts/NAME.txt replaces "
                                      "the shipped one). Exit status 0 either way."))
    d.add_argument("names", nargs="*", metavar="NAME", help=_("templates to compare (default: all of {names})").format(
        names=", ".join(TUTORIAL_NAMES)))
    d.add_argument("--against", choices=("tutorial", "shipped"), default="tutorial",
                   help=_("compare with the tutorial's prompts (default) or with the studio's shipped defaults"))
    d.add_argument("--stat", action="store_true", help=_("one line per template: lines added and removed"))
    d.add_argument("--json", action="store_true", help=_("stable JSON: [{name, source, added, removed, diff}]"))
    d.set_defaults(handler=cmd_diff)


def cmd_diff(args: argparse.Namespace) -> int:
    root = resolve_path(args.workspace)
    folder = root if is_workspace(root) else None
    if folder is None:
        print(_("note: no workspace at {folder}; comparing the shipped prompts").format(folder=root), file=sys.stderr)
    ours, shipped = Prompts(folder), Prompts(None)
    known = TUTORIAL_NAMES if args.against == "tutorial" else NAMES
    names = args.names or list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        given, choices = ", ".join(repr(n) for n in unknown), ", ".join(known)
        if args.against == "tutorial":
            raise CliError(Message("prompts.unknown-tutorial", N_("no tutorial prompt named {names} (known: {known})"),
                                   names=given, known=choices))
        raise CliError(Message("prompts.unknown", N_("no prompt named {names} (known: {known})"), names=given,
                               known=choices))
    rows = []
    for name in names:
        base = tutorial_template(name) if args.against == "tutorial" else shipped.template(name)
        label = f"tutorial/{name}.txt" if args.against == "tutorial" else f"shipped data/prompts/{name}.txt"
        lines = list(difflib.unified_diff(base.splitlines(), ours.template(name).splitlines(),
                                          fromfile=label, tofile=ours.source(name), lineterm=""))
        added = sum(1 for ln in lines if ln.startswith("+") and not ln.startswith("+++"))
        removed = sum(1 for ln in lines if ln.startswith("-") and not ln.startswith("---"))
        rows.append({"name": name, "source": ours.source(name), "added": added, "removed": removed,
                     "diff": "\n".join(lines)})
    if args.json:
        print_json(rows)
    elif args.stat:
        width = max(len(r["name"]) for r in rows)
        for r in rows:
            same = _("identical") if not r["diff"] else f"+{r['added']} -{r['removed']}"
            print(f"{r['name']:<{width}}  {same}{' ' * max(10 - cell_len(same), 0)}  {r['source']}")
    else:
        identical = (_("=== {name}: identical to the tutorial's") if args.against == "tutorial" else
                     _("=== {name}: identical to the shipped's"))
        for r in rows:
            print(r["diff"] if r["diff"] else identical.format(name=r["name"]))
            print()
    return 0
