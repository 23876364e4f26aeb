"""The Topics pane: the topic pool as a table, loaded off the UI thread."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header

from studio.domain import Topic

COLUMNS = (("id", "ID"), ("source", "Source"), ("on", "On"), ("title", "Title"), ("text", "Topic"))


class TopicsScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Header()
        table: DataTable[str] = DataTable(id="topics-table", cursor_type="row", zebra_stripes=True)
        table.border_title = "Topics"
        yield table
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self.app.store_changed.subscribe(self, self._on_store_changed)  # type: ignore[attr-defined]
        self.load()

    def _on_store_changed(self, change: tuple[str, str | None]) -> None:
        if change[0] == "topics":
            self.load()

    @work(thread=True, exclusive=True, group="topics-load", exit_on_error=False)
    def load(self) -> None:
        store = self.app.workspace.store  # type: ignore[attr-defined]
        topics = sorted(store.topics.all(), key=lambda t: (t.created, t.id))
        self.app.call_from_thread(self._fill, topics)

    def _fill(self, topics: list[Topic]) -> None:
        table = self.query_one(DataTable)
        wanted = {t.id for t in topics}
        for row_key in list(table.rows):
            if row_key.value not in wanted:
                table.remove_row(row_key)
        for t in topics:
            cells = (t.id, t.source.value, "yes" if t.enabled else "no", t.title, t.text)
            if t.id in table.rows:
                for (key, _), value in zip(COLUMNS, cells, strict=True):
                    table.update_cell(t.id, key, value)
            else:
                table.add_row(*cells, key=t.id)
        table.border_title = f"Topics · {len(topics)}"
