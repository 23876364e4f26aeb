"""The Samples pane's rows: one queue of changes to the stored samples, and the filtered, sorted view of them.

``SampleRowsMixin`` is the data side of :class:`studio.ui.screens.samples.SamplesScreen`, which
inherits it before ``Pane``. It owns (set up by ``_init_rows``):

- ``rows`` (sample key -> row), ``topics`` (topic id -> the name shown) and ``topic_text`` (topic
  id -> what a search looks in): replaced whole on the UI thread, never changed in place, so a
  worker that read them keeps a consistent copy;
- ``decided`` (sample key -> {reviewer: decision}), replaced whole with ``rows``;
- the filters (``query_text``, ``fault``, ``check``, ``review_filter``, ``reviewer``, ``sort``, ``queue``) and
  ``_filters_changed``, which counts their changes;
- ``view`` (the rows the filters let through, in order), ``total`` and ``shown`` (how many of the
  view the table shows);
- the merge queue: ``_rows_lock`` guards ``_wanted``, ``_reload`` and ``_merging``.

Threads: ``_request``, ``apply``, ``_replace``, ``_install`` and ``_show_view`` run on the UI
thread; ``_merge_all`` and what it calls (``_read_all``, ``_read_some``, ``_merge``,
``_topic_names``) run on one "samples-rows" worker thread at a time, and hand their results to the
UI thread with ``call_from_thread``; ``compute_view`` runs on a "samples-view" worker. ``_view``,
``_matcher`` and ``_sort_key`` run on whichever thread calls them.

The host (a ``Pane``) gives ``store``, ``studio``, ``app`` and ``run_worker``, and shows the view
in ``_sync``.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from textual import work

from studio.domain import Topic
from studio.evaluate.agreement import decisions
from studio.i18n import _
from studio.synth import review
from studio.synth.review import SampleRow
from studio.turn.context import topic_title
from studio.ui.widgets.sample_filters import matcher, sort_key

if TYPE_CHECKING:
    from studio.ui.screens.base import Pane as _Pane
else:
    _Pane = object

PAGE = 300
SYNC_LIMIT = 60_000


class SampleRowsMixin(_Pane):
    """The rows of every teacher turn, kept current by one merge at a time, and the filtered view of them."""

    def _init_rows(self) -> None:
        self.rows: dict[str, SampleRow] = {}
        self.topics: dict[str, str] = {}  # topic id -> the name shown (its title, or one derived from its text)
        self.topic_text: dict[str, str] = {}  # topic id -> what a search looks in
        self.view: list[SampleRow] = []
        self.shown = 0
        self.total = 0
        self.query_text = ""
        self.fault, self.check, self.review_filter, self.sort = "all", "all", "all", "order"
        self.queue = False
        self.reviewer = "all"
        self.decided: dict[str, dict[str, str]] = {}  # sample key -> {reviewer: approved/rejected}
        self._ordered: tuple[dict[str, SampleRow], str, list[SampleRow]] | None = None
        # One source of truth for the rows: every change goes through one queue, merged by one worker at
        # a time, so two merges never start from the same rows and drop each other's samples.
        self._rows_lock = threading.Lock()
        self._wanted: set[str] = set()
        self._reload = False
        self._merging = False
        self._filters_changed = 0  # counts filter, search and sort changes (a merge started before one is stale)

    def _sync(self) -> None:
        """Show the first ``shown`` rows of ``view`` (the host's table)."""
        raise NotImplementedError

    # -- data: one queue of changes, one merge at a time ------------------------------------------------
    def _request(self, ids: set[str] | None) -> None:
        """Ask for the rows of ``ids`` (None: every row) to be read again."""
        with self._rows_lock:
            if ids is None:
                self._reload = True
            else:
                self._wanted |= ids
            if self._merging:
                return  # the running merge picks this up before it ends
            self._merging = True
        self.run_worker(self._merge_all, thread=True, group="samples-rows", exit_on_error=False,
                        description=_("reading the samples"))

    def _merge_all(self) -> None:
        while True:
            with self._rows_lock:
                reload, ids = self._reload, self._wanted
                self._reload, self._wanted = False, set()
                if not reload and not ids:
                    self._merging = False
                    return
            try:
                if reload:
                    self._read_all()
                else:
                    self._read_some(sorted(ids))
            except Exception:
                with self._rows_lock:
                    self._merging = False
                raise

    def _topic_names(self) -> tuple[dict[str, str], dict[str, str]]:
        names, texts = {}, {}
        for t_id, raw in self.store.topics.raw():
            title = raw.get("title") or ""
            names[t_id] = title or topic_title(Topic.model_validate(raw))
            texts[t_id] = f"{title} {raw.get('text', '')}"
        return names, texts

    def _read_all(self) -> None:
        """Rows come in chunks: the first page shows at once, the rest follows."""
        topics = self._topic_names()
        decided = decisions(self.store.dialogues.raw())
        studio = self.studio
        prebuilt, changed = studio.prebuilt_rows, studio.changed_since_prebuild
        if prebuilt is not None and not self.rows and None not in changed:
            studio.prebuilt_rows = None
            self.app.call_from_thread(self._replace, prebuilt, topics, decided)
            if changed:
                self._read_some(sorted(i for i in changed if i))
            return
        rows: dict[str, SampleRow] = {}
        for n, chunk in enumerate(review.row_chunks(self.store, first=100)):
            rows.update((r.key, r) for r in chunk)
            if n == 0 and not self.rows:
                self.app.call_from_thread(self._replace, dict(rows), topics, decided)
                time.sleep(0.05)  # let the first page paint before building the rest
        self.app.call_from_thread(self._replace, rows, topics, decided)

    def _read_some(self, ids: list[str]) -> None:
        providers = review.run_providers(self.store)
        fresh: dict[str, SampleRow] = {}
        docs = []
        for dialogue_id in ids:
            d = self.store.dialogues.get(dialogue_id)
            if d is not None:
                doc = d.model_dump(mode="json")
                docs.append((dialogue_id, doc))
                fresh.update({r.key: r for r in review.rows_of(doc, providers)})
        self._merge(ids, fresh, decisions(docs))

    def _replace(self, rows: dict[str, SampleRow], topics: tuple[dict[str, str], dict[str, str]],
                 decided: dict[str, dict[str, str]]) -> None:
        self.rows, (self.topics, self.topic_text), self.decided = rows, topics, decided
        self.apply()

    def _merge(self, ids: list[str], fresh: dict[str, SampleRow], decided: dict[str, dict[str, str]]) -> None:
        """A few dialogues changed: patch the rows and the view (on the worker's thread), then show it.

        Rows already shown keep their place (their cells update); new rows join at the end of the
        view until the next re-sort (`o`, a filter, or a search): the page a person reads never jumps.
        Only one merge runs at a time (see ``_request``), and it waits until its rows are shown.
        """
        generation = self._filters_changed
        gone = set(ids)
        rows = {k: r for k, r in self.rows.items() if r.dialogue_id not in gone}  # new objects: the UI reads the old
        rows.update(fresh)
        decided = {k: v for k, v in self.decided.items() if k.rpartition(":")[0] not in gone} | decided
        keep = self._matcher(self.query_text, decided)
        view = []
        for r in self.view:
            if r.dialogue_id not in gone:
                view.append(r)
            elif (now := fresh.get(r.key)) is not None and keep(now):
                view.append(now)
        seen = {r.key for r in view}
        view.extend(sorted((r for r in fresh.values() if r.key not in seen and keep(r)), key=self._sort_key()))
        self.app.call_from_thread(self._install, rows, decided, view, generation)

    def _install(self, rows: dict[str, SampleRow], decided: dict[str, dict[str, str]], view: list[SampleRow],
                 generation: int) -> None:
        self.rows, self.decided = rows, decided
        if generation != self._filters_changed:  # a filter or search changed while merging: filter anew
            self.apply()
        else:
            self._show_view(view, len(rows))

    # -- the view: the rows the filters let through, in the chosen order ---------------------------------
    def _matcher(self, query: str, decided: dict[str, dict[str, str]] | None = None):
        return matcher(self.fault, self.check, self.review_filter, self.queue, query, self.topic_text,
                       self.reviewer, self.decided if decided is None else decided)

    def _sort_key(self):
        return sort_key(self.sort, self.topics)

    def apply(self) -> None:
        """Refilter and re-sort, then show the first pages, updating rows in place.

        Up to SYNC_LIMIT rows this takes a few tens of milliseconds and is done at once: a thread
        would take ten times as long, sharing the interpreter with the UI it would free.
        """
        self._filters_changed += 1
        query = self.query_text
        if len(self.rows) <= SYNC_LIMIT:
            self._show_view(self._view(self.rows, query), len(self.rows))
        else:
            self.compute_view(self.rows, query)

    def _view(self, rows: dict[str, SampleRow], query: str) -> list[SampleRow]:
        """Filter the rows in the current sort order. The sorted list is kept per (rows, sort):
        changing a filter then costs one pass over the rows, not a sort."""
        ordered = self._ordered
        if ordered is None or ordered[0] is not rows or ordered[1] != self.sort:
            ordered = self._ordered = (rows, self.sort, sorted(rows.values(), key=self._sort_key()))
        return list(filter(self._matcher(query), ordered[2]))

    @work(thread=True, exclusive=True, group="samples-view", exit_on_error=False)
    def compute_view(self, rows: dict[str, SampleRow], query: str) -> None:
        view = self._view(rows, query)
        self.app.call_from_thread(self._show_view, view, len(rows))

    def _show_view(self, view: list[SampleRow], total: int) -> None:
        self.view = view
        self.total = total
        self.shown = min(len(self.view), max(PAGE, self.shown))
        self._sync()
