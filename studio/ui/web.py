"""The studio in a browser: textual-serve (the Textual team's own server) runs one studio process per
browser tab, each a reviewer session on the same workspace.

textual-serve itself has no access control: anyone who can reach its port drives the app. This server
adds it. A request needs the session token (``?token=…`` on the first page, then an HttpOnly, SameSite
cookie the page's WebSocket carries) or, when ``STUDIO_SERVE_PASSWORD`` is set, HTTP basic auth with that
password. The WebSocket also refuses an ``Origin`` other than the page's own. Static files (the terminal's
JavaScript and fonts) carry no data and are served to anyone.

``?reviewer=NAME`` on the page names the tab's reviewer: the process it starts records that name on every
approve, reject and edit (``STUDIO_REVIEWER``).
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import ipaddress
import logging
import re
import shlex
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import aiohttp_jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("studio.serve")

COOKIE = "studio_session"
TITLE = "Kouyu Studio"  # the product's name, as the app's own title (not translated)
REVIEWER = re.compile(r"[\w.@ -]{1,40}")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _same(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


class StudioServer(Server):
    """textual-serve's server, guarded by a token or a password, one studio process per tab."""

    def __init__(self, workspace: Path, host: str, port: int, *, token: str | None, password: str | None,
                 language: str | None = None) -> None:
        self.workspace = workspace
        self.language = language
        self.token = token
        self.password = password
        super().__init__(self.command_for(""), host=host, port=port, title=TITLE)

    def command_for(self, reviewer: str) -> str:
        parts = [sys.executable, "-m", "studio", "--workspace", str(self.workspace)]
        if self.language:
            parts += ["--lang", self.language]
        command = " ".join(shlex.quote(p) for p in parts)
        return f"STUDIO_REVIEWER={shlex.quote(reviewer)} {command}" if reviewer else command

    def allowed(self, request: web.Request) -> bool:
        if self.token and (_same(request.query.get("token"), self.token) or
                           _same(request.cookies.get(COOKIE), self.token)):
            return True
        if self.password:
            scheme, _, value = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() == "basic":
                try:
                    _user, _, given = base64.b64decode(value).decode().partition(":")
                except (ValueError, UnicodeDecodeError):
                    return False
                return _same(given, self.password)
        return not self.token and not self.password  # loopback with no guard asked for (--no-token)

    @web.middleware
    async def guard(self, request: web.Request,
                    handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        if request.path.startswith("/static/"):
            return await handler(request)
        if not self.allowed(request):
            headers = {"WWW-Authenticate": 'Basic realm="Kouyu Studio"'} if self.password else {}
            raise web.HTTPUnauthorized(text="Kouyu Studio: this address needs its token (the URL `studio serve` "
                                            "printed) or the password", headers=headers)
        origin = request.headers.get("Origin")
        if request.path.startswith("/ws") and origin and origin != f"{request.scheme}://{request.host}":
            raise web.HTTPForbidden(text="Kouyu Studio: a WebSocket from another site")
        response = await handler(request)
        if self.token and _same(request.query.get("token"), self.token):
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="Strict")
        return response

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self.guard)
        app.router.add_get("/ws/{reviewer}", self.handle_websocket)
        return app

    async def on_startup(self, app: web.Application) -> None:
        pass  # the CLI prints the address (with its token); textual-serve's logo would bury it

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        base = f"{request.scheme}://{request.host}"
        reviewer = request.query.get("reviewer", "")
        path = "/ws" + (f"/{quote(reviewer, safe='')}" if reviewer and REVIEWER.fullmatch(reviewer) else "")
        scheme = "wss" if request.scheme == "https" else "ws"
        return {"font_size": to_int(request.query.get("fontsize", "16"), 16),
                "app_websocket_url": f"{scheme}://{request.host}{path}",
                "config": {"static": {"url": f"{base}/static/"}},
                "application": {"name": self.title}}

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's handler, starting the tab's own studio process (its reviewer named)."""
        reviewer = unquote(request.match_info.get("reviewer", ""))
        if reviewer and not REVIEWER.fullmatch(reviewer):
            reviewer = ""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            app_service = AppService(self.command_for(reviewer), write_bytes=websocket.send_bytes,
                                     write_str=websocket.send_str, close=websocket.close,  # type: ignore[arg-type]  # as textual-serve passes it
                                     download_manager=self.download_manager, debug=False)
            await app_service.start(width, height)
            try:
                await self._process_messages(websocket, app_service)
            finally:
                await app_service.stop()
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:  # a tab's failure must not stop the server for the others
            log.exception("browser session failed")
        finally:
            if app_service is not None:
                await app_service.stop()
        return websocket
