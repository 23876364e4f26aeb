"""JSON nested too deeply is refused by one guard before any parser sees it (lists as well as
objects): in a dataset file it is a bad line named by number while every good line is still read;
as a teacher's answer it is a failing answer that later reads take as it is. An import's memory does
not grow with the number of bad lines in its file."""

from __future__ import annotations

import json
import tracemalloc

import orjson
import pytest

from studio.domain.jsondepth import MAX_DEPTH, TooDeep, loads, nesting_depth, too_deep
from studio.domain.parse import parse_answer
from studio.export.importer import Importer
from studio.store import Store
from tests.llm.fakeserver import FakeServer
from tests.test_lint import GOOD, dump, reply_prompt

ATTACK = '{"Reply": ' + "[" * 3000 + "]" * 3000 + "}"
REMOTE = """
[providers.remote]
kind = "openai"
model = "m"
base_url = "{base}/v1"
retries = 0
"""


def good_line(student: str) -> str:
    return dump({"prompt": reply_prompt(student), "response": dump(GOOD)})


def test_the_guard_refuses_deep_lists_and_objects_before_parsing() -> None:
    for text in (ATTACK, "[" * 200 + "]" * 200, '{"a":' * 100 + "1" + "}" * 100):
        with pytest.raises(TooDeep):
            loads(text)
        with pytest.raises(TooDeep):
            loads(text.encode())
    assert nesting_depth(ATTACK) == nesting_depth(ATTACK.encode()) == 3001
    assert too_deep('{"a": "' + "[" * 500 + '"}') is None  # brackets inside a string do not nest
    assert too_deep("]" * 500 + "[" * 10) is None
    assert loads('{"a": [[1]]}') == {"a": [[1]]}
    deep_enough = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(deep_enough) == orjson.loads(deep_enough)
    parsed = parse_answer(ATTACK)
    assert parsed.obj is None and parsed.issues[0]["part"] == "answer.deep"


def test_deep_lines_are_named_and_every_good_line_is_read(ready_cli, tmp_path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join([good_line("I like hiking."), ATTACK, good_line("I read books."),
                               "[" * 300 + "]" * 300, good_line("I play football.")]) + "\n", encoding="utf-8")
    code, out, err = ready_cli("lint", str(path))
    assert code == 1 and "Traceback" not in out + err
    assert f"{path}:2: unreadable: the JSON nests 3001 levels deep (at most {MAX_DEPTH})" in out
    assert f"{path}:4: unreadable: the JSON nests 300 levels deep" in out
    assert "3 teacher turns" in out and "2 unreadable lines" in out
    code, out, err = ready_cli("import", str(path))
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "2 unreadable line(s), nothing imported: line 2: the JSON nests 3001 levels deep" in err
    assert "line 4: the JSON nests 300 levels deep" in err
    assert ready_cli.json("info")["counts"]["dialogues"] == 0


def test_a_deep_answer_is_imported_as_a_failing_answer_and_read_back_later(ready_cli, tmp_path) -> None:
    path = tmp_path / "answers.jsonl"
    path.write_text(good_line("I like hiking.") + "\n"
                    + json.dumps({"prompt": reply_prompt("I read books."), "response": ATTACK}) + "\n",
                    encoding="utf-8")
    code, out, err = ready_cli("import", str(path), "--no-judge")
    assert code == 0, err
    with Store(ready_cli.ws, lock=False) as store:  # the stored answer reads back as it was written
        raws = [t.raw for d in store.dialogues for t in d.turns if hasattr(t, "raw")]
    assert ATTACK in raws
    for args in (("info",), ("runs",), ("review", "list")):
        code, out, err = ready_cli(*args)
        assert code == 0 and "Traceback" not in err, (args, err)
    code, out, err = ready_cli("export", "--format", "openai", "--json")
    assert code == 0 and "Traceback" not in err


def _import_peak(ws, path) -> int:
    ws.mkdir()
    tracemalloc.start()
    try:
        with Store(ws, lock=False) as store, pytest.raises(ValueError, match="unreadable line"):
            Importer(store, path, ws).run()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def test_import_memory_does_not_grow_with_the_bad_lines_of_its_file(tmp_path) -> None:
    small, large = tmp_path / "small.jsonl", tmp_path / "large.jsonl"
    small.write_text("{}\n" * 2_000)
    large.write_text("{}\n" * 40_000)
    small_peak = _import_peak(tmp_path / "a", small)
    large_peak = _import_peak(tmp_path / "b", large)
    assert large_peak < small_peak + (2 << 20), (small_peak, large_peak)  # twenty times the lines, not the memory


FIXED = ('{"Reply": "Nice! What do you like to do at weekends?", "Suggestion": ["I like hiking.", "I read books.", '
         '"I play football."], "Analysis": "回答正确。"}')


def test_an_eval_answer_nested_too_deeply_is_a_failed_item_and_later_runs_and_reports_read_it(ready_cli) -> None:
    server = FakeServer(reply=ATTACK).start()
    try:
        (ready_cli.ws / "config.toml").write_text(ready_cli.ws.joinpath("config.toml").read_text()
                                                  + REMOTE.format(base=server.base))
        assert ready_cli("generate", "-n", "4")[0] == 0
        split = ready_cli.json("export", "--format", "openai", "--split", "0.5")["snapshot"]["id"]
        assert ready_cli("eval", "make", "--n", "3", "--snapshot", split)[0] == 0
        code, out, err = ready_cli("eval", "run", "--model", "remote", "--json")
        assert code in (0, 1) and "Traceback" not in err and "nests too deeply" not in err, err
        sent = len(server.seen)
        assert sent >= 3
        server.reply = FIXED
        code, out, err = ready_cli("eval", "run", "--model", "remote")
        assert code == 0 and "Traceback" not in err, err
        assert len(server.seen) >= sent + 3  # the fixed server is asked again
        code, out, err = ready_cli("eval", "report")
        assert code == 0 and "Traceback" not in err, err
    finally:
        server.stop()
