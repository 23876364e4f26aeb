from __future__ import annotations

import json


def test_generate_json_summary_and_runs(ready_cli) -> None:
    summary = ready_cli.json("generate", "--dialogues", "12", "--seed", "3")
    assert summary["status"] == "succeeded" and summary["completed"] == 12
    assert summary["counts"] == summary["quotas"] and sum(summary["quotas"].values()) == 36
    runs = ready_cli.json("runs")["runs"]
    assert [r["id"] for r in runs] == [summary["id"]]
    info = ready_cli.json("info")
    assert info["counts"]["dialogues"] == 12 and info["counts"]["calls"] > 12 * 4


def test_generate_text_output_and_mix_override(ready_cli) -> None:
    code, out, err = ready_cli("generate", "-n", "8", "--mix", "normal=1,chinese=1", "--seed", "1")
    assert code == 0 and "starting run" in err and "→ normal 50.0%" in err
    assert "succeeded — 8/8 dialogues complete" in out


def test_generate_bad_mix_and_unknown_provider(ready_cli) -> None:
    code, _, err = ready_cli("generate", "--mix", "normal=x")
    assert code == 1 and "fault mix (--mix): weight of 'normal' is not a number" in err
    code, _, err = ready_cli("generate", "--mix", "normol=1")
    assert code == 1 and "unknown fault kind 'normol'" in err
    code, _, err = ready_cli("generate", "--teacher", "nope")
    assert code == 1 and "no provider profile named 'nope'" in err
    code, _, err = ready_cli("generate", "--resume", "r-missing")
    assert code == 1 and "no generation run with id r-missing" in err


def test_budget_pause_then_resume(ready_cli) -> None:
    code, out, _ = ready_cli("generate", "-n", "6", "--max-calls", "10", "--json")
    paused = json.loads(out)
    assert code == 3 and paused["status"] == "partial" and "call budget" in paused["error"]
    code, out, err = ready_cli("generate", "--resume", paused["id"], "--max-calls", "1000")
    assert code == 0 and "resuming run" in err and "6/6 dialogues complete" in out


def test_expand_and_rejected(ready_cli) -> None:
    result = ready_cli.json("topics", "expand", "--n", "15", "--seed", "2")
    assert len(result["accepted"]) == 15 and result["note"] is None
    assert all(t["source"] == "expanded" and len(t["parent_ids"]) == 3 for t in result["accepted"])
    assert all(t["title"] and t["name_zh"] for t in result["accepted"])  # titled in both languages
    code, out, _ = ready_cli("topics", "rejected")
    assert code == 0 and "turned away" in out
    rejected = ready_cli.json("topics", "rejected")["rejected"]
    assert all(r["similarity"] >= 0.6 and r["nearest_text"] for r in rejected if r["reason"] == "near-duplicate")
    ready_cli.json("topics", "expand", "--n", "15", "--seed", "2")  # the same rounds again: the same candidates
    again = ready_cli.json("topics", "rejected")["rejected"]
    texts = [r["text"] for r in again]
    assert len(texts) == len(set(texts)) and any(r["count"] > 1 for r in again)
    keep = again[0]
    accepted = ready_cli.json("topics", "accept", keep["id"])
    assert accepted["text"] == keep["text"] and accepted["parent_ids"] == keep["parent_ids"]
    assert accepted["title"] == keep["title"]


def test_expansion_that_cannot_finish_says_why(ready_cli) -> None:
    code, out, _ = ready_cli("topics", "expand", "--n", "5", "--threshold", "0.05")
    assert code == 1 and "raise --threshold" in out


def test_expanded_topics_are_not_near_duplicates(ready_cli) -> None:
    from studio.synth.topic_guard import TopicGuard

    ready_cli.json("topics", "expand", "--n", "40", "--seed", "5")
    topics = [t["text"] for t in ready_cli.json("topics", "list")["topics"]]
    guard = TopicGuard()
    for i, text in enumerate(topics):
        assert guard.check(text) is None, text
        guard.add(str(i), text)


def test_every_way_in_refuses_a_near_copy(ready_cli, tmp_path) -> None:
    topic = ready_cli.json("topics", "list")["topics"][0]
    near = topic["text"].replace("，", ",").replace("。", ".")
    code, _, err = ready_cli("topics", "add", near)
    assert code == 1 and topic["id"] in err and "same text" in err
    edited = topic["text"][:-2] + "吧。"
    code, _, err = ready_cli("topics", "add", edited)
    assert code == 1 and topic["id"] in err and "--force" in err
    assert ready_cli.json("topics", "add", edited, "--force")["text"] == edited
    other = ready_cli.json("topics", "list")["topics"][1]
    code, _, err = ready_cli("topics", "edit", other["id"], "--text", near)
    assert code == 1 and topic["id"] in err
    path = tmp_path / "more.txt"
    path.write_text(near + "\n", encoding="utf-8")
    result = ready_cli.json("topics", "import", str(path))
    assert result["added"] == [] and result["duplicates"][0]["nearest_id"] == topic["id"]


def test_expansion_names_topics_the_model_left_untitled(ready_cli) -> None:
    """A workspace prompt without the name fields, and a model that follows it: one more call names the
    new topics. (The model is the offline simulator behind an OpenAI-style server: it gets only the prompt.)"""
    from studio.resources import data_file
    from tests.llm.fakeserver import simulated
    from tests.workspaces import openai_profiles

    shipped = data_file("prompts/expand_topics.txt").read_text(encoding="utf-8")
    plain = "\n".join(line for line in shipped.splitlines() if "英文标题" not in line and "例如" not in line)
    (ready_cli.ws / "prompts").mkdir(exist_ok=True)
    (ready_cli.ws / "prompts" / "expand_topics.txt").write_text(plain + "\n", encoding="utf-8")
    server = simulated()
    try:
        config = ready_cli.ws / "config.toml"
        config.write_text(config.read_text() + openai_profiles(server.base, model="topic-writer"), encoding="utf-8")
        result = ready_cli.json("topics", "expand", "--n", "6", "--seed", "3", "--provider", "model")
    finally:
        server.stop()
    assert len(result["accepted"]) == 6 and result["untitled"] == 0
    assert all(t["title"] and t["name_zh"] and "｜" not in t["text"] for t in result["accepted"])
    calls = ready_cli.json("calls")["by_purpose"]
    assert calls["title"]["calls"] >= 1 and calls["expand"]["calls"] >= 1
