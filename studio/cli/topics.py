"""``studio topics …``: list, add, import, export, rm."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.cli.common import clip, print_json, print_table, workspace
from studio.synth import topics as service


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("topics", help="manage conversation topics")
    tsub = p.add_subparsers(dest="topics_command", metavar="ACTION", required=True)

    q = tsub.add_parser("list", help="list topics")
    q.add_argument("--json", action="store_true", help="print stable JSON")
    q.set_defaults(handler=cmd_list)

    q = tsub.add_parser("add", help="add one topic")
    q.add_argument("text", help="the scenario, in Chinese")
    q.add_argument("--title", default="", help="short English title")
    q.add_argument("--tags", default="", help="comma-separated tags")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_add)

    q = tsub.add_parser("import", help="import topics: text (one per line), JSONL ('topic' field) or CSV ('topic' column)")
    q.add_argument("file", type=Path)
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_import)

    q = tsub.add_parser("export", help="write all topics to FILE (.jsonl, .csv, .tsv or text)")
    q.add_argument("file", type=Path)
    q.set_defaults(handler=cmd_export)

    q = tsub.add_parser("rm", help="remove a topic")
    q.add_argument("id")
    q.add_argument("--force", action="store_true", help="remove even if dialogues use it")
    q.set_defaults(handler=cmd_rm)


def topic_json(t) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return t.model_dump(mode="json")


def cmd_list(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        topics = sorted(ws.store.topics.all(), key=lambda t: (t.created, t.id))
    if args.json:
        print_json({"topics": [topic_json(t) for t in topics]})
        return 0
    rows = [(t.id, t.source.value, "yes" if t.enabled else "no", clip(t.title, 28), clip(t.text, 44)) for t in topics]
    print_table(["ID", "SOURCE", "ON", "TITLE", "TOPIC"], rows)
    print(f"\n{len(topics)} topics")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    tags = [t.strip() for t in args.tags.split(",") if t.strip()]
    with workspace(args) as ws:
        topic = service.add_topic(ws.store, args.text, title=args.title, tags=tags)
    if args.json:
        print_json(topic_json(topic))
    else:
        print(f"added {topic.id}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        report = service.import_topics(ws.store, args.file)
    if args.json:
        print_json({
            "added": [t.id for t in report.added],
            "duplicates": [{"line": line, "topic": text} for line, text in report.duplicates],
        })
        return 0
    print(f"imported {len(report.added)} topics from {args.file}")
    for line, text in report.duplicates:
        print(f"  skipped {args.file}:{line}: duplicate of an existing topic: {clip(text, 50)}")
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
