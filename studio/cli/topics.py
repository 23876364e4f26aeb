"""``studio topics …``: list, add, edit, import, export, expand, rejected, accept, rm.

Every way in passes the near-duplicate guard; a refusal names the nearest topic and the score, and
``--force`` keeps the topic anyway (never a copy that is the same text once punctuation is folded).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from studio.cli.common import CliError, clip, print_json, print_table, workspace
from studio.cli.privacy import report_lines
from studio.domain.messages import N_, Message
from studio.i18n import _, ngettext, pgettext, told
from studio.synth import topics as service
from studio.synth.options import EXPAND
from studio.synth.topic_guard import DEFAULT_THRESHOLD


def register(sub: argparse._SubParsersAction) -> None:
    force = _("keep it even if it is a near-duplicate of a stored topic")
    threshold = _("similarity at or above which a topic is a near-duplicate (default {default})").format(
        default=DEFAULT_THRESHOLD)
    as_json = _("print stable JSON")
    p = sub.add_parser("topics")
    tsub = p.add_subparsers(dest="topics_command", metavar="ACTION", required=True)

    q = tsub.add_parser("list", help=_("list topics"))
    q.add_argument("--json", action="store_true", help=as_json)
    q.set_defaults(handler=cmd_list)

    q = tsub.add_parser("add", help=_("add one topic"))
    q.add_argument("text", help=_("the scenario, in Chinese"))
    q.add_argument("--title", default="", help=_("short English title"))
    q.add_argument("--name-zh", default="", help=_("short Chinese name (the teacher's off-topic redirect uses it)"))
    q.add_argument("--tags", default="", help=_("comma-separated tags"))
    q.add_argument("--force", action="store_true", help=force)
    q.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help=threshold)
    q.add_argument("--json", action="store_true", help=as_json)
    q.set_defaults(handler=cmd_add)

    q = tsub.add_parser("edit", help=_("change a topic's text, titles or tags"))
    q.add_argument("id", help=_("the topic's id (see: studio topics list)"))
    q.add_argument("--text", help=_("the new scenario (passes the near-duplicate guard)"))
    q.add_argument("--title", help=_("short English title"))
    q.add_argument("--name-zh", help=_("short Chinese name"))
    q.add_argument("--tags", help=_("comma-separated tags"))
    q.add_argument("--force", action="store_true", help=force)
    q.add_argument("--json", action="store_true", help=as_json)
    q.set_defaults(handler=cmd_edit)

    q = tsub.add_parser("import", help=_("import topics: text (one per line), JSONL ('topic' field) or CSV ('topic' "
                                         "column)"))
    q.add_argument("file", type=Path, help=_("the topic file"))
    q.add_argument("--force", action="store_true", help=_("import near-duplicates too (copies are still skipped)"))
    q.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD, help=threshold)
    q.add_argument("--keep-pii", action="store_true",
                   help=_("keep personal data (names, phone numbers, ID numbers, QQ/WeChat ids, schools, addresses) "
                          "as it is instead of replacing it with typed placeholders"))
    q.add_argument("--json", action="store_true", help=as_json)
    q.set_defaults(handler=cmd_import)

    q = tsub.add_parser("export", help=_("write all topics to FILE (.jsonl, .csv, .tsv or text)"))
    q.add_argument("file", type=Path, help=_("the file to write; its suffix names the format"))
    q.set_defaults(handler=cmd_export)

    q = tsub.add_parser("expand", help=_("self-instruct new topics from the pool, turning away near-duplicates"))
    EXPAND.add_to(q)
    q.set_defaults(handler=cmd_expand)

    q = tsub.add_parser("rejected", help=_("list expansion candidates turned away (each once), with their nearest "
                                           "topic"))
    q.add_argument("--json", action="store_true", help=as_json)
    q.set_defaults(handler=cmd_rejected)

    q = tsub.add_parser("accept", help=_("take a rejected candidate into the pool after all (titles and parents kept)"))
    q.add_argument("id", help=_("the candidate's id (see: studio topics rejected)"))
    q.add_argument("--json", action="store_true", help=as_json)
    q.set_defaults(handler=cmd_accept)

    q = tsub.add_parser("rm", help=_("remove a topic"))
    q.add_argument("id", help=_("the topic's id (see: studio topics list)"))
    q.add_argument("--force", action="store_true", help=_("remove even if dialogues use it"))
    q.set_defaults(handler=cmd_rm)


def topic_json(t) -> dict[str, object]:
    return t.model_dump(mode="json")


def cmd_list(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        topics = sorted(ws.store.topics.all(), key=lambda t: (t.created, t.id))
    if args.json:
        print_json({"topics": [topic_json(t) for t in topics]})
        return 0
    rows = [(t.id, t.source.value, _("yes") if t.enabled else _("no"), clip(t.title, 24), clip(t.name_zh, 10),
             clip(t.text, 40)) for t in topics]
    print_table([_("ID"), _("SOURCE"), _("ON"), _("TITLE"), pgettext("a topic's Chinese name", "NAME"), _("TOPIC")], rows)
    print("\n" + ngettext("{n} topic", "{n} topics", len(topics)).format(n=len(topics)))
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    tags = [t.strip() for t in args.tags.split(",") if t.strip()]
    with workspace(args) as ws:
        topic = service.add_topic(ws.store, args.text, title=args.title, name_zh=args.name_zh, tags=tags,
                                  force=args.force, threshold=args.threshold)
    if args.json:
        print_json(topic_json(topic))
    else:
        print(_("added {id}").format(id=topic.id))
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
        raise CliError(Message("topic.nothing-to-change", N_("nothing to change: give --text, --title, --name-zh or "
                                                             "--tags")))
    with workspace(args) as ws:
        topic = service.update_topic(ws.store, args.id, force=args.force, **fields)
    if args.json:
        print_json(topic_json(topic))
    else:
        print(_("saved {id}").format(id=topic.id))
    return 0


def _refused_json(r: service.Refused) -> dict[str, object]:
    return {"line": r.line, "topic": r.text, "nearest_id": r.match.id, "nearest": r.match.text,
            "similarity": r.match.score, "measure": r.match.measure}


def cmd_import(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        report = service.import_topics(ws.store, args.file, force=args.force, threshold=args.threshold,
                                       keep_pii=args.keep_pii)
    if args.json:
        print_json({
            "added": [t.id for t in report.added],
            "duplicates": [_refused_json(r) for r in report.duplicates],
            "forced": [_refused_json(r) for r in report.forced],
            "pii": {**report.pii.to_json(), "kept": args.keep_pii},
        })
        return 0
    for line in report_lines(report.pii, args.file):
        print(line, file=sys.stderr)
    print(ngettext("imported {n} topic from {file}", "imported {n} topics from {file}", len(report.added)).format(
        n=len(report.added), file=args.file))
    for r in report.duplicates:
        print("  " + _("skipped {file}:{line}: {topic} — {why}").format(file=args.file, line=r.line,
                                                                       topic=clip(r.text, 40), why=told(r.match.message())))
    for r in report.forced:
        print("  " + _("kept (--force) {file}:{line}: {topic} — {why}").format(
            file=args.file, line=r.line, topic=clip(r.text, 40), why=told(r.match.message())))
    if report.duplicates and not args.force and any(not r.match.identical for r in report.duplicates):
        print("  " + _("(import the near-duplicates anyway with --force)"))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        count = service.export_topics(ws.store, args.file)
    print(ngettext("wrote {n} topic to {file}", "wrote {n} topics to {file}", count).format(n=count, file=args.file))
    return 0


def cmd_rm(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        topic = service.remove_topic(ws.store, args.id, force=args.force)
    print(_("removed {id}: {topic}").format(id=topic.id, topic=clip(topic.text, 50)))
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
                print(_("round {round}: {accepted}/{n} accepted, {rejected} turned away").format(
                    round=report.rounds, accepted=len(report.accepted), n=args.n, rejected=len(report.rejected)),
                    file=sys.stderr)

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
                    "rounds": report.rounds, "note": str(report.note) if report.note else None,
                    "untitled": report.untitled})
    else:
        print(_("added {accepted} topics in {rounds} rounds; {rejected} near-duplicates turned away (see: studio "
                "topics rejected)").format(accepted=len(report.accepted), rounds=report.rounds,
                                           rejected=len(report.rejected)))
        if report.untitled:
            print(_("note: {n} new topics still lack a Chinese name or an English title (the model gave none); set "
                    "them with: studio topics edit ID --title … --name-zh …").format(n=report.untitled))
        if report.note:
            print(_("note: {note}").format(note=told(report.note)))
    return 0 if not report.note else 1


def cmd_rejected(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        rejected = service.rejected_once(ws.store)
    if args.json:
        print_json({"rejected": [r.model_dump(mode="json") for r in rejected]})
        return 0
    if not rejected:
        print(_("no candidates turned away (topics expand keeps those it refuses here)"))
        return 0
    print_table([_("ID"), _("TIMES"), _("SIM."), _("BY"), _("CANDIDATE"), _("NEAREST / REASON")],
                [(r.id, r.count, f"{r.similarity:.2f}" if r.nearest_text else "-", r.measure or "-", clip(r.text, 34),
                  clip(r.nearest_text or r.reason, 34)) for r in rejected])
    times = sum(r.count for r in rejected)
    proposals = ngettext("{n} proposal", "{n} proposals", times).format(n=times)
    print("\n" + ngettext("{n} candidate turned away ({proposals}); keep it with: studio topics accept ID",
                           "{n} candidates turned away ({proposals}); keep one with: studio topics accept ID",
                           len(rejected)).format(n=len(rejected), proposals=proposals))
    return 0


def cmd_accept(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        topic = service.accept_rejected(ws.store, args.id)
    if args.json:
        print_json(topic_json(topic))
    else:
        print(_("accepted {candidate} as topic {id}").format(candidate=args.id, id=topic.id))
    return 0
