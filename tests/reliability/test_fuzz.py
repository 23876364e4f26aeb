"""Bad input, fuzzed: random bytes, wrong encodings, huge lines, deeply nested JSON and wrong
types in dataset and topic files; arbitrary model output through the parser and the checks.
Never a crash, always a message that names the file (and line), never a partial write."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.datafiles.textfile import InputError
from studio.domain import TurnKind
from studio.domain.contract import Student, check_turn
from studio.export.importer import Importer
from studio.store import StoreError
from studio.synth.topics import import_topics
from studio.workspace import Workspace, open_workspace

GOOD_LINE = json.dumps([{"prompt": "你是老师。\n[主题介绍]\n周末计划\n[对话记录]\nteacher: Hi!\nstudent: I go park.",
                         "response": [['{"Reply": "Nice!", "Suggestion": ["a", "b", "c"], "Analysis": "好"}']]}],
                       ensure_ascii=False)

json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                           max_leaves=20)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


bad_files = st.one_of(
    st.binary(max_size=2000),
    st.text(max_size=500).map(lambda t: t.encode("utf-16")),
    st.text(max_size=500).map(lambda t: t.encode("gbk", errors="ignore") + "中文".encode("gbk")),
    st.lists(json_values, min_size=1, max_size=5).map(lambda vs: "\n".join(json.dumps(v) for v in vs).encode()),
    st.integers(min_value=100, max_value=5000).map(lambda n: (nested(n) + "\n").encode()),
    st.just(("x" * 3_000_000 + "\n").encode()),
    st.lists(json_values, max_size=3).map(lambda vs: (GOOD_LINE + "\n" + "\n".join(json.dumps(v) for v in vs)).encode()),
)


@pytest.fixture(scope="module")
def workspace():
    with tempfile.TemporaryDirectory() as tmp:
        ws = open_workspace(Path(tmp) / "ws", create_missing=True)
        yield ws
        ws.close()


def counts(ws) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return ws.store.counts()


def import_dataset(ws, path: Path) -> None:  # type: ignore[no-untyped-def]
    Importer(ws.store, path, ws.root).run()


def import_topic_file(ws, path: Path) -> None:  # type: ignore[no-untyped-def]
    import_topics(ws.store, path)


@pytest.mark.parametrize("load,name", [(import_dataset, "data.jsonl"), (import_topic_file, "topics.txt")],
                         ids=["dataset", "topics"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=bad_files)
def test_imports_never_crash_and_never_write_part(workspace, load, name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        if len(data) > HUGE:
            # A workspace of its own: a 3 MB topic kept in the shared one would be compared with every topic
            # each later example imports (about a second each), while the import itself is the same.
            with own_workspace(Path(tmp) / "ws") as ws:
                import_and_check(ws, load, path, name)
        else:
            import_and_check(workspace, load, path, name)


HUGE = 1_000_000  # bytes: the huge-line files


@contextmanager
def own_workspace(root: Path) -> Iterator[Workspace]:
    ws = open_workspace(root, create_missing=True)
    try:
        yield ws
    finally:
        ws.close()


def import_and_check(ws: Workspace, load: Callable[[Workspace, Path], None], path: Path, name: str) -> None:
    before = counts(ws)
    try:
        load(ws, path)
    except (InputError, StoreError, ValueError) as exc:
        assert name in str(exc), str(exc)
        assert counts(ws) == before, "a failed import wrote nothing"


@settings(max_examples=300, deadline=None)
@given(raw=st.one_of(st.text(), json_values.map(json.dumps), st.text().map(lambda t: "```json\n" + t + "\n```")),
       student=st.text(max_size=200), kind=st.sampled_from(list(TurnKind)))
def test_any_model_output_goes_through_parser_and_checks(raw: str, student: str, kind: TurnKind) -> None:
    check = check_turn(raw, kind, Student(student) if kind == TurnKind.REPLY else None)
    assert all(r.id and r.message for r in check.results)
