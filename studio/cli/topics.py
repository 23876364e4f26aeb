"""``studio topics …``: list, add, edit, import, export, expand, rejected, accept, rm.

Every way in passes the near-duplicate guard; a refusal names the nearest topic and the score, and
``--force`` keeps the topic anyway (never a copy that is the same text once punctuation is folded).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from studio.cli.common import clip, print_json, print_table, workspace
from studio.synth import topics as service
from studio.synth.options import EXPAND
from studio.synth.topic_guard import DEFAULT_THRESHOLD

FORCE = "keep it even if it is a near-duplicate of a stored topic"
THRESHOLD = f"similarity at or above which a topic is a near-duplicate (default {DEFAULT_THRESHOLD})"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("topics", help="manage conversation topics")
    tsub = p.add_subparsers(dest="topics_command", metavar="ACTION", required=True)

    q = tsub.add_parser("list", help="list topics")
    q.add_argument("--json", action="store_true", help="print stable JSON")
    q.set_defaults(handler=cmd_list)

    q = tsub.add_parser("add", help="add one topic")
    q.add_argument("text", help="the scenario, in Chinese")
    q.add_argument("--title", default="", help="short English title")
    q.add_argument("--name-zh", default="", help="short Chinese name (the teacher's off-topic redirect uses it)")
    q.add_argument("--tags", default="", help="comma-separated tags")
    q.add_argument("--force", action="store_true", help=FORCE)
    q.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help=THRESHOLD)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_add)

    q = tsub.add_parser("edit", help="change a topic's text, titles or tags")
    q.add_argument("id")
    q.add_argument("--text", help="the new scenario (passes the near-duplicate guard)")
    q.add_argument("--title", help="short English title")
    q.add_argument("--name-zh", help="short Chinese name")
    q.add_argument("--tags", help="comma-separated tags")
    q.add_argument("--force", action="store_true", help=FORCE)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_edit)

    q = tsub.add_parser("import", help="import topics: text (one per line), JSONL ('topic' field) or CSV ('topic' column)")
    q.add_argument("file", type=Path)
    q.add_argument("--force", action="store_true", help="import near-duplicates too (copies are still skipped)")
    q.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help=THRESHOLD)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_import)

    q = tsub.add_parser("export", help="write all topics to FILE (.jsonl, .csv, .tsv or text)")
    q.add_argument("file", type=Path)
    q.set_defaults(handler=cmd_export)

    q = tsub.add_parser("expand", help="self-instruct new topics from the pool, turning away near-duplicates")
    EXPAND.add_to(q)
    q.set_defaults(handler=cmd_expand)

    q = tsub.add_parser("rejected", help="list expansion candidates turned away (each once), with their nearest topic")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_rejected)

    q = tsub.add_parser("accept", help="take a rejected candidate into the pool after all (titles and parents kept)")
    q.add_argument("id", help="the candidate's id (see: studio topics rejected)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_accept)

    q = tsub.add_parser("rm", help="remove a topic")
    q.add_argument("id")
    q.add_argument("--force", action="store_true", help="remove even if dialogues use it")
    q.set_defaults(handler=cmd_rm)


def topic_json(t) -> dict[str, object]:
    return t.model_dump(mode="json")


def cmd_list(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        topics = sorted(ws.store.topics.all(), key=lambda t: (t.created, t.id))
    if args.json:
        print_json({"topics": [topic_json(t) for t in topics]})
        return 0
    rows = [(t.id, t.source.value, "yes" if t.enabled else "no", clip(t.title, 24), clip(t.name_zh, 10),
             clip(t.text, 40)) for t in topics]
    print_table(["ID", "SOURCE", "ON", "TITLE", "NAME", "TOPIC"], rows)
    print(f"\n{len(topics)} topics")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    tags = [t.strip() for t in args.tags.split(",") if t.strip()]
    with workspace(args) as ws:
        topic = service.add_topic(ws.store, args.text, title=args.title, name_zh=args.name_zh, tags=tags,
                                  force=args.force, threshold=args.threshold)
    if args.json:
        print_json(topic_json(topic))
    else:
        print(f"added {topic.id}")
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    fields: dict[str, Any] = {}
    if args.text is not None:
        fields["text"] = args.text
    if args.title is not None:
        fields["title"] = args.title.strip()
    if args.name_zh is not None:
        fields["name_zh"] = args.name_zh.strip()
    if args.tags is not None:
        fields["tags"] = [t.strip() for t in args.tags.split(",") if t.strip()]
    if not fields:
        raise ValueError("nothing to change: give --text, --title, --name-zh or --tags")
    with workspace(args) as ws:
        topic = service.update_topic(ws.store, args.id, force=args.force, **fields)
    if args.json:
        print_json(topic_json(topic))
    else:
        print(f"saved {topic.id}")
    return 0


def _refused_json(r: service.Refused) -> dict[str, object]:
    return {"line": r.line, "topic": r.text, "nearest_id": r.match.id, "nearest": r.match.text,
            "similarity": r.match.score, "measure": r.match.measure}


def cmd_import(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        report = service.import_topics(ws.store, args.file, force=args.force, threshold=args.threshold)
    if args.json:
        print_json({
            "added": [t.id for t in report.added],
            "duplicates": [_refused_json(r) for r in report.duplicates],
            "forced": [_refused_json(r) for r in report.forced],
        })
        return 0
    print(f"imported {len(report.added)} topics from {args.file}")
    for r in report.duplicates:
        print(f"  skipped {args.file}:{r.line}: {clip(r.text, 40)} — {r.match.explain()}")
    for r in report.forced:
        print(f"  kept (--force) {args.file}:{r.line}: {clip(r.text, 40)} — {r.match.explain()}")
    if report.duplicates and not args.force and any(not r.match.identical for r in report.duplicates):
        print("  (import the near-duplicates anyway with --force)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        count = service.export_topics(ws.store, args.file)
    print(f"wrote {count} topics to {args.file}")
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        topic = service.remove_topic(ws.store, args.id, force=args.force)
    print(f"removed {topic.id}: {clip(topic.text, 50)}")
    return 0


def cmd_expand(args: argparse.Namespace) -> int:
    import asyncio
    import sys

    from studio.llm.registry import build_client
    from studio.synth.expand import expand
    from studio.turn.prompts import Prompts

    with workspace(args) as ws:
        client = build_client(ws.config, ws.secrets, args.provider or ws.config.studio.teacher, store=ws.store,
                              workspace=ws.root, seed=args.seed)

        def progress(report) -> None:
            if not args.json:
                print(f"round {report.rounds}: {len(report.accepted)}/{args.n} accepted, "
                      f"{len(report.rejected)} turned away", file=sys.stderr)

        async def run():
            try:
                return await expand(ws.store, client, Prompts(ws.root), args.n, threshold=args.threshold,
                                    examples=args.examples, seed=args.seed, on_round=progress)
            finally:
                await client.aclose()

        report = asyncio.run(run())
    if args.json:
        print_json({"accepted": [topic_json(t) for t in report.accepted],
                    "rejected": [r.model_dump(mode="json") for r in report.rejected],
                    "rounds": report.rounds, "note": report.note, "untitled": report.untitled})
    else:
        print(f"added {len(report.accepted)} topics in {report.rounds} rounds; {len(report.rejected)} near-duplicates "
              "turned away (see: studio topics rejected)")
        if report.untitled:
            print(f"note: {report.untitled} new topics still lack a Chinese name or an English title (the model gave "
                  "none); set them with: studio topics edit ID --title … --name-zh …")
        if report.note:
            print(f"note: {report.note}")
    return 0 if not report.note else 1


def cmd_rejected(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        rejected = service.rejected_once(ws.store)
    if args.json:
        print_json({"rejected": [r.model_dump(mode="json") for r in rejected]})
        return 0
    if not rejected:
        print("no candidates turned away (topics expand keeps those it refuses here)")
        return 0
    print_table(["ID", "TIMES", "SIM.", "BY", "CANDIDATE", "NEAREST / REASON"],
                [(r.id, r.count, f"{r.similarity:.2f}" if r.nearest_text else "-", r.measure or "-", clip(r.text, 34),
                  clip(r.nearest_text or r.reason, 34)) for r in rejected])
    times = sum(r.count for r in rejected)
    print(f"\n{len(rejected)} candidates turned away ({times} proposals); keep one with: studio topics accept ID")
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        topic = service.accept_rejected(ws.store, args.id)
    if args.json:
        print_json(topic_json(topic))
    else:
        print(f"accepted {args.id} as topic {topic.id}")
    return 0
