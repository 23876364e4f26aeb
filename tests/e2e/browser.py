"""A real headless Chromium (Debian's package) driven over the DevTools protocol, for `studio serve`.

textual-serve draws the terminal on a canvas, so what the page shows is read where the page reads it: the
WebSocket frames the studio process sends (Network.webSocketFrameReceived, the app's own terminal output,
textual-serve's ``D`` packets), collected as text. Keys are typed with Input.dispatchKeyEvent, as a person's
keyboard would; a screenshot of the page can be saved.

The protocol: https://chromedevtools.github.io/devtools-protocol/ (Page, Runtime, Network, Input).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Page:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.n = 0
        self.frames: list[str] = []
        self.waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for msg in self.ws:
            data = msg.json()
            if "id" in data and data["id"] in self.waiting:
                self.waiting.pop(data["id"]).set_result(data)
            elif data.get("method") == "Network.webSocketFrameReceived":
                frame = data["params"]["response"]
                payload = frame["payloadData"]
                raw = base64.b64decode(payload) if frame.get("opcode") == 2 else payload.encode()
                self.frames.append(ANSI.sub("", raw.decode("utf-8", "replace")))

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.n += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting[self.n] = future
        await self.ws.send_json({"id": self.n, "method": method, "params": params})
        reply = await asyncio.wait_for(future, 30)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def text(self) -> str:
        return "".join(self.frames)

    async def wait_for_text(self, needle: str, timeout: float = 60.0, after: int = 0) -> None:
        """Until ``needle`` appears in what the page received (from frame ``after`` on)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while needle not in "".join(self.frames[after:]):
            if loop.time() > deadline:
                raise AssertionError(f"the page never showed {needle!r}; last text: {self.text()[-600:]!r}")
            await asyncio.sleep(0.1)

    async def focus(self) -> None:
        """Click the terminal, as a person does before typing (xterm.js reads keys from its focused textarea)."""
        for kind in ("mousePressed", "mouseReleased"):
            await self.call("Input.dispatchMouseEvent", type=kind, x=200, y=12, button="left", clickCount=1)
        await self.call("Runtime.evaluate", expression="document.querySelector('textarea')?.focus()")

    async def press(self, key: str) -> None:
        for kind in ("keyDown", "keyUp"):
            params: dict[str, Any] = {"type": kind, "key": key}
            if kind == "keyDown" and len(key) == 1:
                params["text"] = key
            await self.call("Input.dispatchKeyEvent", **params)

    async def screenshot(self, path: Path) -> None:
        shot = await self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@contextlib.asynccontextmanager
async def chromium(width: int = 1280, height: int = 800) -> AsyncIterator[Page]:
    assert CHROMIUM, "chromium is not installed (apt-get install chromium)"
    port = free_port()
    profile = tempfile.mkdtemp(prefix="studio-chromium-")
    process = subprocess.Popen([CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                f"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1",
                                f"--user-data-dir={profile}", f"--window-size={width},{height}", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession() as session:
            targets: list[dict[str, Any]] = []
            for _ in range(300):
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"http://127.0.0.1:{port}/json/list") as r:
                        targets = [t for t in await r.json() if t.get("type") == "page"]
                if targets:
                    break
                await asyncio.sleep(0.1)
            assert targets, "headless chromium did not open a page"
            async with session.ws_connect(targets[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                page = Page(ws)
                await page.call("Page.enable")
                await page.call("Network.enable")
                try:
                    yield page
                finally:
                    page.reader.cancel()
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(profile, ignore_errors=True)
