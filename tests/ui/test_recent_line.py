"""Results that matter stay on screen: after an export from the Dashboard the snapshot's id is on the
pane's "Recent" line once its notification has gone, and on the other panes too."""

from __future__ import annotations

import html
import re

from studio.ui.app import make_app
from studio.ui.widgets.recent import RecentLine
from tests.ui.conftest import settle, until


def screen_text(svg: str) -> str:
    """The screenshot's text, line by line (its cells are split over many <text> elements)."""
    rows: dict[float, list[tuple[float, str]]] = {}
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="([\d.]+)"[^>]*>(.*?)</text>', svg):
        rows.setdefault(float(m.group(2)), []).append((float(m.group(1)), html.unescape(m.group(3))))
    return "\n".join("".join(t for _x, t in sorted(cells)) for _y, cells in sorted(rows.items()))


def recent(app) -> str:
    line = app.screen.query_one(RecentLine)
    return str(line.render()) if line.display else ""


async def test_an_exports_snapshot_id_stays_after_its_toast(generated) -> None:
    app = make_app(generated)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert recent(app) == ""  # nothing said yet: no line
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("x")
        await until(pilot, lambda: app.screen.__class__.__name__ == "ExportForm")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: bool(generated.store.snapshots))
        await settle(pilot)
        (snap,) = generated.store.snapshots
        await until(pilot, lambda: snap.id in recent(app))
        app.clear_notifications()
        await pilot.pause(0.1)
        assert not app._notifications and snap.id in recent(app)
        assert recent(app).startswith("Recent: ")
        shot = screen_text(app.export_screenshot())
        assert snap.id in shot  # on the screen, not only in the widget
        await pilot.press("1")
        await settle(pilot)
        assert snap.id in recent(app)  # the Topics pane shows it too
