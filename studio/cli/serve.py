"""``studio serve``: the studio in a browser, one reviewer session per tab (textual-serve)."""

from __future__ import annotations

import argparse
import os
import secrets

from studio.cli.common import CliError
from studio.domain.messages import Message
from studio.i18n import N_, _, current_language
from studio.workspace import resolve_path

PASSWORD_ENV = "STUDIO_SERVE_PASSWORD"
TOKEN_ENV = "STUDIO_SERVE_TOKEN"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve")
    p.add_argument("--host", default="127.0.0.1",
                   help=_("address to listen on (default 127.0.0.1: this machine only; another address needs the "
                          "token or a password)"))
    p.add_argument("--port", type=int, default=8000, help=_("port (default 8000)"))
    p.add_argument("--no-token", action="store_true",
                   help=_("no token in the URL (only on a loopback address, or with {env} set)").format(
                       env=PASSWORD_ENV))
    p.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from studio.ui.web import StudioServer, is_loopback

    password = os.environ.get(PASSWORD_ENV) or None
    token = None if args.no_token else (os.environ.get(TOKEN_ENV) or secrets.token_urlsafe(18))
    if not token and not password and not is_loopback(args.host):
        raise CliError(Message("serve.open", N_("refusing to serve on {host} with no token and no password: anyone "
                                                "who can reach it would drive the studio (drop --no-token, or set "
                                                "{env})"), host=args.host, env=PASSWORD_ENV))
    root = resolve_path(args.workspace)
    if not (root / "studio.json").exists() and not (root / "config.toml").exists():
        raise CliError(Message("serve.no-workspace", N_("no workspace at {path}: run `studio init` first"),
                               path=root))
    server = StudioServer(root, args.host, args.port, token=token, password=password, language=current_language())
    shown_host = f"[{args.host}]" if ":" in args.host else args.host
    url = f"http://{shown_host}:{args.port}/" + (f"?token={token}" if token else "")
    print(_("serving the studio for {workspace} at {url}").format(workspace=root, url=url), flush=True)
    print(_("each browser tab is a reviewer session; add &reviewer=NAME to the address to name it. Ctrl+C stops."),
          flush=True)
    server.serve()
    return 0
