"""Palette provider that jumps to any topic, sample or run."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

LIMIT = 40


class JumpProvider(Provider):
    """`ctrl+p` then type: topics by text or title, samples by id, runs by id."""

    async def search(self, query: str) -> Hits:
        app = self.app
        store = app.workspace.store  # type: ignore[attr-defined]
        matcher = self.matcher(query)
        found = 0
        topics = await self._run(lambda: list(store.topics.raw()))
        for topic_id, raw in topics:
            label = f"topic: {raw.get('title') or ''} {raw['text']}".strip()
            score = matcher.match(label)
            if score > 0:
                found += 1
                yield Hit(score, matcher.highlight(label), partial(self._jump_topic, raw["text"]), help=topic_id)
            if found >= LIMIT:
                return
        for run_id, raw in await self._run(lambda: list(store.runs.raw())):
            label = f"run: {run_id} ({raw.get('status')})"
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(self._jump_samples, run_id))
        if query.startswith("d-"):
            yield Hit(1.0, f"sample: {query}", partial(self._jump_samples, query))

    async def discover(self) -> Hits:
        yield DiscoveryHit("Go to Samples needing review", partial(self._queue))

    async def _run(self, fn):  # type: ignore[no-untyped-def]
        import asyncio

        return await asyncio.to_thread(fn)

    def _jump_topic(self, text: str) -> None:
        self.app.switch_mode("topics")
        search = self.app.screen.query_one("#topic-search")
        search.value = text  # type: ignore[attr-defined]

    def _jump_samples(self, text: str) -> None:
        self.app.switch_mode("samples")
        search = self.app.screen.query_one("#sample-search")
        search.value = text  # type: ignore[attr-defined]

    def _queue(self) -> None:
        self.app.switch_mode("samples")
        screen = self.app.screen
        if not getattr(screen, "queue", True):
            screen.action_queue()  # type: ignore[attr-defined]
