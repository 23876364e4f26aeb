"""Keeping a DataTable in step with a list of rows, in place."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import DataTable


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
                if table.get_cell(key, column) != value:
                    table.update_cell(key, column, value, update_width=True)
        else:
            table.add_row(*cells, key=key)
    # DataTable sorts by cell values, so rows are put in order through a column whose values are unique.
    column = unique or columns[0][0]
    at = [key for key, _ in columns].index(column)
    position = {cells[at]: order[key] for key, cells in rows}
    if len(position) == len(rows):
        table.sort(column, key=lambda value: position.get(value, 0))
