"""LLM client benchmark against the loopback fake server (run as its own process).

    python tests/bench/llm_bench.py

1. With 200 ms server latency: calls/s at concurrency 1, 8, 32, 64, and efficiency against the
   ideal (concurrency × the sequential rate measured in the same run). Target ≥ 85 % at 32.
2. With zero latency: the client's own overhead with the ledger on (every call recorded in a
   store, every response cached), against bare httpx calls in the same run. Target ≥ 300 calls/s.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import orjson  # noqa: E402

from studio.llm.base import ChatRequest, Message  # noqa: E402
from studio.llm.client import CallContext, LLMClient  # noqa: E402
from studio.llm.limits import Limiter  # noqa: E402
from studio.llm.openai import OpenAIProvider  # noqa: E402
from studio.store import Store  # noqa: E402


def start_server(latency: float) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "tests.llm.fakeserver", "--latency", str(latency)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline().split()[1])  # type: ignore[union-attr]
    return proc, f"http://127.0.0.1:{port}/v1"


async def run_client(base: str, concurrency: int, calls: int, store: Store | None) -> float:
    provider = OpenAIProvider("bench", "gpt-bench", base_url=base, api_key="k", concurrency=concurrency)
    client = LLMClient(provider, store=store, limiter=Limiter(concurrency))
    await client.chat(ChatRequest([Message("user", "warm-up")]))  # open the first connection
    start = time.perf_counter()
    await asyncio.gather(*(client.chat(ChatRequest([Message("user", f"question {i}")]), CallContext(run_id="bench"))
                           for i in range(calls)))
    elapsed = time.perf_counter() - start
    await client.aclose()
    return calls / elapsed


async def run_bare(base: str, concurrency: int, calls: int) -> float:
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency * 2)) as http:
        semaphore = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with semaphore:
                body = {"model": "m", "messages": [{"role": "user", "content": f"q {i}"}], "stream": False}
                response = await http.post(f"{base}/chat/completions", content=orjson.dumps(body))
                orjson.loads(response.content)

        await one(-1)
        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(calls)))
        return calls / (time.perf_counter() - start)


def table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")


def main() -> int:
    ok = True
    proc, base = start_server(0.2)
    try:
        rows = []
        sequential = asyncio.run(run_client(base, 1, 10, None))
        for c in (1, 8, 32, 64):
            rate = sequential if c == 1 else asyncio.run(run_client(base, c, c * 6, None))
            eff = rate / (c * sequential)
            target = ""
            if c == 32:
                target = ("met" if eff >= 0.85 else "MISSED") + " (≥ 85 %)"
                ok = ok and eff >= 0.85
            rows.append([str(c), f"{rate:.1f}", f"{c * sequential:.1f}", f"{eff:.0%}", target])
        print("200 ms server latency")
        table(["concurrency", "calls/s", "ideal calls/s", "efficiency", "target"], rows)
    finally:
        proc.kill()
    proc, base = start_server(0.0)
    try:
        with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp)) as store:
            bare = asyncio.run(run_bare(base, 32, 2000))
            ours = asyncio.run(run_client(base, 32, 2000, store))
            recorded = store.calls.count()
        met = ours >= 300
        ok = ok and met
        print("\nzero server latency, concurrency 32, 2,000 calls")
        table(["client", "calls/s", "target"], [
            ["bare httpx (baseline)", f"{bare:.0f}", ""],
            [f"studio client + ledger ({recorded} records)", f"{ours:.0f}", ("met" if met else "MISSED") + " (≥ 300)"],
        ])
    finally:
        proc.kill()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
