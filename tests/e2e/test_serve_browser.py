"""`studio serve` in a real headless Chromium: the page loads, the Samples pane shows rows, a key press
approves a sample and the approval is in the store with the tab's reviewer; the guard refuses strangers."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from studio.store import Store
from tests.e2e.browser import CHROMIUM, chromium, free_port

TOKEN = "test-token-123"


@pytest.fixture
def served(ready_cli, ws_path, tmp_path):
    code, _, err = ready_cli("generate", "--dialogues", "2", "--seed", "4")
    assert code == 0, err
    port = free_port()
    log = (tmp_path / "serve.log").open("wb")
    env = {**os.environ, "STUDIO_SERVE_TOKEN": TOKEN}
    server = subprocess.Popen([sys.executable, "-m", "studio", "--workspace", str(ws_path), "serve", "--port",
                               str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(base + "/static/css/xterm.css", timeout=2)
            break
        except httpx.TransportError:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "studio serve did not start"
            time.sleep(0.2)
    yield base
    server.send_signal(signal.SIGINT)
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


def test_the_guard_refuses_without_the_token(served) -> None:
    assert httpx.get(served + "/").status_code == 401
    assert httpx.get(served + "/?token=wrong").status_code == 401
    page = httpx.get(served + f"/?token={TOKEN}")
    assert page.status_code == 200 and "Kouyu Studio" in page.text
    assert "studio_session" in page.headers["set-cookie"] and "HttpOnly" in page.headers["set-cookie"]
    stranger = httpx.get(served + "/ws", cookies={"studio_session": TOKEN},
                         headers={"Origin": "http://evil.example", "Connection": "Upgrade", "Upgrade": "websocket",
                                  "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
    assert stranger.status_code == 403


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; .ci/run does)")
def test_a_browser_tab_reviews_a_sample(served, ws_path, tmp_path) -> None:
    shot = tmp_path / "studio-serve.png"

    async def drive() -> None:
        async with chromium() as page:
            await page.call("Page.navigate", url=f"{served}/?token={TOKEN}&reviewer=tab-reviewer")
            await page.wait_for_text("Topics")
            await page.focus()
            mark = len(page.frames)
            await page.press("3")
            await page.wait_for_text("pending", after=mark)  # the Samples pane's rows, each still to review
            mark = len(page.frames)
            await page.press("a")
            await page.wait_for_text("approved", after=mark)
            await page.screenshot(shot)
            await page.call("Page.navigate", url="about:blank")  # the tab closes: its studio process ends

    asyncio.run(drive())
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000
    deadline = time.monotonic() + 30
    while True:  # the tab's process releases the workspace as it ends
        try:
            store = Store(ws_path)
            break
        except Exception:
            assert time.monotonic() < deadline, "the browser tab's studio process never let the workspace go"
            time.sleep(0.2)
    with store:
        turns = [t for d in store.dialogues.all() for t in d.turns if t.role == "teacher"]
    approved = [t for t in turns if t.review.value == "approved"]
    assert len(approved) == 1
    assert approved[0].edits[-1].author == "tab-reviewer"


def test_serve_refuses_an_open_address_without_a_guard(ready_cli) -> None:
    code, _, err = ready_cli("serve", "--host", "0.0.0.0", "--no-token")
    assert code == 1 and "refusing to serve on 0.0.0.0 with no token and no password" in err


def test_serve_needs_a_workspace(cli, tmp_path: Path) -> None:
    code, _, err = cli("--workspace", str(tmp_path / "none"), "serve")
    assert code == 1 and "run `studio init` first" in err
