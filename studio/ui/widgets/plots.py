"""Text for a plotext chart (a title, a bar's label). Plotext gives every character one column, but a
Chinese character is two cells wide: each wide character is followed by a zero-width space, which
takes the second column in plotext's grid and no room on the screen, so titles and labels in
Chinese line up as English ones do."""

from __future__ import annotations

from rich.cells import cell_len

from studio.ui.safe import one_line

SECOND_COLUMN = "\u200b"  # zero width: what stands in a wide character's second column


def plot_text(text: str) -> str:
    """``text`` as plotext must be given it to draw it ``cell_len(text)`` cells wide (and on one line,
    sanitised: a chart's labels are data too)."""
    text = one_line(text)
    if cell_len(text) == len(text):
        return text
    return "".join(ch + SECOND_COLUMN * (cell_len(ch) - 1) if cell_len(ch) > 1 else ch for ch in text)
