"""Every reader, fuzzed with hypothesis: arbitrary bytes, text and JSON through each dataset format's
reader, the dataset file reader, the answer parser and the verdict over it, the topic file reader,
config.toml and secrets.toml, and the store's files and journal. Each either reads the input or
raises one of the studio's own errors with a one-line message; nothing else escapes.

Kept fast (a few seconds in all): modest example counts, no deadline."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.config import ConfigError, Secrets, load_config
from studio.datafiles.dataset_reader import BadLine, Record, read_records
from studio.datafiles.formats import FORMATS
from studio.datafiles.formats.base import RecordError, UnknownFormat, read_line
from studio.datafiles.textfile import InputError
from studio.datafiles.topic_files import read_topic_file
from studio.domain import TurnKind
from studio.domain.parse import parse_answer
from studio.llm.registry import check_profile
from studio.store import Store, StoreError
from studio.turn.verdict import judge_answer

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=15)
# Objects shaped like each format's lines: its keys, and the chat keys, with any values.
keys = st.sampled_from(["prompt", "response", "messages", "role", "content", "weight", "instruction", "input",
                        "output", "system", "history", "conversations", "from", "value", "topic"])
shaped = st.recursive(json_values, lambda inner: st.dictionaries(keys, inner, max_size=5) | st.lists(inner, max_size=3),
                      max_leaves=20)
texts = st.one_of(st.text(max_size=300), st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
files = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300).map(lambda t: t.encode("utf-8")),
    st.text(max_size=100).map(lambda t: t.encode("utf-16")),
    st.lists(shaped, min_size=1, max_size=4).map(lambda vs: "\n".join(json.dumps(v) for v in vs).encode()),
)


def one_line(exc: BaseException) -> None:
    message = str(exc)
    assert message and "\n" not in message.strip(), repr(message)


@contextmanager
def written(data: bytes, name: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        yield path


@FAST
@given(obj=shaped, name=st.sampled_from(sorted(FORMATS)))
def test_each_format_reads_a_line_or_says_what_is_wrong(obj, name) -> None:
    fmt = FORMATS[name]
    try:
        if fmt.owns(obj):
            fmt.read(obj)
        read_line(obj)
    except (RecordError, UnknownFormat) as exc:
        one_line(exc)


@FAST
@given(data=files, suffix=st.sampled_from([".jsonl", ".json"]))
def test_the_dataset_reader_names_bad_lines_and_never_crashes(data, suffix) -> None:
    with written(data, "data" + suffix) as path:
        try:
            for item in read_records(path):
                assert isinstance(item, Record | BadLine)
                if isinstance(item, BadLine):
                    assert item.line >= 1 and "\n" not in str(item.problem)
        except InputError as exc:
            one_line(exc)
            assert path.name in str(exc)


@settings(max_examples=80, deadline=None)
@given(raw=st.one_of(texts, json_values.map(json.dumps), shaped.map(json.dumps)))
def test_the_answer_parser_reads_anything(raw) -> None:
    parsed = parse_answer(raw)
    assert parsed.obj is None or isinstance(parsed.obj, dict)


@settings(max_examples=25, deadline=None)
@given(raw=st.one_of(texts, st.fixed_dictionaries({"Reply": json_values, "Suggestion": json_values,
                                                    "Analysis": json_values}).map(json.dumps)),
       kind=st.sampled_from(list(TurnKind)), strict=st.booleans())
def test_the_verdict_judges_any_answer(raw, kind, strict) -> None:
    check, results = judge_answer(raw, kind, None, strict=strict)
    assert all(r.id and "\n" not in r.message for r in results)


@FAST
@given(data=files, suffix=st.sampled_from([".txt", ".jsonl", ".csv", ".tsv"]))
def test_a_topic_file_is_read_or_refused_in_one_line(data, suffix) -> None:
    with written(data, "topics" + suffix) as path:
        try:
            rows = read_topic_file(path)
        except InputError as exc:
            one_line(exc)
            assert path.name in str(exc)
        else:
            assert all(isinstance(r.text, str) and r.line >= 1 for r in rows)


toml_like = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(str.encode),
    st.lists(st.tuples(st.sampled_from(["[providers.x]", "[studio]", "[mix]", "[ui]", "[review]", "[paths]", ""]),
                       st.sampled_from(["kind", "model", "base_url", "teacher", "normal", "language", "timeout",
                                        "retries", "rpm", "api_key", "x"]),
                       st.one_of(st.integers(), st.text(max_size=10).map(json.dumps), st.floats(allow_nan=False),
                                 st.sampled_from(["true", "false"]), st.just("[1, 2]"))),
             max_size=5).map(lambda rows: "\n".join(f"{h}\n{k} = {v}" for h, k, v in rows).encode()),
)


@FAST
@given(data=toml_like)
def test_config_and_its_profiles_are_read_or_refused_in_one_line(data) -> None:
    with written(data, "config.toml") as path:
        try:
            load_config(path, check_profile)
        except ConfigError as exc:
            one_line(exc)
            assert "config.toml" in str(exc)


@FAST
@given(data=toml_like)
def test_a_secrets_file_is_read_or_refused_in_one_line(data) -> None:
    with written(data, "secrets.toml") as path:
        os.chmod(path, 0o600)
        try:
            Secrets(path, environ={}).get("QIANFAN_API_KEY")
        except ConfigError as exc:
            one_line(exc)
            assert "secrets.toml" in str(exc)


journals = st.one_of(
    st.binary(max_size=400),
    st.lists(json_values, max_size=4).map(lambda vs: "".join(json.dumps(v) + "\n" for v in vs).encode()),
    st.lists(st.fixed_dictionaries({"ops": st.lists(st.lists(json_values, max_size=4), max_size=3)}), max_size=3)
    .map(lambda vs: "".join(json.dumps(v) + "\n" for v in vs).encode()),
)


@settings(max_examples=30, deadline=None)
@given(journal=journals, snapshot=st.one_of(st.none(), files))
def test_the_store_opens_its_files_or_refuses_them_in_one_line(journal, snapshot) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with Store(folder, lock=False) as store:  # a good store first, then its files replaced
            store.flush()
        if snapshot is not None:
            (folder / "studio.json").write_bytes(snapshot)
        (folder / "studio.json.journal").write_bytes(journal)
        try:
            with Store(folder, lock=False) as store:
                store.counts()
        except StoreError as exc:
            one_line(exc)
