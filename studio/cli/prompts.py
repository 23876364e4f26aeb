"""``studio prompts diff``: a workspace's prompt templates against the original tutorial's."""

from __future__ import annotations

import argparse
import difflib
import sys

from studio.cli.common import CliError, print_json
from studio.turn.prompts import NAMES, TUTORIAL_NAMES, Prompts, tutorial_template
from studio.workspace import is_workspace, resolve_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("prompts", help="compare the prompt templates in use with the original tutorial's")
    psub = p.add_subparsers(dest="prompts_command", metavar="ACTION", required=True)
    d = psub.add_parser("diff", help="unified diff: the tutorial's prompt (---) against the one in use (+++)",
                        description="Shows, for each template the tutorial has, how the prompt this workspace "
                                    "sends differs from the tutorial's (a workspace's prompts/NAME.txt replaces "
                                    "the shipped one). Exit status 0 either way.")
    d.add_argument("names", nargs="*", metavar="NAME", help=f"templates to compare (default: all of "
                                                            f"{', '.join(TUTORIAL_NAMES)})")
    d.add_argument("--against", choices=("tutorial", "shipped"), default="tutorial",
                   help="compare with the tutorial's prompts (default) or with the studio's shipped defaults")
    d.add_argument("--stat", action="store_true", help="one line per template: lines added and removed")
    d.add_argument("--json", action="store_true", help="stable JSON: [{name, source, added, removed, diff}]")
    d.set_defaults(handler=cmd_diff)


def cmd_diff(args: argparse.Namespace) -> int:
    root = resolve_path(args.workspace)
    folder = root if is_workspace(root) else None
    if folder is None:
        print(f"note: no workspace at {root}; comparing the shipped prompts", file=sys.stderr)
    ours, shipped = Prompts(folder), Prompts(None)
    known = TUTORIAL_NAMES if args.against == "tutorial" else NAMES
    names = args.names or list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CliError(f"no {'tutorial ' if args.against == 'tutorial' else ''}prompt named "
                       f"{', '.join(repr(n) for n in unknown)} (known: {', '.join(known)})")
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
            same = "identical" if not r["diff"] else f"+{r['added']} -{r['removed']}"
            print(f"{r['name']:<{width}}  {same:<10}  {r['source']}")
    else:
        for r in rows:
            print(r["diff"] if r["diff"] else f"=== {r['name']}: identical to the {args.against}'s")
            print()
    return 0
