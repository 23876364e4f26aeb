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
from studio.domain.messages import Message as Told
from studio.domain.messages import message_of, validation_problem
from studio.i18n import N_, _, told
from studio.llm.base import ChatRequest, Message
from studio.llm.errors import LLMError
from studio.llm.kinds import KINDS
from studio.llm.ledger import summarise
from studio.llm.registry import build_client, check_profile, key_state, kind_class, known_kinds
from studio.synth import review


def register(sub: argparse._SubParsersAction) -> None:
    as_json = _("print stable JSON")
    p = sub.add_parser("providers")
    psub = p.add_subparsers(dest="providers_command", metavar="ACTION", required=True)
    q = psub.add_parser("list", help=_("list configured provider profiles and the kinds a profile may have"))
    q.add_argument("--json", action="store_true", help=as_json)
    q.set_defaults(handler=cmd_list)
    q = psub.add_parser("add", help=_("add a provider profile to the workspace's config.toml"))
    q.add_argument("name", help=_("the profile's name (letters, digits, - and _)"))
    q.add_argument("--kind", required=True, choices=known_kinds(), help=_("the provider kind"))
    q.add_argument("--model", help=_("the model name (transformers: its folder)"))
    q.add_argument("--base-url", help=_("the server's base URL (openai, qianfan, qianfan-v1)"))
    q.add_argument("--api-key-env", help=_("the environment variable holding its key"))
    q.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help=_("any other profile key (rpm=300, endpoint=…, concurrency=4); repeatable"))
    q.set_defaults(handler=cmd_add)
    q = psub.add_parser("check", help=_("make one tiny call and print latency and model, or the exact error"))
    q.add_argument("name", help=_("the profile's name (see: studio providers list)"))
    q.add_argument("--json", action="store_true", help=as_json)
    q.set_defaults(handler=cmd_check)

    p = sub.add_parser("calls")
    p.add_argument("--run", help=_("only this run"))
    p.add_argument("--dialogue", help=_("list each call of this dialogue: turn, purpose, outcome (ids as turns store "
                                        "them)"))
    p.add_argument("--sample", metavar="KEY", help=_("the calls of one sample (d-…:N): the one whose answer it keeps, "
                                                     "then its other attempts (repairs)"))
    p.add_argument("--json", action="store_true", help=as_json)
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
    print_table([_("NAME"), _("KIND"), _("MODEL"), _("CONC"), _("RPM"), _("TPM"), _("KEY")],
                [(r["name"], r["kind"], r["model"], r["concurrency"], r["rpm"] or "-", r["tpm"] or "-",
                  _key_state(str(r["key"]))) for r in rows])
    print("\n" + _("kinds:"))
    for k in kinds:
        keys = " + ".join(k["key_envs"])
        summary = _(str(k["summary"])) if k["summary"] else ""
        print(f"  {k['kind']}: " + (_("{summary} (key: {keys})").format(summary=summary, keys=keys) if keys else summary))
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
        raise CliError(Told("provider.bad-name", N_("profile name {name}: use letters, digits, '-' and '_' only"),
                            name=repr(args.name)))
    values: dict[str, object] = {"kind": args.kind}
    for key, given in (("model", args.model), ("base_url", args.base_url), ("api_key_env", args.api_key_env)):
        if given is not None:
            values[key] = given
    for item in args.set:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise CliError(Told("provider.bad-set", N_("--set {item}: expected KEY=VALUE"), item=repr(item)))
        values[key.strip()] = _value(key.strip(), text.strip())
    with workspace(args) as ws:
        if args.name in ws.config.providers:
            raise CliError(Told("provider.exists", N_("provider '{name}' is already in {path}"), name=args.name,
                                path=ws.root / CONFIG_FILE))
        try:
            profile = ProviderProfile.model_validate(values)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "profile"
            raise CliError(Told("provider.invalid", N_("provider '{name}': {where}: {problem}"), name=args.name,
                                where=where, problem=validation_problem(err))) from None
        check_profile(args.name, profile)
        path = ws.root / CONFIG_FILE
        _append(path, args.name, values)
    print(_("added provider '{name}' ({kind}) to {path}; key: {key}").format(
        name=args.name, kind=args.kind, path=path, key=_key_state(key_state(args.name, profile, ws.secrets))))
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
            raise ConfigError(_in_place_of(exc, temp, path)) from None
        raise
    os.replace(temp, path)


def _in_place_of(value: object, temp: Path, path: Path) -> object:
    """``value`` (an error, its message, a parameter) naming ``path`` where it named ``temp``."""
    message = message_of(value)
    if message is not None:
        return Told(message.code, message.template,
                    **{k: _in_place_of(v, temp, path) for k, v in message.params.items()})
    if isinstance(value, Path | str) and str(value) == str(temp):
        return path
    return str(value).replace(str(temp), str(path)) if isinstance(value, BaseException) else value


def _key_state(state: str) -> str:
    """``registry.key_state``'s words (``not needed``; ``ENV set``, ``ENV missing``) in the current language."""
    if state == "not needed":
        return _("not needed")
    words = {"set": _("{env} set"), "missing": _("{env} missing")}
    shown = []
    for part in state.split(", "):
        env, _sep, word = part.rpartition(" ")
        shown.append(words[word].format(env=env) if env and word in words else part)
    return ", ".join(shown)


async def _check(client) -> dict[str, object]:
    request = ChatRequest([Message("user", "Say hello in five words.")], max_tokens=16, temperature=0.1)
    try:
        result = await client.chat(request, use_cache=False)
        return {"ok": True, "model": result.model, "latency_s": round(result.latency_s, 3),
                "tokens_in": result.usage.tokens_in, "tokens_out": result.usage.tokens_out, "reply": result.text[:120]}
    except LLMError as exc:
        return {"ok": False, "error_kind": exc.kind, "error": str(exc), "problem": exc}
    finally:
        await client.aclose()


def cmd_check(args: argparse.Namespace) -> int:
    with workspace(args) as ws:
        client = build_client(ws.config, ws.secrets, args.name, workspace=ws.root, store=ws.store)
        client.retry.attempts = 2
        result = asyncio.run(_check(client))
    problem = result.pop("problem", None)  # the error itself, told in the user's language (not JSON)
    result["provider"] = args.name
    if args.json:
        print_json(result)
    elif result["ok"]:
        print(_("{name}: ok — model {model}, {seconds} s, reply: {reply}").format(
            name=args.name, model=result["model"], seconds=result["latency_s"], reply=result["reply"]))
    else:
        print(f"{args.name}: {told(problem)}")
    return 0 if result["ok"] else 1


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _sample_calls(ws, key: str) -> list[dict]:
    """The ledger rows of one sample: the kept answer's call first, then the other attempts."""
    _dialogue, _index, turn = review.load_sample(ws.store, key)
    ids = [c for c in (turn.call_id, *turn.repair_call_ids) if c]
    if not ids:
        raise CliError(Told("calls.none", N_("sample {key} names no call: it was imported, written by hand, or made "
                                             "before calls were traced (see: studio calls --dialogue {dialogue})"),
                            key=key, dialogue=key.split(":")[0]))
    calls = dict(ws.store.calls.raw())
    missing = [c for c in ids if c not in calls]
    if missing:
        raise CliError(Told("calls.missing", N_("sample {key} names calls the ledger no longer has: {calls}"), key=key,
                            calls=", ".join(missing)))
    return [calls[c] | {"id": c, "kept": c == turn.call_id} for c in ids]


def _call_list(records: list[dict], as_json: bool, *, ordered: bool = False) -> int:
    if not ordered:
        records = sorted(records, key=lambda r: (r.get("turn_index") if r.get("turn_index") is not None else -1,
                                                 r.get("created", "")))
    if as_json:
        print_json({"calls": records})
        return 0
    print_table([_("ID"), _("TURN"), _("ROLE"), _("PURPOSE"), _("OUTCOME"), _("ATTEMPTS"), _("TOK IN"), _("TOK OUT")],
                [(r["id"] + (_(" (kept)") if r.get("kept") else ""),
                  "-" if r.get("turn_index") is None else r["turn_index"] + 1, r.get("role") or "-",
                  r.get("purpose") or _("(unmarked)"), r["outcome"], r.get("attempts", 1), r["tokens_in"],
                  r["tokens_out"])
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
    for scope, groups in ((_("provider"), summary["by_provider"]), (_("run"), summary["by_run"]),
                          (_("purpose"), summary["by_purpose"])):
        for key, g in groups.items():
            errors = ", ".join(f"{k} {v}" for k, v in g["errors_by_kind"].items()) or "-"
            rows.append((scope, key, g["calls"], g["cached"], g["retries"], g["repairs"], g["tokens_in"], g["tokens_out"],
                         f"{g['cost']:.4f} {g['currency']}".strip(), _fmt(g["latency_p50_s"]), _fmt(g["latency_p95_s"]), errors))
    t = summary["total"]
    rows.append((_("total"), "", t["calls"], t["cached"], t["retries"], t["repairs"], t["tokens_in"], t["tokens_out"],
                 f"{t['cost']:.4f} {t['currency']}".strip(), _fmt(t["latency_p50_s"]), _fmt(t["latency_p95_s"]),
                 ", ".join(f"{k} {v}" for k, v in t["errors_by_kind"].items()) or "-"))
    print_table([_("BY"), _("NAME"), _("CALLS"), _("CACHED"), _("RETRIES"), _("REPAIRS"), _("TOK IN"), _("TOK OUT"),
                 _("COST"), _("P50 S"), _("P95 S"), _("ERRORS")], rows)
    return 0
