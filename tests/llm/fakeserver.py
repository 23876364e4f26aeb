"""A loopback HTTP server that speaks the OpenAI, Qianfan v2 and Qianfan v1 wire formats and
fails on demand. Runs in a thread (tests) or as a process (benchmarks):

    python -m tests.llm.fakeserver --latency 0.2     # prints "port N", serves until killed
"""

from __future__ import annotations

import argparse
import asyncio
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

REPLY = '{"Reply": "Nice! What do you like to do at weekends?", "Suggestion": ["I like hiking.", "I read books.", "I play football."], "Analysis": "回答正确。"}'


@dataclass
class Fault:
    """What the next request gets instead of a normal answer."""

    kind: str  # status | body_error | stream_error | reset | truncate | bad_chunk | delay | ok | answer
    #            drip (one byte per ``interval``) | keepalive (SSE comments only, every ``interval``)
    #            length (finish_reason "length", as OpenAI sends at max_tokens; v1: is_truncated)
    #            multiline (each chunk's JSON split over several ``data:`` lines, with ``retry:``,
    #            ``id:`` and comment lines between: all legal per the WHATWG SSE spec, §9.2.6)
    #            endless (a 200 body that never ends, no length) | endless_line (an SSE stream whose
    #            first ``data:`` line never ends)
    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    interval: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class FakeServer:
    def __init__(self, *, latency: float = 0.0, reply: str = REPLY, usage: bool = True, token_ttl: int = 2592000,
                 responder: Callable[[Any], str] | None = None, chaos: Callable[[], Fault | None] | None = None,
                 piece_delay: float = 0.0, usage_out: int = 20) -> None:
        self.latency = latency
        self.piece_delay = piece_delay  # seconds between streamed pieces: a model writing slowly
        self.reply = reply
        self.responder = responder  # the answer text from the request body (a simulated model)
        self.chaos = chaos  # a fault for some requests, chosen at random
        self.usage = usage
        self.usage_out = usage_out  # the completion tokens the server reports (a liar reports many)
        self.answered = 0  # whole answers sent
        self.token_ttl = token_ttl
        self.faults: deque[Fault] = deque()
        self.seen: list[Seen] = []
        self.tokens_issued = 0
        self.valid_tokens: set[str] = set()
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None

    # -- control --------------------------------------------------------------------------------
    def fail(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeServer:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            self._server = self._loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        if self._loop and self._server:
            async def close() -> None:
                self._server.close()  # type: ignore[union-attr]
                me = asyncio.current_task()
                tasks = [t for t in asyncio.all_tasks() if t is not me]
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

            asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)  # type: ignore[union-attr]
            self._loop.close()

    # -- HTTP ---------------------------------------------------------------------------------
    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                method, target, _ = line.decode().split(" ", 2)
                headers: dict[str, str] = {}
                while (h := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    k, v = h.decode().split(":", 1)
                    headers[k.strip().lower()] = v.strip()
                raw = await reader.readexactly(int(headers.get("content-length", "0")))
                url = urlsplit(target)
                try:
                    body = orjson.loads(raw) if raw else None
                except orjson.JSONDecodeError:
                    body = None  # a form upload (a fine-tune's data file), not JSON
                self.seen.append(Seen(method, url.path, parse_qs(url.query), headers, body))
                keep = await self._respond(url.path, parse_qs(url.query), body, writer)
                if not keep:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _send(self, writer: asyncio.StreamWriter, status: int, payload: bytes,
                    headers: dict[str, str] | None = None, content_type: str = "application/json") -> bool:
        head = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", f"Content-Length: {len(payload)}"]
        head += [f"{k}: {v}" for k, v in (headers or {}).items()]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        await writer.drain()
        return True

    async def _respond(self, path: str, query: dict[str, list[str]], body: Any, writer: asyncio.StreamWriter) -> bool:
        if path.endswith("/oauth/2.0/token"):
            return await self._token(query, writer)
        v1 = "/wenxinworkshop/chat/" in path
        if v1:
            token = (query.get("access_token") or [""])[0]
            if token not in self.valid_tokens:
                return await self._send(writer, 200, orjson.dumps({"error_code": 110, "error_msg": "Access token invalid or no longer valid"}))
        fault = self.faults.popleft() if self.faults else (self.chaos() if self.chaos else None) or Fault("ok")
        if fault.kind == "expire_tokens":
            self.valid_tokens.clear()
            return await self._send(writer, 200, orjson.dumps({"error_code": 111, "error_msg": "Access token expired"}))
        if fault.delay or self.latency:
            await asyncio.sleep(fault.delay or self.latency)
        if fault.kind == "reset":
            writer.transport.abort()
            return False
        if fault.kind == "status":
            return await self._send(writer, fault.status, orjson.dumps(fault.body or {}), fault.headers)
        if fault.kind == "body_error":
            return await self._send(writer, 200, orjson.dumps(fault.body or {}), fault.headers)
        text = fault.body.get("text") if fault.kind == "answer" and fault.body else (
            self.responder(body) if self.responder else self.reply)
        stream = bool(body and body.get("stream"))
        if fault.kind == "drip":
            return await self._drip(writer, orjson.dumps(self._full(v1, body, text)), fault.interval)
        if fault.kind == "keepalive":
            return await self._keepalive(writer, fault.interval)
        if fault.kind in ("endless", "endless_line"):
            return await self._endless(writer, fault.kind == "endless_line")
        if not stream:
            full = self._full(v1, body, text)
            if fault.kind == "length":
                if v1:
                    full["is_truncated"] = True
                else:
                    full["choices"][0]["finish_reason"] = "length"
            sent = await self._send(writer, 200, orjson.dumps(full))
            self.answered += 1
            return sent
        return await self._stream(writer, v1, fault, text)

    async def _drip(self, writer: asyncio.StreamWriter, payload: bytes, interval: float) -> bool:
        """A server that answers one byte at a time: every read succeeds, the whole never ends in time."""
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n".encode())
        for i in range(len(payload)):
            writer.write(payload[i : i + 1])
            await writer.drain()
            await asyncio.sleep(interval)
        return True

    async def _keepalive(self, writer: asyncio.StreamWriter, interval: float) -> bool:
        """An SSE stream that only ever sends ``: keep-alive`` comments (proxies and some servers do)."""
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(100_000):
            payload = b": keep-alive\n\n"
            writer.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            await writer.drain()
            await asyncio.sleep(interval)
        return False

    async def _endless(self, writer: asyncio.StreamWriter, sse: bool) -> bool:
        """A body (or one SSE line) that never ends: written as fast as the reader takes it."""
        kind = "text/event-stream" if sse else "application/json"
        writer.write(f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\nConnection: close\r\n\r\n".encode())
        writer.write(b"data: {\"choices\": [{\"delta\": {\"content\": \"" if sse else b'{"choices": [{"message": {"content": "')
        block = b"a" * 65536
        while True:
            writer.write(block)
            await writer.drain()

    async def _token(self, query: dict[str, list[str]], writer: asyncio.StreamWriter) -> bool:
        if (query.get("client_secret") or [""])[0] == "wrong-secret":
            return await self._send(writer, 401, orjson.dumps({"error": "invalid_client", "error_description": "Client authentication failed"}))
        self.tokens_issued += 1
        token = f"24.token-{self.tokens_issued}"
        self.valid_tokens.add(token)
        return await self._send(writer, 200, orjson.dumps({"access_token": token, "expires_in": self.token_ttl}))

    def _full(self, v1: bool, body: Any, text: str) -> dict[str, Any]:
        usage = {"prompt_tokens": 30, "completion_tokens": self.usage_out, "total_tokens": 30 + self.usage_out}
        if v1:
            out: dict[str, Any] = {"id": "as-1", "object": "chat.completion", "result": text, "is_truncated": False}
        else:
            out = {"id": "x", "model": (body or {}).get("model", "m"),
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}
        if self.usage:
            out["usage"] = usage
        return out

    async def _stream(self, writer: asyncio.StreamWriter, v1: bool, fault: Fault, text: str) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")

        async def event(data: bytes) -> None:
            if fault.kind == "multiline" and data.startswith(b"{"):
                lines = orjson.dumps(orjson.loads(data), option=orjson.OPT_INDENT_2).split(b"\n")  # still JSON
                payload = b": comment\nretry: 3000\nid: 7\n" + b"".join(b"data:" + ln + b"\n" for ln in lines) + b"\n"
            else:
                payload = b"data: " + data + b"\n\n"
            writer.write(f"{len(payload):x}\r\n".encode() + payload + b"\r\n")
            await writer.drain()

        pieces = [text[i : i + 16] for i in range(0, len(text), 16)] or [""]
        for n, piece in enumerate(pieces):
            if fault.kind == "truncate" and n == len(pieces) // 2:
                break  # the body ends cleanly, but before the answer is complete
            if fault.kind == "bad_chunk" and n == 1:
                await event(b"{not json")
                continue
            if fault.kind == "stream_error" and n == 1:
                await event(orjson.dumps(fault.body or {}))
                break
            if fault.kind == "cut" and n == len(pieces) // 2:
                writer.transport.abort()  # the connection drops mid-stream
                return False
            last = n == len(pieces) - 1
            if self.piece_delay and n:
                await asyncio.sleep(self.piece_delay)
            if v1:
                chunk: dict[str, Any] = {"sentence_id": n, "result": piece, "is_end": last}
                if last and self.usage:
                    chunk["usage"] = {"prompt_tokens": 30, "completion_tokens": self.usage_out,
                                      "total_tokens": 30 + self.usage_out}
            else:
                end = "length" if fault.kind == "length" else "stop"
                chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": end if last else None}]}
            await event(orjson.dumps(chunk))
        if not v1 and fault.kind in ("ok", "answer", "length", "multiline"):
            if self.usage:
                await event(orjson.dumps({"choices": [], "usage": {"prompt_tokens": 30, "completion_tokens": self.usage_out,
                                                                   "total_tokens": 30 + self.usage_out}}))
            await event(b"[DONE]")
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        self.answered += 1
        return True


def simulator(seed: int = 3) -> Callable[[Any], str]:
    """The offline simulator's answer to a request body (a model behind the fake server)."""
    from studio.llm.base import ChatRequest, Message
    from studio.llm.offline import OfflineProvider

    sim = OfflineProvider(seed=seed)

    def respond(body: Any) -> str:
        return sim.respond(ChatRequest([Message(m["role"], m["content"]) for m in body["messages"]]))

    return respond


def simulated(seed: int = 3, **options: Any) -> FakeServer:
    """A started server whose answers come from the offline simulator (a model over real HTTP)."""
    return FakeServer(responder=simulator(seed), **options).start()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--simulate", action="store_true", help="answer with the offline simulator's text")
    args = parser.parse_args()
    responder = None
    if args.simulate:
        from studio.llm.base import ChatRequest, Message
        from studio.llm.offline import OfflineProvider

        sim = OfflineProvider(seed=1)

        def responder(body: Any) -> str:
            return sim.respond(ChatRequest([Message(m["role"], m["content"]) for m in body["messages"]]))

    server = FakeServer(latency=args.latency, responder=responder).start()
    print(f"port {server.port}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
