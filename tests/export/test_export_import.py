"""Export formats, snapshots and the pre-flight report; import of Qianfan, OpenAI chat and ShareGPT."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """One generated workspace shared by the tests of this module (they only read it or copy it)."""
    from studio.cli import main

    ws = tmp_path_factory.mktemp("gen") / "ws"
    assert main(["--workspace", str(ws), "init"]) == 0
    config = ws / "config.toml"  # no simulated slips: these tests count every teacher turn as a sample
    config.write_text(config.read_text(encoding="utf-8").replace(
        'model = "offline-simulator"\n', 'model = "offline-simulator"\nerror_rate = 0\n', 1), encoding="utf-8")
    assert main(["--workspace", str(ws), "generate", "-n", "30", "--seed", "4", "--json"]) == 0
    return ws


def export(cli, ws: Path, out: Path, *args: str) -> dict:
    cli.ws = ws
    code, stdout, err = cli("export", "--out", str(out), "--json", *args)
    assert code == 0, err
    return json.loads(stdout)


def lines(path: Path) -> list:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_qianfan_export_shape_snapshot_and_manifest(cli, generated, tmp_path) -> None:
    result = export(cli, generated, tmp_path / "q", "--format", "qianfan", "--split", "0.8")
    pre, snap = result["preflight"], result["snapshot"]
    assert pre["samples"] == 120 and pre["train"] + pre["eval"] == 120 and pre["eval"] > 0
    assert pre["mix_actual"] == pytest.approx(pre["mix_target"], abs=0.02)
    rows = lines(tmp_path / "q" / "train.jsonl")
    assert len(rows) == pre["train"]
    first = rows[0]
    assert isinstance(first, list) and set(first[0]) == {"prompt", "response"}
    assert isinstance(first[0]["response"], list) and isinstance(first[0]["response"][0][0], str)
    json.loads(first[0]["response"][0][0])
    manifest = json.loads((tmp_path / "q" / "manifest.json").read_text())
    assert manifest["content_hash"] == snap["content_hash"] and "tokenizer-free" in manifest["token_method"]
    assert not set(manifest["topics"]["train"]) & set(manifest["topics"]["eval"]), "no topic in both splits"
    assert snap["counts"]["samples"] == 120 and snap["token_estimate"] > 0


def test_same_store_and_options_give_byte_identical_files(cli, generated, tmp_path) -> None:
    a = export(cli, generated, tmp_path / "a", "--format", "openai", "--split", "0.9", "--seed", "3")
    b = export(cli, generated, tmp_path / "b", "--format", "openai", "--split", "0.9", "--seed", "3")
    for name in ("train.jsonl", "eval.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert a["snapshot"]["content_hash"] == b["snapshot"]["content_hash"]
    assert a["snapshot"]["id"] != b["snapshot"]["id"]


def test_a_seed_gives_the_same_files_in_another_fresh_workspace(cli, generated, tmp_path) -> None:
    """A fresh workspace's topics get new ids; the split into train and eval must not follow them (it did:
    the tutorial's tiny model then trained on other data in every workspace)."""
    from studio.cli import main

    ws = tmp_path / "again"
    assert main(["--workspace", str(ws), "init"]) == 0
    config = ws / "config.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'model = "offline-simulator"\n', 'model = "offline-simulator"\nerror_rate = 0\n', 1), encoding="utf-8")
    assert main(["--workspace", str(ws), "generate", "-n", "30", "--seed", "4", "--json"]) == 0
    a = export(cli, generated, tmp_path / "a", "--format", "openai", "--split", "0.8")
    b = export(cli, ws, tmp_path / "b", "--format", "openai", "--split", "0.8")
    assert a["snapshot"]["counts"]["eval"] > 0 and a["snapshot"]["content_hash"] == b["snapshot"]["content_hash"]
    for name in ("train.jsonl", "eval.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_openai_exports_follow_the_documented_rules(cli, generated, tmp_path) -> None:
    from studio.datafiles.formats.openai import validate_chat

    export(cli, generated, tmp_path / "t", "--format", "openai")
    export(cli, generated, tmp_path / "d", "--format", "openai", "--dialogues")
    turns, dialogues = lines(tmp_path / "t" / "train.jsonl"), lines(tmp_path / "d" / "train.jsonl")
    assert len(turns) == 120 and len(dialogues) == 30
    for row in turns + dialogues:
        assert validate_chat(row) == []
    d = dialogues[0]["messages"]
    assert d[0]["role"] == "system" and "[主题介绍]" in d[0]["content"]
    assert [m["role"] for m in d[1:]] == ["user", "assistant"] * 4
    assert all(m.get("weight") == 1 for m in d if m["role"] == "assistant")
    assert validate_chat({"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}]})
    assert validate_chat({"messages": [{"role": "assistant", "content": "a", "weight": 0}]})


@pytest.mark.parametrize("style", ["openai", "sharegpt"])
def test_llamafactory_export_loads_with_datasets_and_renders(cli, generated, tmp_path, style) -> None:
    import datasets
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    export(cli, generated, tmp_path / "lf", "--format", "llamafactory", "--style", style, "--split", "0.9")
    info = json.loads((tmp_path / "lf" / "dataset_info.json").read_text())
    entry = info["kouyu_train"]
    assert entry["formatting"] == "sharegpt" and (tmp_path / "lf" / entry["file_name"]).exists()
    data = datasets.load_dataset("json", data_files=str(tmp_path / "lf" / entry["file_name"]), split="train")
    raw = [json.loads(t) for t in (tmp_path / "lf" / entry["file_name"]).read_text().splitlines()]
    assert all(set(entry["columns"].values()) <= set(r) for r in raw), "LLaMA-Factory reads every declared column"
    column = entry["columns"]["messages"]
    tags = entry.get("tags", {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt"})
    names = {tags["user_tag"]: "user", tags["assistant_tag"]: "assistant"}
    template = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True).from_string(CHATML)
    row = data[0][column]
    messages = [{"role": names[m[tags["role_tag"]]], "content": m[tags["content_tag"]]} for m in row]
    assert [m["role"] for m in messages] == ["user", "assistant"]
    text = template.render(messages=messages, add_generation_prompt=False)
    assert text.startswith("<|im_start|>user\n") and '<|im_start|>assistant\n{"Reply"' in text
    assert "kouyu_eval" in info


def test_alpaca_and_filters(cli, generated, tmp_path) -> None:
    result = export(cli, generated, tmp_path / "al", "--format", "alpaca", "--faults", "opening")
    assert result["preflight"]["samples"] == 30
    row = lines(tmp_path / "al" / "train.jsonl")[0]
    assert set(row) == {"instruction", "input", "output"} and row["instruction"].rstrip().endswith("[开场白]")
    cli.ws = generated
    code, _, err = cli("export", "--format", "alpaca", "--faults", "nonsense")
    assert code == 1 and "unknown fault kind 'nonsense'" in err
    code, _, err = cli("export", "--format", "alpaca", "--runs", "r-none")
    assert code == 1 and "no samples match" in err


def test_dry_run_writes_nothing(cli, generated, tmp_path) -> None:
    cli.ws = generated
    code, out, err = cli("export", "--format", "qianfan", "--out", str(tmp_path / "dry"), "--dry-run", "--train-price", "0.03")
    assert code == 0 and not (tmp_path / "dry").exists()
    assert "pre-flight: 120 samples" in err and "cost ≈" in err and "ACTUAL" in err


def test_qianfan_export_round_trips_through_import_and_lints_clean(cli, generated, tmp_path) -> None:
    export(cli, generated, tmp_path / "q", "--format", "qianfan")
    cli.ws = tmp_path / "fresh"
    assert cli("init", "--no-seed")[0] == 0
    code, out, err = cli("import", str(tmp_path / "q" / "train.jsonl"), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["samples"], report["dialogues"], report["failing"]) == (120, 30, 0)
    again = export(cli, tmp_path / "fresh", tmp_path / "q2", "--format", "qianfan")
    assert again["preflight"]["samples"] == 120
    assert (tmp_path / "q2" / "train.jsonl").read_bytes() == (tmp_path / "q" / "train.jsonl").read_bytes()
    code, out, _ = cli("lint", str(tmp_path / "q" / "train.jsonl"))
    assert code == 0 and "120 teacher turns: 120 pass, 0 fail" in out


def test_reimport_adds_nothing(cli, generated, tmp_path) -> None:
    export(cli, generated, tmp_path / "o", "--format", "openai", "--dialogues")
    cli.ws = tmp_path / "w"
    cli("init", "--no-seed")
    first = json.loads(cli("import", str(tmp_path / "o" / "train.jsonl"), "--json")[1])
    assert first["samples"] == 120 and first["dialogues"] == 30
    second = json.loads(cli("import", str(tmp_path / "o" / "train.jsonl"), "--json")[1])
    assert second["already_imported"] and second["samples"] == 0
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes((tmp_path / "o" / "train.jsonl").read_bytes() + b"\n")
    third = json.loads(cli("import", str(copy), "--json")[1])
    assert third["samples"] == 0 and third["duplicates"] == 120
    assert cli.json("info")["counts"]["dialogues"] == 30


def test_import_sharegpt(cli, tmp_path) -> None:
    answer = json.dumps({"Reply": "Nice! What do you like to eat?", "Suggestion": ["I like noodles.", "I love dumplings.",
                         "I enjoy hot pot with friends."], "Analysis": "回答完整，表达清楚。"}, ensure_ascii=False)
    row = {"system": "[主题介绍]\n两位同学讨论午饭。", "conversations": [
        {"from": "human", "value": "[开场白]"},
        {"from": "gpt", "value": json.dumps({"Reply": "Hi! What did you eat for lunch?", "Suggestion": [
            "I ate rice and fish.", "I had noodles today.", "I ate a sandwich."]}, ensure_ascii=False)},
        {"from": "human", "value": "I ate noodles and some vegetables at school."},
        {"from": "gpt", "value": answer}]}
    path = tmp_path / "sg.jsonl"
    path.write_text(json.dumps(row, ensure_ascii=False) + "\n", encoding="utf-8")
    cli("init", "--no-seed")
    report = cli.json("import", str(path))
    assert report["samples"] == 2 and report["dialogues"] == 1 and report["failing"] == 0
    assert [t["text"] for t in cli.json("topics", "list")["topics"]] == ["两位同学讨论午饭。"]


def test_import_joins_near_duplicate_topics_to_the_stored_one(cli, tmp_path) -> None:
    """The topic guard holds for dataset imports too: a topic text told with ASCII punctuation or one
    character changed is the stored topic, so its samples join it instead of a copy being made."""
    def opening(n: int) -> str:
        return json.dumps({"Reply": f"Hi! What did you do last weekend? ({n})", "Suggestion": [
            "I went hiking with my family.", "I stayed at home and read.", "I visited my grandparents."]},
            ensure_ascii=False)

    cli("init", "--no-seed")
    stored = "两位同学在聊上周末做了什么，以及下周末的计划。"
    cli("topics", "add", stored)
    rows = [{"system": f"[主题介绍]\n{text}", "conversations": [{"from": "human", "value": "[开场白]"},
                                                              {"from": "gpt", "value": opening(n)}]}
            for n, text in enumerate(("两位同学在聊上周末做了什么,以及下周末的计划.", "两位同学在聊上周日做了什么，以及下周末的计划。",
                         "你在超市里向店员询问牛奶的价格。"))]
    path = tmp_path / "sg.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    report = cli.json("import", str(path))
    assert report["topics_created"] == 1 and report["topics_matched"] >= 1  # the ASCII copy may fold to the same text first
    texts = sorted(t["text"] for t in cli.json("topics", "list")["topics"])
    assert texts == sorted([stored, "你在超市里向店员询问牛奶的价格。"])


def test_import_is_all_or_nothing_with_line_numbers(cli, tmp_path) -> None:
    good = json.dumps({"prompt": "hi", "response": "{}"})
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join([good, "{not json", good, json.dumps({"prompt": 1})]) + "\n", encoding="utf-8")
    cli("init", "--no-seed")
    code, _, err = cli("import", str(path))
    assert code == 1 and "bad.jsonl:2: 2 unreadable line(s), nothing imported: line 2: not valid JSON" in err
    assert "line 4:" in err
    info = cli.json("info")
    assert info["counts"]["dialogues"] == 0 and info["counts"]["runs"] == 0


def test_import_joins_a_dialogues_samples_whatever_the_spacing_of_its_history(cli, tmp_path) -> None:
    """A sample continues the dialogue of the one before when its history is that dialogue's turns (the
    teacher's as its raw answer or its Reply), spaces inside a line folded, plus one student line."""
    def answer(reply: str) -> str:
        return json.dumps({"Reply": reply, "Suggestion": ["I like noodles.", "I love dumplings.", "I eat rice."],
                           "Analysis": "回答完整，表达清楚。"}, ensure_ascii=False)

    def line(*history: str, reply: str) -> str:
        said = "\n".join(f"{'student' if i % 2 == 0 else 'teacher'}: {text}" for i, text in enumerate(history))
        return json.dumps({"prompt": f"[主题介绍]\n两位同学讨论午饭。\n[对话历史]\n{said}", "response": answer(reply)},
                          ensure_ascii=False)

    rows = [line("I like apples.", reply="Nice! Why do you like them?"),
            line("I  like apples.", "Nice!   Why do you like them?", "They are sweet.", reply="Great! When?"),
            line("I like apples.", "Nice! Why do you like them?", "They are  sweet.", "Great!  When?", "Every day.",
                 reply="Wow! Where?"),
            line("I like pears.", "Nice! Why do you like them?", "They are sweet.", reply="OK! When?")]
    path = tmp_path / "spaced.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cli("init", "--no-seed")
    report = cli.json("import", str(path), "--no-judge")
    assert (report["samples"], report["dialogues"]) == (4, 2)
