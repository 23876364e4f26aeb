"""``studio providers list|check`` and ``studio calls``."""

from __future__ import annotations

import argparse
import asyncio

from studio.cli.common import print_json, print_table, workspace
from studio.llm.base import ChatRequest, Message
from studio.llm.errors import LLMError
from studio.llm.ledger import summarise
from studio.llm.offline import LABEL
from studio.llm.registry import DEFAULT_KEY_ENV, build_client
from studio.synth import review


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("providers", help="list provider profiles, or check one with a tiny call")
    psub = p.add_subparsers(dest="providers_command", metavar="ACTION", required=True)
    q = psub.add_parser("list", help="list configured provider profiles")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_list)
    q = psub.add_parser("check", help="make one tiny call and print latency and model, or the exact error")
    q.add_argument("name")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_check)

    p = sub.add_parser("calls", help="summarise the call ledger: tokens, cost, latency, errors, repairs")
    p.add_argument("--run", help="only this run")
    p.add_argument("--dialogue", help="list each call of this dialogue: turn, purpose, outcome (ids as turns store them)")
    p.add_argument("--sample", metavar="KEY", help="the calls of one sample (d-…:N): the one whose answer it keeps, "
                                                   "then its other attempts (repairs)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_calls)


def _key_state(ws, name: str, profile) -> str:  # type: ignore[no-untyped-def]
    if profile.kind == "offline":
        return "not needed"
    env = profile.api_key_env or DEFAULT_KEY_ENV[profile.kind]
    return f"{env} set" if ws.secrets.get(env) else f"{env} missing"


def cmd_list(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        rows = []
        for name, profile in sorted(ws.config.providers.items()):
            rows.append({"name": name, "kind": profile.kind, "model": profile.model or "",
                         "base_url": profile.base_url, "concurrency": profile.concurrency, "rpm": profile.rpm,
                         "tpm": profile.tpm, "key": _key_state(ws, name, profile),
                         "note": LABEL if profile.kind == "offline" else ""})
    if args.json:
        print_json({"providers": rows})
        return 0
    print_table(["NAME", "KIND", "MODEL", "CONC", "RPM", "TPM", "KEY"],
                [(r["name"], r["kind"], r["model"], r["concurrency"], r["rpm"] or "-", r["tpm"] or "-", r["key"])
                 for r in rows])
    if any(r["kind"] == "offline" for r in rows):
        print(f"\noffline: the built-in {LABEL}")
    return 0


async def _check(client) -> dict[str, object]:  # type: ignore[no-untyped-def]
    request = ChatRequest([Message("user", "Say hello in five words.")], max_tokens=16, temperature=0.1)
    try:
        result = await client.chat(request, use_cache=False)
        return {"ok": True, "model": result.model, "latency_s": round(result.latency_s, 3),
                "tokens_in": result.usage.tokens_in, "tokens_out": result.usage.tokens_out, "reply": result.text[:120]}
    except LLMError as exc:
        return {"ok": False, "error_kind": exc.kind, "error": str(exc)}
    finally:
        await client.aclose()


def cmd_check(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        client = build_client(ws.config, ws.secrets, args.name, workspace=ws.root, store=ws.store)
        client.retry.attempts = 2
        result = asyncio.run(_check(client))
    result["provider"] = args.name
    if args.json:
        print_json(result)
    elif result["ok"]:
        print(f"{args.name}: ok — model {result['model']}, {result['latency_s']} s, reply: {result['reply']}")
    else:
        print(f"{args.name}: {result['error']}")
    return 0 if result["ok"] else 1


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _sample_calls(ws, key: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    """The ledger rows of one sample: the kept answer's call first, then the other attempts."""
    _, _, turn = review.load_sample(ws.store, key)
    ids = [c for c in (turn.call_id, *turn.repair_call_ids) if c]
    if not ids:
        raise LookupError(f"sample {key} names no call: it was imported, written by hand, or made before calls "
                          f"were traced (see: studio calls --dialogue {key.split(':')[0]})")
    calls = dict(ws.store.calls.raw())
    missing = [c for c in ids if c not in calls]
    if missing:
        raise LookupError(f"sample {key} names calls the ledger no longer has: {', '.join(missing)}")
    return [calls[c] | {"id": c, "kept": c == turn.call_id} for c in ids]


def _call_list(records: list[dict], as_json: bool, *, ordered: bool = False) -> int:  # type: ignore[type-arg]
    if not ordered:
        records = sorted(records, key=lambda r: (r.get("turn_index") if r.get("turn_index") is not None else -1,
                                                 r.get("created", "")))
    if as_json:
        print_json({"calls": records})
        return 0
    print_table(["ID", "TURN", "ROLE", "PURPOSE", "OUTCOME", "ATTEMPTS", "TOK IN", "TOK OUT"],
                [(r["id"] + (" (kept)" if r.get("kept") else ""),
                  "-" if r.get("turn_index") is None else r["turn_index"] + 1, r.get("role") or "-",
                  r.get("purpose") or "(unmarked)", r["outcome"], r.get("attempts", 1), r["tokens_in"], r["tokens_out"])
                 for r in records])
    return 0


def cmd_calls(args: argparse.Namespace) -> int:
    if args.sample:
        with workspace(args) as ws:
            rows = _sample_calls(ws, args.sample)
        return _call_list(rows, args.json, ordered=True)
    with workspace(args) as ws:
        records = [raw | {"id": doc_id} for doc_id, raw in ws.store.calls.raw()
                   if (not args.run or raw.get("run_id") == args.run)
                   and (not args.dialogue or raw.get("dialogue_id") == args.dialogue)]
    if args.dialogue:
        return _call_list(records, args.json)
    summary = summarise(records)
    if args.json:
        print_json(summary)
        return 0
    rows = []
    for scope, groups in (("provider", summary["by_provider"]), ("run", summary["by_run"]),
                          ("purpose", summary["by_purpose"])):
        for key, g in groups.items():
            errors = ", ".join(f"{k} {v}" for k, v in g["errors_by_kind"].items()) or "-"
            rows.append((scope, key, g["calls"], g["cached"], g["retries"], g["repairs"], g["tokens_in"], g["tokens_out"],
                         f"{g['cost']:.4f} {g['currency']}".strip(), _fmt(g["latency_p50_s"]), _fmt(g["latency_p95_s"]), errors))
    t = summary["total"]
    rows.append(("total", "", t["calls"], t["cached"], t["retries"], t["repairs"], t["tokens_in"], t["tokens_out"],
                 f"{t['cost']:.4f} {t['currency']}".strip(), _fmt(t["latency_p50_s"]), _fmt(t["latency_p95_s"]),
                 ", ".join(f"{k} {v}" for k, v in t["errors_by_kind"].items()) or "-"))
    print_table(["BY", "NAME", "CALLS", "CACHED", "RETRIES", "REPAIRS", "TOK IN", "TOK OUT", "COST", "P50 S", "P95 S",
                 "ERRORS"], rows)
    return 0
