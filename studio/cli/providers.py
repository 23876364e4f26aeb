"""``studio providers list|add|check`` and ``studio calls``."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import tomllib
from pathlib import Path

from pydantic import ValidationError

from studio.cli.common import CliError, print_json, print_table, workspace
from studio.config import CONFIG_FILE, ConfigError, ProviderProfile, load_config
from studio.llm.base import ChatRequest, Message
from studio.llm.errors import LLMError
from studio.llm.kinds import KINDS
from studio.llm.ledger import summarise
from studio.llm.registry import build_client, check_profile, key_state, kind_class, known_kinds
from studio.synth import review


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("providers", help="list provider profiles, add one, or check one with a tiny call")
    psub = p.add_subparsers(dest="providers_command", metavar="ACTION", required=True)
    q = psub.add_parser("list", help="list configured provider profiles and the kinds a profile may have")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=cmd_list)
    q = psub.add_parser("add", help="add a provider profile to the workspace's config.toml")
    q.add_argument("name", help="the profile's name (letters, digits, - and _)")
    q.add_argument("--kind", required=True, choices=known_kinds(), help="the provider kind")
    q.add_argument("--model", help="the model name (transformers: its folder)")
    q.add_argument("--base-url", help="the server's base URL (openai, qianfan, qianfan-v1)")
    q.add_argument("--api-key-env", help="the environment variable holding its key")
    q.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="any other profile key (rpm=300, endpoint=…, concurrency=4); repeatable")
    q.set_defaults(handler=cmd_add)
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


def cmd_list(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        rows = []
        for name, profile in sorted(ws.config.providers.items()):
            cls = kind_class(name, profile)
            rows.append({"name": name, "kind": profile.kind, "model": profile.model or "",
                         "base_url": profile.base_url, "concurrency": profile.concurrency, "rpm": profile.rpm,
                         "tpm": profile.tpm, "key": key_state(name, profile, ws.secrets), "note": cls.summary})
    kinds = [{"kind": k, "key_envs": KINDS[k].key_envs(ProviderProfile(kind=k)), "options": sorted(KINDS[k].options),
              "summary": KINDS[k].summary} for k in known_kinds()]
    if args.json:
        print_json({"providers": rows, "kinds": kinds})
        return 0
    print_table(["NAME", "KIND", "MODEL", "CONC", "RPM", "TPM", "KEY"],
                [(r["name"], r["kind"], r["model"], r["concurrency"], r["rpm"] or "-", r["tpm"] or "-", r["key"])
                 for r in rows])
    print("\nkinds:")
    for k in kinds:
        keys = " + ".join(k["key_envs"])
        print(f"  {k['kind']}: {k['summary']}" + (f" (key: {keys})" if keys else ""))
    return 0


_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _value(key: str, text: str) -> object:
    """A ``--set`` value: text for a text key; otherwise a TOML number or boolean as such."""
    field = ProviderProfile.model_fields.get(key)
    if field is not None and "str" in str(field.annotation):
        return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" else text
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def cmd_add(args: argparse.Namespace) -> int:
    if not _NAME.match(args.name):
        raise CliError(f"profile name {args.name!r}: use letters, digits, '-' and '_' only")
    values: dict[str, object] = {"kind": args.kind}
    for key, given in (("model", args.model), ("base_url", args.base_url), ("api_key_env", args.api_key_env)):
        if given is not None:
            values[key] = given
    for item in args.set:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--set {item!r}: expected KEY=VALUE")
        values[key.strip()] = _value(key.strip(), text.strip())
    with workspace(args) as ws:
        if args.name in ws.config.providers:
            raise CliError(f"provider '{args.name}' is already in {ws.root / CONFIG_FILE}")
        try:
            profile = ProviderProfile.model_validate(values)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "profile"
            raise CliError(f"provider '{args.name}': {where}: {err['msg']}") from None
        check_profile(args.name, profile)
        path = ws.root / CONFIG_FILE
        _append(path, args.name, values)
    print(f"added provider '{args.name}' ({args.kind}) to {path}; key: {key_state(args.name, profile, ws.secrets)}")
    return 0


def _append(path: Path, name: str, values: dict[str, object]) -> None:
    """The profile's table appended to ``config.toml`` (its comments kept), the whole file checked again
    before it replaces the old one."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    table = f"\n[providers.{name}]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in values.items())
    temp = path.with_name(f".{path.name}.new")
    temp.write_text(old.rstrip("\n") + "\n" + table, encoding="utf-8")
    try:
        load_config(temp, check_profile)
    except BaseException as exc:
        temp.unlink(missing_ok=True)
        if isinstance(exc, ConfigError):
            raise ConfigError(str(exc).replace(str(temp), str(path))) from None
        raise
    os.replace(temp, path)


async def _check(client) -> dict[str, object]:
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


def _sample_calls(ws, key: str) -> list[dict]:
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


def _call_list(records: list[dict], as_json: bool, *, ordered: bool = False) -> int:
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
            calls = _sample_calls(ws, args.sample)
        return _call_list(calls, args.json, ordered=True)
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
