"""The studio's language: which one a run uses (--lang, then ui.language, then the environment),
the catalogues compiled from a source checkout, lazy texts, and `studio --help` in Chinese."""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from studio.cli import main
from studio.i18n import (
    LOCALE_DIR,
    _,
    _l,
    choose_language,
    compiled_catalogue,
    current_language,
    language_from_environment,
    ngettext,
    set_language,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def help_text(capsys, *argv: str) -> str:
    capsys.readouterr()
    assert main([*argv, "--help"]) == 0
    return capsys.readouterr().out


def write_catalogue(folder: Path, entries: dict[str | tuple[str, str], str | tuple[str, ...]]) -> Path:
    """A zh_CN catalogue of ``entries`` under ``folder`` (a locale folder as studio/locale)."""
    catalog = Catalog(locale="zh_CN")
    for msgid, msgstr in entries.items():
        catalog.add(msgid, msgstr)
    po = folder / "zh_CN" / "LC_MESSAGES" / "studio.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as handle:
        write_po(handle, catalog)
    return po


# --- which language ---------------------------------------------------------------------------

@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),        # every Chinese variant reads Simplified Chinese
    ({"LANG": "zh_HK"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "POSIX"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),        # a language the studio does not speak: English
    ({}, "en"),                             # nothing set
    ({"LANG": ""}, "en"),
    ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),   # LC_ALL before LANG
    ({"LC_ALL": "C", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US"}, "zh"),
    ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh"),   # LANGUAGE first, as gettext reads it
    ({"LANGUAGE": "fr:zh_TW", "LANG": "en_US"}, "zh"),        # its first entry the studio speaks
    ({"LANGUAGE": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),
    ({"LANGUAGE": "", "LANG": "zh_CN.GB18030"}, "zh"),
])
def test_the_environment_names_the_language(environ, expected) -> None:
    assert language_from_environment(environ) == expected


def test_the_flag_comes_before_the_config_and_the_config_before_the_environment() -> None:
    chinese_env = {"LANG": "zh_CN.UTF-8"}
    assert choose_language("en", "zh", chinese_env) == "en"
    assert choose_language(None, "en", chinese_env) == "en"
    assert choose_language("zh", "en", {"LANG": "C"}) == "zh"
    assert choose_language(None, None, chinese_env) == "zh"
    assert choose_language(None, None, {}) == "en"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        choose_language("fr", None, {})


def test_studio_help_follows_flag_then_config_then_environment(capsys, tmp_path, monkeypatch) -> None:
    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "init"]) == 0
    config = ws / "config.toml"
    monkeypatch.delenv("LANGUAGE")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")

    assert "用法：studio" in help_text(capsys, "-w", str(ws))                  # the environment's
    assert "usage: studio" in help_text(capsys, "-w", str(ws), "--lang", "en")  # the flag over it

    config.write_text(config.read_text(encoding="utf-8") + '\n[ui]\nlanguage = "en"\n', encoding="utf-8")
    assert "usage: studio" in help_text(capsys, "-w", str(ws))                  # the config over the environment
    assert "用法：studio" in help_text(capsys, "--lang", "zh", "-w", str(ws))  # the flag over the config
    assert "用法：studio" in help_text(capsys, "--help", "--lang=zh")          # --help before --lang too
    assert "用法：studio" in help_text(capsys, "--la", "zh")                   # as argparse abbreviates

    monkeypatch.setenv("LANG", "C")
    assert "usage: studio" in help_text(capsys)
    monkeypatch.delenv("LANG")
    monkeypatch.delenv("LC_ALL", raising=False)
    assert "usage: studio" in help_text(capsys)


def test_an_unknown_language_is_one_clear_error(capsys, tmp_path) -> None:
    code = main(["--lang", "fr", "info"])
    assert code == 1
    assert "argument --lang: invalid choice: 'fr'" in capsys.readouterr().err

    ws = tmp_path / "ws"
    assert main(["--workspace", str(ws), "init"]) == 0
    config = ws / "config.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[ui]\nlanguage = "zh_CN"\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["--workspace", str(ws), "info"]) == 1
    err = capsys.readouterr().err
    assert "config.toml: ui.language: Input should be 'en' or 'zh'" in err


def test_each_run_chooses_afresh(capsys) -> None:
    help_text(capsys, "--lang", "zh")
    assert current_language() == "zh"
    assert "usage: studio" in help_text(capsys)
    assert current_language() == "en"


# --- studio --help in Chinese -----------------------------------------------------------------

def test_studio_help_in_chinese_lists_every_command(capsys) -> None:
    english = help_text(capsys)
    chinese = help_text(capsys, "--lang", "zh")
    assert "用法：studio" in chinese and "选项:" in chinese and "命令:" in chinese
    assert "显示本帮助并退出" in chinese and "微调任务" in chinese and "跑题判定" in chinese
    for line in ("Kouyu Studio: make data", "show this help", "workspace folder", "manage conversation topics"):
        assert line not in chinese
    commands = re.findall(r"^    (\S+)\s", english, flags=re.M)
    assert len(commands) >= 15 and "experiment" in commands
    for command in commands:  # the names, flags and placeholders stay as they are
        assert re.search(rf"^    {re.escape(command)}\s", chinese, flags=re.M), command
    for literal in ("--dialogues 60", "$STUDIO_WORKSPACE", "ui.language", "config.toml", "alpaca", "qianfan"):
        assert literal in chinese
    listed = chinese[chinese.index("命令:"):]
    described = [line for line in listed.splitlines()[2:] if line.startswith("    ")]
    assert described and all(CJK.search(line) for line in described if not line.startswith("     "))


def test_chinese_help_lines_fit_the_terminal_by_display_width(capsys, monkeypatch) -> None:
    from rich.cells import cell_len

    monkeypatch.setenv("COLUMNS", "60")
    chinese = help_text(capsys, "--lang", "zh")
    wide = [line for line in chinese.splitlines() if cell_len(line) > 60 and " " in line.strip()]
    assert not wide
    assert not any(line.lstrip().startswith(("，", "。", "；", "）", "、")) for line in chinese.splitlines())


def test_a_subcommand_parser_shares_the_translated_headings(capsys) -> None:
    out = help_text(capsys, "--lang", "zh", "topics")
    assert out.startswith("用法：studio topics") and "显示本帮助并退出" in out


def test_a_usage_error_in_chinese(capsys) -> None:
    assert main(["--lang", "zh", "--no-such-flag"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("用法：studio") and "studio：出错：" in err


# --- catalogues and lazy texts ----------------------------------------------------------------

def test_a_source_checkout_compiles_its_catalogue_once_and_again_when_it_changes(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path / "cache"))
    locale = tmp_path / "locale"
    po = write_catalogue(locale, {"Samples": "样本"})
    assert set_language("zh", locale) == "zh"
    assert _("Samples") == "样本" and _("not in the catalogue") == "not in the catalogue"
    cached = list((tmp_path / "cache" / "locale").glob("zh_CN-*.mo"))
    assert len(cached) == 1

    assert compiled_catalogue("zh", locale) == cached[0].read_bytes()   # read back, not compiled again
    po.write_text(po.read_text(encoding="utf-8").replace('msgstr "样本"', 'msgstr "训练样本"'), encoding="utf-8")
    set_language("zh", locale)
    assert _("Samples") == "训练样本"
    assert len(list((tmp_path / "cache" / "locale").glob("zh_CN-*.mo"))) == 2


def test_an_unwritable_cache_still_gives_the_translation(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("STUDIO_CACHE", str(blocker))
    set_language("zh", write_catalogue(tmp_path / "locale", {"Samples": "样本"}).parents[2])
    assert _("Samples") == "样本"


def test_the_shipped_catalogue_is_read_when_there_is_no_po(tmp_path, monkeypatch) -> None:
    """A wheel ships the .mo alone: it is read as is, no compiling, no cache."""
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path / "cache"))
    locale = tmp_path / "locale"
    po = write_catalogue(locale, {"Samples": "样本"})
    po.with_suffix(".mo").write_bytes(compiled_catalogue("zh", locale))
    shutil.rmtree(tmp_path / "cache")
    po.unlink()
    set_language("zh", locale)
    assert _("Samples") == "样本"
    assert not (tmp_path / "cache").exists()


def test_a_missing_catalogue_leaves_english_with_one_warning(tmp_path, capsys) -> None:
    assert set_language("zh", tmp_path / "nowhere") == "en"
    assert _("Samples") == "Samples"
    err = capsys.readouterr().err
    assert err.startswith("warning: showing English: no catalogue for 'zh'") and err.count("\n") == 1


def test_plural_forms(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path / "cache"))
    assert ngettext("{n} sample", "{n} samples", 1).format(n=1) == "1 sample"
    assert ngettext("{n} sample", "{n} samples", 3).format(n=3) == "3 samples"
    set_language("zh", write_catalogue(tmp_path / "locale", {("{n} sample", "{n} samples"): ("{n} 条样本",)})
                 .parents[2])
    assert ngettext("{n} sample", "{n} samples", 1).format(n=1) == "1 条样本"
    assert ngettext("{n} sample", "{n} samples", 7).format(n=7) == "7 条样本"


QUIT = _l("Quit")  # defined before any language is chosen, as a module constant is


def test_a_lazy_text_follows_the_language_chosen_after_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path / "cache"))
    assert str(QUIT) == "Quit" and f"[{QUIT}]" == "[Quit]"
    set_language("zh", write_catalogue(tmp_path / "locale", {"Quit": "退出", "%(prog)s: quits": "%(prog)s：退出"})
                 .parents[2])
    assert str(QUIT) == "退出" and f"[{QUIT}]" == "[退出]" and "按 " + QUIT == "按 退出"
    assert QUIT + "!" == "退出!" and len(QUIT) == 2 and QUIT.upper() == "退出" and "退" in QUIT
    assert QUIT == _l("Quit") and hash(QUIT) == hash(_l("Quit"))

    parser = argparse.ArgumentParser(prog="demo", description=_l("%(prog)s: quits"))
    parser.add_argument("--quit", action="store_true", help=_l("Quit"))
    from studio.cli.parser import Formatter

    parser.formatter_class = Formatter
    shown = parser.format_help()
    assert "demo：退出" in shown and re.search(r"--quit\s+退出", shown)


def test_the_app_is_imported_only_after_the_language_is_chosen() -> None:
    """studio.ui's class bodies (Binding descriptions) translate with ``_()`` at import: the CLI
    must not import the app before ``main`` has chosen the language."""
    import subprocess
    import sys

    probe = "import sys, studio.cli; print(sorted(m for m in sys.modules if m.startswith(('studio.ui', 'textual'))))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_real_catalogue_translates_the_main_help(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STUDIO_CACHE", str(tmp_path / "cache"))
    set_language("zh")
    assert _("commands") == "命令"
    assert (LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "studio.po").exists()
