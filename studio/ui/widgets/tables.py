"""Keeping a DataTable in step with a list of rows, in place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.message import Message

from studio.ui.safe import DataTable, cell


class FitTable(DataTable[str]):
    """A DataTable that says when its size changed, so its owner can fit the columns to it."""

    class Resized(Message):
        def __init__(self, table: FitTable) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> FitTable:
            return self.table

    def on_resize(self, event: events.Resize) -> None:
        self.post_message(self.Resized(self))


def setup(table: DataTable, columns: Sequence[tuple[str, str]]) -> None:
    for key, label in columns:
        table.add_column(label, key=key)
    table.focus()


def reconcile(table: DataTable, columns: Sequence[tuple[str, str]], rows: Sequence[tuple[str, Sequence[str]]],
              unique: str | None = None) -> None:
    """Make ``table`` show ``rows`` (key, cells) in order: changed cells are updated, new rows added,
    gone rows removed. When most rows go (a new filter), the page is replaced at once: DataTable
    removes rows one by one in O(n) each. The table only ever holds a few pages, never all data."""
    wanted = {key for key, _ in rows}
    stale = [k for k in table.rows if k.value not in wanted]
    if len(stale) > len(table.rows) // 2:
        table.clear()
    else:
        for row_key in stale:
            table.remove_row(row_key)
    order: dict[str, int] = {}
    for position, (key, cells) in enumerate(rows):
        order[key] = position
        if key in table.rows:
            for (column, _), value in zip(columns, cells, strict=True):
                if table.get_cell(key, column) != cell(value):  # the table holds each cell as shown
                    table.update_cell(key, column, value, update_width=True)
        else:
            table.add_row(*cells, key=key)
    # DataTable sorts by cell values, so rows are put in order through a column whose values are unique.
    column = unique or columns[0][0]
    at = [key for key, _ in columns].index(column)
    rank = {cell(cells[at]): order[key] for key, cells in rows}
    if len(rank) == len(rows):
        table.sort(column, key=lambda value: rank.get(value, 0))


@dataclass(frozen=True)
class Col:
    """A column: ``keep`` columns are always shown; the others go, lowest ``rank`` first, when the
    table is too narrow; the ``flex`` column takes whatever width is left (at least ``least``)."""

    key: str
    label: str
    keep: bool = False
    rank: int = 0
    flex: bool = False
    least: int = 4
    most: int = 40


PADDING = 2  # DataTable's cell padding: one cell each side


def fit(cols: Sequence[Col], width: int, widths: dict[str, int]) -> list[tuple[str, str, int]]:
    """Choose the columns that fit ``width`` cells and their widths: (key, label, width) in order.

    ``widths`` is the widest content of each column. Optional columns are dropped, lowest rank
    first, until the flex column gets at least its ``least`` width."""
    def natural(c: Col) -> int:
        return max(cell_len(c.label), min(c.most, widths.get(c.key, 0)))

    chosen = list(cols)
    flex = next((c for c in cols if c.flex), None)
    optional = sorted((c for c in cols if not c.keep and not c.flex), key=lambda c: c.rank)
    while True:
        used = sum(natural(c) + PADDING for c in chosen if not c.flex) + (PADDING if flex else 0)
        room = width - used
        if room >= (flex.least if flex else 0) or not optional:
            break
        chosen.remove(optional.pop(0))
    out = []
    for c in chosen:
        if c.flex:
            out.append((c.key, c.label, max(flex.least if flex else 4, min(c.most, room, max(cell_len(c.label),
                                                                                          widths.get(c.key, 0))))))
        else:
            out.append((c.key, c.label, natural(c)))
    return out


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, ending in an ellipsis when cut (CJK counts two cells)."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


class Fitter:
    """Keeps a FitTable's columns fitted to its width (key columns kept, the rest by rank) while its rows
    are reconciled in place; the columns are rebuilt only when the fit changes."""

    def __init__(self, table: DataTable, cols: Sequence[Col]) -> None:
        self.table, self.cols = table, cols
        self.layout: list[tuple[str, str, int]] = []
        self.grown: dict[str, int] = {}

    def show(self, rows: Sequence[tuple[str, dict[str, str]]]) -> None:
        table = self.table
        for _, row in rows:  # widths only grow while the size stays (no jumping columns)
            for key, value in row.items():
                self.grown[key] = max(self.grown.get(key, 0), cell_len(value))
        width = table.scrollable_content_region.width or table.app.size.width - 4
        layout = fit(self.cols, max(20, width - 2), self.grown)
        current = None
        if layout != self.layout:
            if table.row_count:
                current = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            table.clear(columns=True)
            for key, label, w in layout:
                table.add_column(label, key=key, width=w)
            self.layout = layout
        widths = {key: w for key, _, w in layout}
        columns = [(key, label) for key, label, _ in layout]
        reconcile(table, columns, [(key, tuple(cut(row.get(c, ""), widths[c]) for c, _ in columns)) for key, row in rows])
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current))

    def resized(self) -> None:
        self.grown = {}
