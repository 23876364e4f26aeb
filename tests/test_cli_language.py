"""The `studio` command in Chinese: every command's help, its printed lines and the errors it says,
with --lang zh or a Chinese locale; English (--lang en, LANG=C) as before; --json the same in both."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from studio.cli import build_parser, main
from studio.domain import Mix, MixError
from studio.domain.messages import N_, Message, code_of
from studio.i18n import set_language, text, told
from studio.llm.errors import AuthError

CJK = re.compile(r"[\u4e00-\u9fff]")


def parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """Every parser of the command tree, with the words that reach it (``("train", "start")``)."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, (*path, name))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- help ---------------------------------------------------------------------------------------

def helps(language: str) -> list[tuple[str, str]]:
    """(where, help) of every command, action and option, in ``language``, in tree order."""
    set_language(language)
    out = []
    for path, parser in parsers(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                out += [(f"studio {' '.join((*path, c.dest))}", text(c.help)) for c in action._choices_actions]
            elif action.help not in (None, argparse.SUPPRESS):
                out.append((f"studio {' '.join(path)} {'/'.join(action.option_strings) or action.dest}",
                            text(action.help)))
    return out


def test_every_command_and_option_has_help_in_chinese() -> None:
    """Each help is Chinese, or a term the catalogue keeps as it is (``LoRA alpha``)."""
    with (Path(__file__).resolve().parents[1] / "studio/locale/zh_CN/LC_MESSAGES/studio.po").open("rb") as handle:
        kept = {m.id for m in read_po(handle) if m.id and m.string == m.id}
    english, chinese = helps("en"), helps("zh")
    assert len(chinese) >= 150 and [w for w, _h in english] == [w for w, _h in chinese]  # the whole tree, walked alike
    untranslated = [f"{where}: {zh!r}" for (where, en), (_w, zh) in zip(english, chinese, strict=True)
                    if not CJK.search(zh) and en not in kept]
    assert not untranslated, "\n".join(untranslated)


def test_every_option_has_help_in_english_too() -> None:
    """No option is left to explain itself (the same walk in English: every action says what it does)."""
    set_language("en")
    silent = [f"studio {' '.join(path)} {'/'.join(a.option_strings) or a.dest}"
              for path, parser in parsers(build_parser()) for a in parser._actions
              if not a.help and not isinstance(a, argparse._SubParsersAction)]
    assert not silent, "\n".join(silent)


@pytest.mark.parametrize("command", [("init",), ("topics", "import"), ("generate",), ("export",), ("lint",),
                                     ("train", "start"), ("eval", "report"), ("providers", "add"), ("calls",),
                                     ("experiment",), ("prompts", "diff"), ("judge",), ("runs",)])
def test_a_commands_help_is_chinese_with_lang_zh_and_english_with_lang_en(capsys, command) -> None:
    code, chinese, _ = run(capsys, "--lang", "zh", *command, "--help")
    assert code == 0 and chinese.startswith("用法：studio " + " ".join(command))
    assert "选项:" in chinese and "显示本帮助并退出" in chinese
    code, english, _ = run(capsys, "--lang", "en", *command, "--help")
    assert code == 0 and english.startswith("usage: studio " + " ".join(command))
    assert not CJK.search(english), english
    flags = set(re.findall(r"--[a-z][a-z-]+", english))
    assert flags and flags == set(re.findall(r"--[a-z][a-z-]+", chinese))  # flags are never translated


def test_a_chinese_locale_gives_chinese_help_and_c_english(capsys, monkeypatch) -> None:
    monkeypatch.delenv("LANGUAGE")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "用法：studio topics add" in run(capsys, "topics", "add", "--help")[1]
    assert "场景描述，用中文写" in run(capsys, "topics", "add", "--help")[1]
    monkeypatch.setenv("LANG", "C")
    assert "usage: studio topics add" in run(capsys, "topics", "add", "--help")[1]


# --- what a command prints ------------------------------------------------------------------------

def test_printed_lines_and_tables_follow_the_language(capsys, tmp_path) -> None:
    ws = str(tmp_path / "ws")
    code, out, _ = run(capsys, "--lang", "zh", "-w", ws, "init", "--no-seed")
    assert code == 0 and f"已创建工作区 {tmp_path / 'ws'}" in out
    assert run(capsys, "-w", ws, "topics", "add", "两位同学在食堂讨论周末去哪里爬山")[0] == 0
    code, out, _ = run(capsys, "--lang", "zh", "-w", ws, "info")
    assert "工作区" in out and "主题            1" in out and "错误配比" in out
    code, out, _ = run(capsys, "--lang", "zh", "-w", ws, "topics", "list")
    assert "来源" in out and "中文名" in out and out.endswith("\n1 个主题\n")
    code, out, _ = run(capsys, "--lang", "en", "-w", ws, "topics", "list")
    assert "SOURCE" in out and "1 topic" in out and not CJK.search(out.replace("两位同学在食堂讨论周末去哪里爬山", ""))


def test_json_output_is_the_same_in_both_languages(capsys, tmp_path) -> None:
    ws = str(tmp_path / "ws")
    assert run(capsys, "-w", ws, "init")[0] == 0
    assert run(capsys, "-w", ws, "generate", "--dialogues", "2", "--json")[0] == 0
    bad = tmp_path / "topics.csv"
    bad.write_text("topic,title\n两位同学在食堂讨论周末去哪里爬山,Hiking\n", encoding="utf-8")
    assert run(capsys, "-w", ws, "topics", "import", str(bad), "--json")[0] == 0
    data = tmp_path / "lint.jsonl"
    data.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"},
                                             {"role": "assistant", "content": "not json"}]}) + "\nnot a record\n",
                    encoding="utf-8")
    for argv in (("info",), ("topics", "list"), ("topics", "rejected"), ("runs",), ("providers", "list"),
                 ("providers", "check", "offline"), ("calls",), ("judge",), ("eval", "sets"), ("train", "list"),
                 ("prompts", "diff"), ("lint", str(data)), ("export", "--format", "openai", "--review", "all",
                                                           "--dry-run")):
        outputs = {}
        for lang in ("en", "zh"):
            code, out, err = run(capsys, "--lang", lang, "-w", ws, *argv, "--json")
            assert json.loads(out) is not None, (argv, err)
            if argv[:2] == ("providers", "check"):
                out = json.loads(out)["ok"]
            elif argv == ("info",):  # the sessions open now, each with the second it began: the process, not the data
                shown = json.loads(out)
                assert [s["what"] for s in shown.pop("sessions")] == ["session"], out
                out = shown
            outputs[lang] = (code, out)
        assert outputs["en"] == outputs["zh"], argv


# --- errors ---------------------------------------------------------------------------------------

def test_a_bad_topic_file_is_one_chinese_line_naming_file_and_line(capsys, tmp_path) -> None:
    ws = str(tmp_path / "ws")
    assert run(capsys, "-w", ws, "init", "--no-seed")[0] == 0
    bad = tmp_path / "topics.jsonl"
    bad.write_text('{"topic": "两位同学讨论天气"}\n{"title": "no topic"}\n', encoding="utf-8")
    code, _, err = run(capsys, "--lang", "zh", "-w", ws, "topics", "import", str(bad))
    assert code == 1 and err == f"错误：{bad}:2：缺少字段 'topic'（非空文字）\n"
    code, _, err = run(capsys, "--lang", "en", "-w", ws, "topics", "import", str(bad))
    assert code == 1 and err == f"error: {bad}:2: missing field 'topic' (a non-empty string)\n"

    bad.write_bytes(b'{"topic": "ok"}\n{"topic": "\xff"}\n')
    code, _, err = run(capsys, "--lang", "zh", "-w", ws, "topics", "import", str(bad))
    assert err.count("\n") == 1 and f"{bad}:2：不是 UTF-8 文本" in err and "0xff" in err


def test_a_dataset_lines_problem_is_chinese_and_names_file_line_and_field(capsys, tmp_path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text('{"messages": [{"role": "bot", "content": "x"}]}\n{"conversations": [{"from": "x", "value": "y"}]}\n',
                    encoding="utf-8")
    code, out, _ = run(capsys, "--lang", "zh", "lint", str(data))
    assert code == 1
    assert f"{data}:1：无法读取：第 1 条消息：role 必须是 system、user 或 assistant，收到的是 'bot'" in out
    assert f"{data}:2：无法读取：对话第 1 轮：'from' 必须是 human、gpt 或 system，收到的是 'x'" in out
    code, out, _ = run(capsys, "--lang", "en", "lint", str(data))
    assert f"{data}:1: unreadable: message 1: role must be system, user or assistant, got 'bot'" in out

    ws = str(tmp_path / "ws")
    assert run(capsys, "-w", ws, "init", "--no-seed")[0] == 0
    code, _, err = run(capsys, "--lang", "zh", "-w", ws, "import", str(data))
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"错误：{data}:1：2 行无法读取，未导入任何内容：第 1 行：第 1 条消息：role 必须是")
    assert "；第 2 行：对话第 1 轮：'from' 必须是" in err


def test_a_bad_mix_and_a_bad_config_are_chinese_and_name_the_field(capsys, tmp_path) -> None:
    ws = tmp_path / "ws"
    assert run(capsys, "-w", str(ws), "init", "--no-seed")[0] == 0
    code, _, err = run(capsys, "--lang", "zh", "-w", str(ws), "generate", "--mix", "55:40")
    assert code == 1 and "--mix" in err and "请给出用 ':' 分隔的 7 个权重" in err and "55:40" in err
    code, _, err = run(capsys, "--lang", "en", "-w", str(ws), "generate", "--mix", "55:40")
    assert code == 1 and "give 7 weights separated by ':'" in err

    config = ws / "config.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[mix]\nrobot = 3\n', encoding="utf-8")
    code, _, err = run(capsys, "--lang", "zh", "-w", str(ws), "info")
    assert code == 1 and err.count("\n") == 1
    assert err.startswith(f"错误：{config}：mix") and "未知的错误类型 'robot'" in err
    code, _, err = run(capsys, "--lang", "en", "-w", str(ws), "info")
    assert err == f"error: {config}: mix: unknown fault kind 'robot' (known: " \
                  "normal, short, off_topic, chinese, mixed, spelling, grammar)\n"

    config.write_text('[studio]\nteacher = 3\n', encoding="utf-8")
    code, _, err = run(capsys, "--lang", "zh", "-w", str(ws), "info")
    assert err == f"错误：{config}：studio.teacher：应为文字（字符串）\n"


def test_a_missing_workspace_and_a_missing_file_are_chinese(capsys, tmp_path) -> None:
    code, _, err = run(capsys, "--lang", "zh", "-w", str(tmp_path / "none"), "info")
    assert code == 2 and err == f"错误：{tmp_path / 'none'} 不是 Kouyu Studio 工作区；请运行：studio init {tmp_path / 'none'}\n"
    code, _, err = run(capsys, "--lang", "zh", "lint", str(tmp_path / "absent.jsonl"))
    assert code == 1 and str(tmp_path / "absent.jsonl") in err and CJK.search(err)


# --- messages: an id, parameters, and the language they are told in ----------------------------------

def test_a_domain_error_carries_a_code_and_parameters_and_is_told_in_the_language() -> None:
    with pytest.raises(MixError) as caught:
        Mix.parse("normal=1,robot=2")
    assert code_of(caught.value) == "mix.unknown-kind" and caught.value.args[0].params["kind"] == "robot"
    assert str(caught.value).startswith("unknown fault kind 'robot'")  # str(): the English line, always
    set_language("zh")
    assert told(caught.value).startswith("未知的错误类型 'robot'")
    assert str(caught.value).startswith("unknown fault kind 'robot'")


def test_a_message_inside_a_message_is_told_too_and_a_lost_field_falls_back_to_english() -> None:
    inner = Message("mix.all-zero", N_("at least one fault kind needs a weight above 0"))
    outer = Message("config.mix", N_("{path}: mix: {problem}"), path="c.toml", problem=ValueError(inner))
    set_language("zh")
    assert told(outer) == "c.toml：mix（错误配比）：至少要有一种错误类型的权重大于 0"
    assert told(Message("x", "not in the catalogue {n}", n=3)) == "not in the catalogue 3"
    assert told(RuntimeError("plain")) == "plain"


def test_a_model_calls_error_keeps_the_providers_words_and_translates_the_advice() -> None:
    error = AuthError("invalid api key", status=401, provider="qf")
    english = str(error)
    set_language("zh")
    assert str(error) == english and "check the API key" in english
    said = told(error)
    assert said.startswith("qf: auth: invalid api key (HTTP 401) — ") and "请检查" in said


def test_an_option_value_error_names_the_flag_in_chinese(capsys, tmp_path) -> None:
    ws = str(tmp_path / "ws")
    assert run(capsys, "-w", ws, "init", "--no-seed")[0] == 0
    code, _, err = run(capsys, "--lang", "zh", "-w", ws, "experiment", "--gpus", "0", "--dry-run")
    assert code == 1 and err == "错误：--gpus：至少为 1，收到的是 0\n"



def test_no_module_that_translates_with_underscore_rebinds_it() -> None:
    """``_, _, turn = …`` in a module that imports ``_`` from studio.i18n makes every ``_("…")`` after it
    in that function call the tuple's item instead (rule 1 of marking a module's strings)."""
    import ast

    package = Path(__file__).resolve().parents[1] / "studio"
    rebound = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(isinstance(node, ast.ImportFrom) and node.module == "studio.i18n"
                   and any(a.name == "_" and a.asname is None for a in node.names) for node in ast.walk(tree)):
            continue
        rebound += [f"{path.relative_to(package.parent)}:{node.lineno}" for node in ast.walk(tree)
                    if isinstance(node, ast.Name) and node.id == "_" and isinstance(node.ctx, ast.Store)]
    assert not rebound, rebound
