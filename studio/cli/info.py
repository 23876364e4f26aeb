"""``studio init`` and ``studio info``."""

from __future__ import annotations

import argparse
from typing import Any

from studio.cli.common import describe_mix, print_json, print_pairs, warn, workspace
from studio.i18n import N_, _, ngettext
from studio.semantic import lm
from studio.semantic.encoder import EncoderError, ensure_model
from studio.synth.topics import seed_topics
from studio.workspace import create, resolve_path

#: The store's tables as ``studio info`` names them.
TABLES = {"topics": N_("topics"), "dialogues": N_("dialogues"), "runs": N_("runs"), "calls": N_("calls"),
          "jobs": N_("jobs"), "evals": N_("evals"), "eval_sets": N_("eval_sets"), "votes": N_("votes"),
          "snapshots": N_("snapshots")}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init")
    p.add_argument("dir", nargs="?", help=_("folder for the workspace (default: --workspace or the default)"))
    p.add_argument("--no-seed", action="store_true", help=_("do not add the shipped topics"))
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("info")
    p.add_argument("--json", action="store_true", help=_("print stable JSON"))
    p.set_defaults(handler=cmd_info)


def cmd_init(args: argparse.Namespace) -> int:
    if args.dir:
        args.workspace = args.dir
    path = resolve_path(args.workspace)
    fresh = create(path)
    with workspace(args) as ws:
        seeded = 0 if args.no_seed or not ws.store.created else seed_topics(ws.store)
        topics = ws.store.topics.count()
    print((_("workspace created {path}") if fresh else _("workspace already exists: {path}")).format(path=path))
    if seeded:
        print(ngettext("added {n} topic from the shipped topic bank", "added {n} topics from the shipped topic bank",
                       seeded).format(n=seeded))
    try:
        model = ensure_model()
        print(_("off-topic check: sentence model ready in {folder}").format(folder=model))
        print(_("off-topic check: language model ready in {folder}").format(folder=lm.ensure_model()))
        lm.load()  # its tokenizer built and kept: the first judged answer waits for nothing
    except EncoderError as exc:  # the workspace is made; the check will say the same when it runs
        warn(exc)
    print(ngettext("{n} topic. Next: studio topics list, or run `studio` to open the studio.",
                   "{n} topics. Next: studio topics list, or run `studio` to open the studio.", topics).format(n=topics))
    return 0


def info_dict(ws) -> dict[str, Any]:
    mix = ws.config.target_mix
    return {
        "workspace": str(ws.root),
        "schema_version": ws.store.schema_version,
        "counts": ws.store.counts(),
        "teacher": ws.config.studio.teacher,
        "student": ws.config.studio.student,
        "providers": sorted(ws.config.providers),
        "mix": {k.value: w for k, w in mix.weights.items()},
        "mix_shares": {k.value: round(s, 6) for k, s in mix.shares().items()},
        "sessions": ws.store.sessions(),
    }


def cmd_info(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        data = info_dict(ws)
        mix_line = describe_mix(ws.config.target_mix)
    if args.json:
        print_json(data)
        return 0
    print_pairs([(_("workspace"), data["workspace"]), (_("schema version"), data["schema_version"]),
                 *((_(TABLES.get(name, name)), count) for name, count in data["counts"].items()),
                 (_("teacher"), data["teacher"]), (_("student"), data["student"]), (_("mix"), mix_line),
                 *((_("open in"), _("PID {pid} ({host}, since {since})").format(**s)) for s in data["sessions"])])
    return 0
