"""``studio init`` and ``studio info``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from studio.cli.common import print_json, workspace
from studio.semantic import lm
from studio.semantic.encoder import EncoderError, ensure_model
from studio.synth.topics import seed_topics
from studio.workspace import create, resolve_path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="create a workspace (seeded with the shipped topic bank)")
    p.add_argument("dir", nargs="?", help="folder for the workspace (default: --workspace or the default)")
    p.add_argument("--no-seed", action="store_true", help="do not add the shipped topics")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("info", help="show the workspace, its counts and schema version")
    p.add_argument("--json", action="store_true", help="print stable JSON")
    p.set_defaults(handler=cmd_info)


def cmd_init(args: argparse.Namespace) -> int:
    if args.dir:
        args.workspace = args.dir
    path = resolve_path(args.workspace)
    fresh = create(path)
    with workspace(args) as ws:
        seeded = 0 if args.no_seed else seed_topics(ws.store)
        topics = ws.store.topics.count()
    verb = "created" if fresh else "already exists:"
    print(f"workspace {verb} {path}")
    if seeded:
        print(f"added {seeded} topics from the shipped topic bank")
    try:
        model = ensure_model()
        print(f"off-topic check: sentence model ready in {model}")
        print(f"off-topic check: language model ready in {lm.ensure_model()}")
        lm.load()  # its tokenizer built and kept: the first judged answer waits for nothing
    except EncoderError as exc:  # the workspace is made; the check will say the same when it runs
        print(f"warning: {exc}", file=sys.stderr)
    print(f"{topics} topics. Next: studio topics list, or run `studio` to open the studio.")
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
    }


def cmd_info(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        data = info_dict(ws)
        mix_line = ws.config.target_mix.describe()
    if args.json:
        print_json(data)
        return 0
    print(f"workspace       {data['workspace']}")
    print(f"schema version  {data['schema_version']}")
    for name, count in data["counts"].items():
        print(f"{name:<15} {count}")
    print(f"teacher         {data['teacher']}")
    print(f"student         {data['student']}")
    print(f"mix             {mix_line}")
    return 0
