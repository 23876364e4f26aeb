"""The studio in Simplified Chinese, driven with keys: the tab bar, the footer, the `?` keys and a
notification speak Chinese; keys, ids and numbers stay as they are."""

from __future__ import annotations

import re

from textual.command import CommandInput, CommandList, CommandPalette
from textual.widgets import Label, Static
from textual.widgets._footer import FooterKey

from tests.ui.conftest import settle, until
from tests.ui.language import chinese_ui  # noqa: F401 - a fixture

CJK = re.compile(r"[\u4e00-\u9fff]")


def footer(app) -> list[str]:
    return [f"{key.key_display} {key.description}" for key in app.screen.query(FooterKey)]


async def test_tab_bar_footer_keys_and_a_notification_in_chinese(chinese_ui, workspace) -> None:  # noqa: F811
    app = chinese_ui.make_app(workspace)
    told: list[str] = []
    notify = app.notify

    def record(message, **kwargs):  # type: ignore[no-untyped-def]
        told.append(str(message))
        return notify(message, **kwargs)

    app.notify = record  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        tabs = app.screen.query_one("#pane-tabs", Static).render().plain
        for tab in ("1 主题", "2 模拟", "3 样本", "4 看板", "5 微调", "6 评测"):
            assert tab in tabs, tabs
        assert "Topics" not in tabs and "教师：offline · 学生：offline" in app.sub_title
        assert {"f1 帮助", "/ 搜索", "a 添加", "x 扩充", "^q 退出"} <= set(footer(app)), footer(app)

        await pilot.press("3")
        await settle(pilot)
        assert app.current_mode == "samples"
        assert {"a 通过", "x 驳回", "q 待审队列"} <= set(footer(app)), footer(app)

        await pilot.press("question_mark")
        await until(pilot, lambda: app.screen.__class__.__name__ == "Help")
        shown = "\n".join(str(widget.render()) for widget in app.screen.query(Label).results()) + "\n" + "\n".join(
            widget.render().plain for widget in app.screen.query(".keys").results(Static))
        assert "样本：按键" in shown
        assert "表格（当前焦点）" in shown and "FitTable" not in shown  # the focused part by a name a user knows
        assert "切换页面" in shown and "任何页面" in shown
        assert re.search(r"A\s+全部通过", shown) and re.search(r"ctrl\+home\s+到顶部", shown)  # keys stay keys
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.__class__.__name__ == "SamplesScreen")

        await pilot.press("a")  # nothing to approve in a workspace without samples
        await until(pilot, lambda: bool(told))
        assert told[-1] == "没有可通过的样本：未选中样本", told

        await pilot.press("ctrl+p")  # the palette: its prompt and Textual's own commands in Chinese too
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        assert app.screen.query_one(CommandInput).placeholder == "搜索命令…"
        await until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0)
        listed = " ".join(str(app.screen.query_one(CommandList).get_option_at_index(i).prompt)
                          for i in range(app.screen.query_one(CommandList).option_count))
        assert "截图" in listed and "转到主题" in listed and "Screenshot" not in listed, listed
