"""``studio review``: the review queue without the full-screen studio — take the next sample, approve or
reject it, see who reviewed what, and how far reviewers (and judges) agree."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from studio.cli.common import CliError, print_json, print_table, workspace
from studio.domain import ReviewStatus, TeacherTurn
from studio.domain.messages import Message
from studio.evaluate.agreement import agreement, decisions, stats_text
from studio.i18n import N_, _, ngettext, pgettext
from studio.synth.review import all_rows, author_name, load_sample, set_review
from studio.synth.review_queue import Candidate, Claims
from studio.turn.shown import check_message
from studio.workspace import Workspace

STATUSES = ("pending", "approved", "rejected")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("review")
    rsub = p.add_subparsers(dest="review_command", metavar="ACTION", required=True)

    def reviewer(q: argparse.ArgumentParser) -> None:
        q.add_argument("--reviewer", metavar="NAME",
                       help=_("who is reviewing (default: $STUDIO_REVIEWER, then studio.reviewer in config.toml, "
                              "then the login name)"))

    q = rsub.add_parser("next", help=_("take the next sample nobody else has open and show it (blind to other "
                                       "reviewers' decisions)"))
    reviewer(q)
    q.add_argument("--json", action="store_true", help=_("print stable JSON"))
    q.set_defaults(handler=cmd_next)
    for name, status, text in (("approve", ReviewStatus.APPROVED, _("approve samples (by key: dialogue:turn)")),
                               ("reject", ReviewStatus.REJECTED, _("reject samples (by key: dialogue:turn)"))):
        q = rsub.add_parser(name, help=text)
        q.add_argument("keys", nargs="+", metavar="KEY", help=_("sample keys (dialogue:turn), as `studio review list` "
                                                                "shows them"))
        reviewer(q)
        if status is ReviewStatus.APPROVED:
            q.add_argument("--force", action="store_true",
                           help=_("approve even when a sample fails an error check (named otherwise)"))
        q.set_defaults(handler=cmd_decide, status=status)
    q = rsub.add_parser("list", help=_("samples with their review and who reviewed them"))
    q.add_argument("--status", choices=STATUSES, help=_("only samples with this review"))
    q.add_argument("--reviewer", metavar="NAME", help=_("only samples this reviewer decided"))
    q.add_argument("--limit", type=int, default=50, help=_("at most this many rows (default 50; 0: all)"))
    q.add_argument("--json", action="store_true", help=_("print stable JSON"))
    q.set_defaults(handler=cmd_list)
    q = rsub.add_parser("history", help=_("every review decision and edit of one sample: who, when, what"))
    q.add_argument("key", metavar="KEY", help=_("a sample key (dialogue:turn)"))
    q.add_argument("--json", action="store_true", help=_("print stable JSON"))
    q.set_defaults(handler=cmd_history)
    q = rsub.add_parser("stats", help=_("agreement: kappa between reviewers, and each judge against reviewers"))
    q.add_argument("--json", action="store_true", help=_("print stable JSON"))
    q.set_defaults(handler=cmd_stats)


def who(args: argparse.Namespace, ws: Workspace) -> str:
    return args.reviewer or author_name(ws.config.studio.reviewer)


def _turn(ws: Workspace, key: str) -> tuple[Any, int, TeacherTurn]:
    """The review service's sample at ``key`` (an unknown one is its LookupError); a key that is not
    dialogue:turn is said as such."""
    try:
        return load_sample(ws.store, key)
    except ValueError:
        raise CliError(Message("review.bad-key", N_("'{key}' is not a sample key (dialogue:turn, as `studio review "
                                                    "list` shows)"), key=key)) from None


def _shown(ws: Workspace, key: str) -> dict[str, Any]:
    """The sample as a reviewer reads it: topic, the dialogue so far, the answer's fields, failed checks."""
    d, index, turn = _turn(ws, key)
    topic = ws.store.topics.get(d.topic_id)
    before = [{"role": t.role, "text": t.text if t.role == "student" else
               (t.parsed.reply if t.parsed else t.raw)} for t in d.turns[:index]]
    parsed = turn.parsed
    return {"key": key, "topic": topic.text if topic else d.topic_id, "dialogue": before,
            "reply": parsed.reply if parsed else None, "suggestions": list(parsed.suggestions) if parsed else [],
            "analysis": parsed.analysis if parsed else None, "raw": None if parsed else turn.raw,
            "failed": [{"id": c.id, "message": check_message(c)} for c in turn.checks if c.severity == "error"]}


def _print_sample(s: dict[str, Any]) -> None:
    speaker = {"teacher": _("teacher"), "student": _("student")}
    print(_("sample {key} · {topic}").format(key=s["key"], topic=s["topic"]))
    for line in s["dialogue"]:
        print(f"  {speaker[line['role']]}: {line['text']}")
    if s["reply"] is None:
        print(_("answer (does not parse): {raw}").format(raw=s["raw"]))
    else:
        print(_("Reply: {text}").format(text=s["reply"]))
        for n, text in enumerate(s["suggestions"], 1):
            print(_("Suggestion {n}: {text}").format(n=n, text=text))
        if s["analysis"] is not None:
            print(_("Analysis: {text}").format(text=s["analysis"]))
    for f in s["failed"]:
        print(_("fails {check}: {message}").format(check=f["id"], message=f["message"]))


def cmd_next(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        me = who(args, ws)
        decided = decisions(ws.store.dialogues.raw())
        candidates = (Candidate(r.key, r.review, frozenset(decided.get(r.key, {})))
                      for r in all_rows(ws.store))
        key = Claims(ws.root, ws.config.review.claim_minutes).take(me, candidates, ws.config.review.double_share)
        shown = _shown(ws, key) if key else None
    if args.json:
        print_json({"reviewer": me, "sample": shown})
    elif shown is None:
        print(_("nothing left to review for {reviewer}: every sample is decided or open with another reviewer")
              .format(reviewer=me))
    else:
        _print_sample(shown)
        print(_("studio review approve {key}  ·  studio review reject {key}").format(key=shown["key"]))
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    status: ReviewStatus = args.status
    with workspace(args) as ws:
        me = who(args, ws)
        keys = list(dict.fromkeys(args.keys))
        failing = []
        for key in keys:
            turn = _turn(ws, key)[2]
            if turn.parsed is None and status is ReviewStatus.APPROVED:
                failing.append((key, "format.json"))
            elif status is ReviewStatus.APPROVED:
                failing += [(key, c.id) for c in turn.checks if c.severity == "error"]
        if failing and not args.force:
            raise CliError(Message("review.failing", N_("{key} fails {check}: look at it first, or approve it anyway "
                                                        "with --force"), key=failing[0][0],
                                   check=", ".join(c for k, c in failing if k == failing[0][0])))
        recorded = set_review(ws.store, keys, status, me)
        Claims(ws.root, ws.config.review.claim_minutes).release(keys, me)
    said = {ReviewStatus.APPROVED: ngettext("{n} sample approved by {reviewer}", "{n} samples approved by {reviewer}",
                                            recorded),
            ReviewStatus.REJECTED: ngettext("{n} sample rejected by {reviewer}", "{n} samples rejected by {reviewer}",
                                            recorded)}[status]
    print(said.format(n=recorded, reviewer=me))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        decided = decisions(ws.store.dialogues.raw())
        rows: list[dict[str, Any]] = []
        for r in all_rows(ws.store):
            by = decided.get(r.key, {})
            if args.status and r.review != args.status or args.reviewer and args.reviewer not in by:
                continue
            rows.append({"key": r.key, "topic": r.topic_id, "review": r.review, "failed": list(r.failed),
                         "reviewed_by": dict(sorted(by.items()))})
    shown = rows if args.limit <= 0 else rows[: args.limit]
    if args.json:
        print_json({"samples": shown, "total": len(rows)})
        return 0
    print_table([_("sample"), _("review"), _("reviewed by"), _("failed checks")],
                [[r["key"], pgettext("value", r["review"]),
                  ", ".join(f"{k} ({pgettext('value', v)})" for k, v in r["reviewed_by"].items()) or "—",
                  ", ".join(r["failed"]) or "—"] for r in shown])
    if len(shown) < len(rows):
        print(_("{shown} of {total} shown (--limit 0: all)").format(shown=len(shown), total=len(rows)))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        turn = _turn(ws, args.key)[2]
        events: list[dict[str, Any]] = [{"at": e.at.isoformat(timespec="seconds"), "reviewer": e.author, "field": e.field,
                   "before": e.before, "after": e.after, "note": e.note} for e in turn.edits]
        current = turn.review.value
    if args.json:
        print_json({"key": args.key, "review": current, "history": events})
        return 0
    if not events:
        print(_("{key}: no review or edit yet").format(key=args.key))
        return 0
    words = {"review": _("review"), "raw": _("answer edited"), "train_weight": _("training weight")}
    print_table([_("when"), _("reviewer"), _("what"), _("change")],
                [[e["at"], e["reviewer"], words.get(e["field"], e["field"]),
                  f"{pgettext('value', e['before'] or '—')} → {pgettext('value', e['after'] or '—')}"
                  if e["field"] != "raw" else e["note"]] for e in events])
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        stats = agreement(ws.store.dialogues.raw(), ws.store.votes.all(), {r.id: r for r in ws.store.evals.all()})
    if args.json:
        print_json(stats.as_json())
    else:
        for line in stats_text(stats):
            print(line)
    sys.stdout.flush()
    return 0
