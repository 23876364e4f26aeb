"""Palette provider that jumps to any topic, sample or run."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.widgets import Input

from studio.i18n import _
from studio.ui.screens.samples import SamplesScreen
from studio.ui.services import studio_of

LIMIT = 40


class JumpProvider(Provider):
    """`ctrl+p` then type: topics by text or title, samples by id, runs by id."""

    async def search(self, query: str) -> Hits:
        app = self.app
        store = studio_of(app).workspace.store
        matcher = self.matcher(query)
        found = 0
        topics = await self._run(lambda: list(store.topics.raw()))
        for topic_id, raw in topics:
            label = _("topic: {title} {text}").format(title=raw.get("title") or "", text=raw["text"]).strip()
            score = matcher.match(label)
            if score > 0:
                found += 1
                yield Hit(score, matcher.highlight(label), partial(self._jump_topic, raw["text"]), help=topic_id)
            if found >= LIMIT:
                return
        for run_id, raw in await self._run(lambda: list(store.runs.raw())):
            label = _("run: {run} ({status})").format(run=run_id, status=raw.get("status"))
            score = matcher.match(label)
            if score > 0:
                yield Hit(score, matcher.highlight(label), partial(self._jump_samples, run_id))
        if query.startswith("d-"):
            yield Hit(1.0, _("sample: {sample}").format(sample=query), partial(self._jump_samples, query))

    async def discover(self) -> Hits:
        yield DiscoveryHit(_("Go to Samples needing review"), partial(self._queue))

    async def _run(self, fn):
        import asyncio

        return await asyncio.to_thread(fn)

    async def _jump_topic(self, text: str) -> None:
        await self.app.switch_mode("topics")
        self.app.screen.query_one("#topic-search", Input).value = text

    async def _jump_samples(self, text: str) -> None:
        """Show a sample or a run's samples in the Samples pane, whatever its filters were."""
        await self.app.switch_mode("samples")
        screen = self.app.screen
        if isinstance(screen, SamplesScreen):
            screen.jump(text)

    async def _queue(self) -> None:
        await self.app.switch_mode("samples")
        screen = self.app.screen
        if isinstance(screen, SamplesScreen) and not screen.queue:
            screen.action_queue()
