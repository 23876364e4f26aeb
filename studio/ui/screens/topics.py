"""The Topics pane: the topic pool, its use in the dataset, and growing it."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import Future
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from studio.config import ConfigError
from studio.datafiles.textfile import InputError
from studio.domain import Topic, TopicSource
from studio.i18n import _, ngettext
from studio.synth import topics as service
from studio.synth.expand import expand
from studio.synth.review import samples_per_topic
from studio.synth.topic_guard import NearDuplicate
from studio.synth.topics import update_topic
from studio.turn.context import topic_title
from studio.turn.prompts import Prompts
from studio.ui.modals.command_forms import ExpandForm
from studio.ui.modals.common import Ask, Confirm
from studio.ui.modals.forms import TopicFields, TopicForm
from studio.ui.modals.rejected import RejectedReview
from studio.ui.safe import DataTable, Static, heading, notify
from studio.ui.screens.base import Pane
from studio.ui.services import Coalesced
from studio.ui.widgets.inputs import PaneInput, take_keys
from studio.ui.widgets.tables import Col, FitTable, Fitter
from studio.ui.words import word

# The title and on/off always show; at 80 columns the source, then the share, the samples and the
# dialogues give way; the long Chinese scenario takes what is left (at least 16 cells), cut with "…".
# A title (an untitled topic's head of text) is cut at 20 cells, so one never pushes the scenario away.
COLUMNS = (Col("title", _("Title"), keep=True, most=20), Col("source", _("Source"), rank=0),
           Col("on", _("On"), keep=True), Col("dialogues", _("Dlg"), rank=3), Col("samples", _("Smp"), rank=2),
           Col("share", _("Share"), rank=1), Col("text", _("Topic"), flex=True, least=16, most=200))
SOURCES = ("all", *(s.value for s in TopicSource))


class TopicsScreen(Pane):
    TITLE_TEXT = _("Topics")
    MODE = "topics"
    HELP = _("The conversation topics dialogues are generated from. Type in the search box to filter; `s` cycles the "
             "source filter. Add, edit, delete, enable or disable topics, import a topic file, grow the pool with a "
             "self-instruct expansion, and review the candidates it turned away as near-duplicates.")
    BINDINGS = [
        Binding("slash", "search", _("Search"), id="topics.search", priority=True),
        Binding("a", "add", _("Add"), id="topics.add"),
        Binding("e", "edit", _("Edit"), id="topics.edit"),
        Binding("d,delete", "delete", _("Delete"), id="topics.delete"),
        Binding("space", "toggle_topic", _("On/off"), id="topics.toggle"),
        Binding("s", "source", _("Source filter"), id="topics.source"),
        Binding("i", "import_file", _("Import"), id="topics.import"),
        Binding("x", "expand", _("Expand"), id="topics.expand"),
        Binding("r", "rejected", _("Rejected"), id="topics.rejected"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.topics: list[Topic] = []
        self.counts: dict[str, tuple[int, int]] = {}
        self.source = "all"

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield PaneInput(placeholder=_("/ search topics: text, title, tags"), id="topic-search",
                        leave_to="#topics-table")
        table = FitTable(id="topics-table", cursor_type="row", zebra_stripes=True)
        table.border_title = heading(_("Topics"))
        yield table
        yield Static("", id="topics-status", classes="status")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        super().on_mount()
        self.fitter = Fitter(self.query_one(DataTable), COLUMNS)
        self.query_one(DataTable).focus()
        self.load()

    def store_changed(self, changes: set[tuple[str, str | None]]) -> None:
        if any(table in ("topics", "dialogues", "rejected") for table, _item in changes):
            self.load()

    # -- data ---------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="topics-load", exit_on_error=False)
    def load(self) -> None:
        topics = sorted(self.store.topics.all(), key=lambda t: (t.created, t.id))
        dialogues = Counter(raw["topic_id"] for _id, raw in self.store.dialogues.raw())
        samples = samples_per_topic(self.store)
        self.app.call_from_thread(self._fill, topics, {t.id: (dialogues[t.id], samples.get(t.id, 0)) for t in topics})

    def _visible(self) -> list[Topic]:
        query = self.query_one("#topic-search", Input).value.strip().lower()
        out = []
        for t in self.topics:
            if self.source != "all" and t.source.value != self.source:
                continue
            if query and query not in f"{t.text} {t.title} {' '.join(t.tags)} {t.id}".lower():
                continue
            out.append(t)
        return out

    def _fill(self, topics: list[Topic] | None = None, counts: dict[str, tuple[int, int]] | None = None) -> None:
        if topics is not None:
            self.topics, self.counts = topics, counts or {}
        table = self.query_one(DataTable)
        visible = self._visible()
        total_samples = sum(s for _d, s in self.counts.values()) or 1
        rows = []
        for t in visible:
            d, s = self.counts.get(t.id, (0, 0))
            rows.append((t.id, {"title": topic_title(t), "source": word(t.source.value),
                                "on": _("yes") if t.enabled else _("no"), "dialogues": str(d), "samples": str(s),
                                "share": f"{s / total_samples:.1%}", "text": t.text}))
        self.fitter.show(rows)
        source = "" if self.source == "all" else _(" · source {source}").format(source=word(self.source))
        table.border_title = heading(_("Topics · {shown} of {total}").format(shown=len(visible), total=len(self.topics)) + source)

    @on(FitTable.Resized, "#topics-table")
    def _table_resized(self) -> None:
        self.fitter.resized()
        self._fill()

    @on(Input.Changed, "#topic-search")
    def _search(self) -> None:
        self._fill()

    def _current(self) -> Topic | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((t for t in self.topics if t.id == key), None)

    # -- actions ------------------------------------------------------------------------------
    def action_search(self) -> None:
        take_keys(self.query_one("#topic-search", Input), "/")

    def action_source(self) -> None:
        self.source = SOURCES[(SOURCES.index(self.source) + 1) % len(SOURCES)]
        self._fill()

    def action_add(self) -> None:
        def done(fields: object) -> None:
            if isinstance(fields, TopicFields):
                self.guarded(lambda force: service.add_topic(self.store, fields.text, title=fields.title,
                                                             tags=fields.tags, force=force), _("topic added"))

        self.app.push_screen(TopicForm(_("Add a topic")), done)

    def action_edit(self) -> None:
        topic = self._current()
        if topic is None:
            return

        def done(fields: object) -> None:
            if isinstance(fields, TopicFields):
                self.guarded(lambda force: update_topic(self.store, topic.id, text=fields.text, title=fields.title,
                                                        tags=fields.tags, force=force), _("topic saved"))

        self.app.push_screen(TopicForm(_("Edit the topic"), topic.text, topic.title, ", ".join(topic.tags)), done)

    def action_delete(self) -> None:
        topic = self._current()
        if topic is None:
            return
        used = self.counts.get(topic.id, (0, 0))[0]
        question = _("Delete this topic?\n{topic}").format(topic=topic.text)
        if used:
            question += "\n" + ngettext("It has {n} dialogue; it is kept.", "It has {n} dialogues; they are kept.",
                                        used).format(n=used)

        def done(yes: bool | None) -> None:
            if yes:
                self._write(lambda: service.remove_topic(self.store, topic.id, force=True), _("topic deleted"))

        self.app.push_screen(Confirm(question, _("Delete")), done)

    def action_toggle_topic(self) -> None:
        topic = self._current()
        if topic is not None:
            self._write(lambda: update_topic(self.store, topic.id, enabled=not topic.enabled),
                        _("disabled") if topic.enabled else _("enabled"))

    def action_import_file(self) -> None:
        def done(path: str | None) -> None:
            if path:
                self.import_topics(path)

        self.app.push_screen(Ask(_("Import topics from which file? (text, JSONL or CSV)"),
                                 placeholder="path/to/topics.txt"), done)

    @work(thread=True, exclusive=True, group="topics-write", exit_on_error=False)
    def import_topics(self, path: str) -> None:
        from pathlib import Path

        try:
            report = service.import_topics(self.store, Path(path).expanduser())
        except InputError as exc:
            self.studio.failed(_("importing topics"), _("{error}; nothing added").format(error=exc))
            return
        skipped = ""
        if report.duplicates:  # the first one named in full; `studio topics import` lists them all
            first = report.duplicates[0]
            skipped = ngettext("; {n} near-duplicate skipped, e.g. line {line}: {why}",
                               "; {n} near-duplicates skipped, e.g. line {line}: {why}", len(report.duplicates)).format(
                n=len(report.duplicates), line=first.line, why=first.match.explain())
        added = len(report.added)
        self.app.call_from_thread(notify, self, ngettext("imported {n} topic{skipped}", "imported {n} topics{skipped}",
                                                        added).format(n=added, skipped=skipped))

    def _write(self, change, message: str) -> None:
        self.studio.write(change, message)

    def action_expand(self) -> None:
        def done(values: object) -> None:
            if isinstance(values, dict):
                self.start_expansion(values)

        config = self.studio.workspace.config
        self.app.push_screen(ExpandForm({"provider": config.studio.teacher}, {"provider": sorted(config.providers)}),
                             done)

    def start_expansion(self, values: dict[str, Any]) -> None:
        """Expand on the studio's model runner; its progress reaches the status line at most once a frame."""
        ws = self.studio.workspace
        status = self.query_one("#topics-status", Static)
        try:
            client = self.studio.models.open(values["provider"] or ws.config.studio.teacher)
        except (ConfigError, ValueError) as exc:
            self.studio.failed(_("expansion"), exc)
            return
        shown: Coalesced[str] = Coalesced(self.app, status.update)

        def progress(report) -> None:  # on the model loop
            shown.put(_("expanding: round {round} · {accepted}/{wanted} accepted · {rejected} turned away").format(
                round=report.rounds, accepted=len(report.accepted), wanted=values["n"], rejected=len(report.rejected)))

        async def run():
            try:
                return await expand(self.store, client, Prompts(ws.root), values["n"], threshold=values["threshold"],
                                    examples=values["examples"], seed=values["seed"], on_round=progress)
            finally:
                self.studio.models.close(client)

        def done(future: Future[Any]) -> None:
            shown.close()  # a last progress line still waiting must not cover the result
            exc = future.exception()
            if exc is not None:
                status.update("")
                self.studio.failed(_("expansion"), exc)
                return
            report = future.result()
            note = f" — {report.note}" if report.note else ""
            shown.show = lambda _line: None  # a late progress line must not cover the result
            status.update(_("expansion done: {added} added, {rejected} turned away (r to review)").format(
                added=len(report.accepted), rejected=len(report.rejected)) + note)

        self.studio.runner.submit(run()).add_done_callback(lambda f: self.app.call_later(done, f))

    def action_rejected(self) -> None:
        self.open_rejected()

    @work(thread=True, exclusive=True, group="topics-load-rejected", exit_on_error=False)
    def open_rejected(self) -> None:
        rejected = service.rejected_once(self.store)
        if not rejected:
            self.app.call_from_thread(notify, self, _("no rejected candidates yet (run an expansion with x)"))
            return

        def done(rejected_id: str | None) -> None:
            if rejected_id:
                self.accept_rejected(rejected_id)

        self.app.call_from_thread(self.app.push_screen, RejectedReview(rejected), done)

    @work(thread=True, group="topics-write", exit_on_error=False)
    def guarded(self, change, message: str) -> None:
        """A topic write through the near-duplicate guard: a refusal names the nearest topic and asks whether
        to keep it anyway (a copy that folds to the same text is refused outright)."""
        try:
            change(False)
        except NearDuplicate as exc:
            if exc.match.identical:
                self.studio.failed(_("the topic change"), exc.match.explain())
                return

            def keep(yes: bool | None) -> None:
                if yes:
                    self._write(lambda: change(True), _("{message} (kept as a near-duplicate)").format(message=message))

            question = _("{why}.\nKeep it anyway?").format(why=exc.match.explain())
            self.app.call_from_thread(self.app.push_screen, Confirm(question, _("Keep")), keep)
            return
        except (ValueError, LookupError) as exc:
            self.studio.failed(_("the topic change"), exc)
            return
        self.app.call_from_thread(notify, self, message, timeout=2)

    def accept_rejected(self, rejected_id: str) -> None:
        self._write(lambda: service.accept_rejected(self.store, rejected_id), _("accepted as a topic"))
