"""`studio review`: the shared queue, decisions with their reviewer, history and agreement figures."""

from __future__ import annotations

import json

import pytest

from studio.domain.evals import EvalResult, EvalRun, HumanVote
from studio.evaluate.agreement import Stats, agreement, judge_agreement, score_agreement
from studio.store import Store
from studio.synth.review import edit_answer
from studio.synth.review_queue import doubly_reviewed


@pytest.fixture
def generated(ready_cli):
    code, _, err = ready_cli("generate", "--dialogues", "4", "--seed", "3")
    assert code == 0, err
    return ready_cli


def _keys(cli) -> list[str]:
    return [r["key"] for r in cli.json("review", "list", "--limit", "0")["samples"]]


def test_next_never_gives_two_reviewers_the_same_open_sample(generated) -> None:
    first = generated.json("review", "next", "--reviewer", "ann")["sample"]["key"]
    other = generated.json("review", "next", "--reviewer", "bob")["sample"]["key"]
    assert first != other
    again = generated.json("review", "next", "--reviewer", "ann")["sample"]["key"]
    assert again == first  # her claim is still open: the same sample comes back to her


def test_decisions_record_the_reviewer_and_release_the_claim(generated, ws_path) -> None:
    (ws_path / "config.toml").write_text((ws_path / "config.toml").read_text() + "\n[review]\ndouble_share = 0.0\n")
    key = generated.json("review", "next", "--reviewer", "ann")["sample"]["key"]
    code, out, err = generated("review", "approve", key, "--reviewer", "ann", "--force")
    assert code == 0, err
    assert "1 sample approved by ann" in out
    row = next(r for r in generated.json("review", "list", "--reviewer", "ann")["samples"] if r["key"] == key)
    assert row["review"] == "approved" and row["reviewed_by"] == {"ann": "approved"}
    history = generated.json("review", "history", key)["history"]
    assert [(h["reviewer"], h["before"], h["after"]) for h in history] == [("ann", "pending", "approved")]
    assert generated.json("review", "next", "--reviewer", "bob")["sample"]["key"] != key  # decided, not shared


def test_approving_a_failing_sample_names_the_check_unless_forced(generated, ws_path) -> None:
    key = _keys(generated)[1]
    long_reply = " ".join(["word"] * 64) + "?"
    with Store(ws_path) as store:  # a teacher's edit that breaks the 30-word limit
        edit_answer(store, key, json.dumps({"Reply": long_reply, "Suggestion": ["I like it.", "I do.", "Yes, I can."],
                                            "Analysis": "很好。"}), author="ann")
    code, _, err = generated("review", "approve", key)
    assert code == 1 and key in err and "reply.words" in err and "--force" in err
    assert [h["field"] for h in generated.json("review", "history", key)["history"]] == ["raw"]
    code, _, err = generated("review", "approve", key, "--force")
    assert code == 0, err
    assert generated.json("review", "history", key)["review"] == "approved"


def test_a_second_reviewer_gets_a_doubly_reviewed_sample_blind(generated, ws_path) -> None:
    (ws_path / "config.toml").write_text((ws_path / "config.toml").read_text() + "\n[review]\ndouble_share = 1.0\n")
    keys = _keys(generated)
    code, _, err = generated("review", "approve", *keys, "--reviewer", "ann", "--force")
    assert code == 0, err
    shown = generated.json("review", "next", "--reviewer", "bob")["sample"]
    assert shown["key"] in keys
    assert "review" not in shown and "reviewed_by" not in shown  # blind to ann's decision
    assert generated.json("review", "next", "--reviewer", "ann")["sample"] is None  # she decided them all


def test_stats_give_kappa_between_reviewers(generated) -> None:
    keys = _keys(generated)[:8]
    assert len(keys) == 8
    ann = ["approved"] * 4 + ["rejected"] * 4
    bob = ["approved"] * 3 + ["rejected"] * 5
    for who, said in (("ann", ann), ("bob", bob)):
        for key, status in zip(keys, said, strict=True):
            verb = ("approve", "--force") if status == "approved" else ("reject",)
            code, _, err = generated("review", *verb, key, "--reviewer", who)
            assert code == 0, err
    stats = generated.json("review", "stats")
    # po = 7/8; pe = (4/8)(3/8) + (4/8)(5/8) = 1/2; kappa = (7/8 - 1/2) / (1/2) = 0.75
    assert stats["doubly"] == 8 and stats["kappa"] == pytest.approx(0.75)
    assert stats["pairs"] == [{"reviewers": ["ann", "bob"], "samples": 8, "agree": 0.875, "kappa": 0.75}]
    code, out, _ = generated("review", "stats")
    assert code == 0 and "Cohen's kappa 0.75" in out and "ann × bob: 8 samples" in out


def test_a_single_reviewer_gives_no_kappa(generated) -> None:
    key = _keys(generated)[0]
    generated("review", "approve", key, "--reviewer", "ann", "--force")
    stats = generated.json("review", "stats")
    assert stats["decided"] == 1 and stats["doubly"] == 0 and stats["kappa"] is None
    code, out, _ = generated("review", "stats")
    assert "Cohen's kappa —" in out


def test_a_bad_key_is_one_line(ready_cli) -> None:
    code, _, err = ready_cli("review", "approve", "nonsense")
    assert code == 1 and err.strip() == ("error: 'nonsense' is not a sample key (dialogue:turn, as `studio review "
                                         "list` shows)")


def test_double_review_share_is_stable_and_proportional() -> None:
    keys = [f"d-{i}:{j}" for i in range(500) for j in (0, 2, 4)]
    chosen = [k for k in keys if doubly_reviewed(k, 0.1)]
    assert 0.07 < len(chosen) / len(keys) < 0.13
    assert chosen == [k for k in keys if doubly_reviewed(k, 0.1)]
    assert not any(doubly_reviewed(k, 0.0) for k in keys) and all(doubly_reviewed(k, 1.0) for k in keys)


def _vote(item: str, run: str, reviewer: str, **scores: int) -> HumanVote:
    return HumanVote(set_id="s", item_id=item, runs=(run, run), preferred="=", scores={run: scores}, reviewer=reviewer)


def test_judge_against_reviewers_per_dimension() -> None:
    run = EvalRun(id="r1", set_id="s", model="m", judge="judge-a",
                  results={f"i{n}": EvalResult(item_id=f"i{n}", judge={"reply": j, "suggestion": 3, "analysis": 2})
                           for n, j in enumerate((1, 2, 3, 3))})
    votes = [_vote(f"i{n}", "r1", "ann", reply=h, suggestion=3, analysis=a)
             for n, (h, a) in enumerate(((1, 2), (2, 2), (2, 1), (3, 3)))]
    stats = Stats()
    judge_agreement(votes, {"r1": run}, stats)
    reply = stats.judges["judge-a"]["reply"]
    assert reply["pairs"] == 4 and reply["mean_abs_diff"] == 0.25
    assert reply["spearman"] is not None and reply["spearman"] > 0.8
    assert reply["kendall"] is not None and reply["kendall"] > 0.7
    # the judge gave 3 to every Suggestion: a rank correlation is undefined, said as None, not 0
    assert stats.judges["judge-a"]["suggestion"]["spearman"] is None
    assert stats.judges["judge-a"]["suggestion"]["mean_abs_diff"] == 0.0


def test_rubric_scores_between_reviewers() -> None:
    votes = [_vote(f"i{n}", "r1", who, reply=s) for n, pair in enumerate(((1, 1), (2, 2), (3, 2), (3, 3)))
             for who, s in zip(("ann", "bob"), pair, strict=True)]
    stats = Stats()
    score_agreement(votes, stats)
    assert stats.scores["reply"]["pairs"] == 4
    assert 0.7 < stats.scores["reply"]["weighted_kappa"] < 1.0
    assert stats.scores["analysis"] == {"pairs": 0, "weighted_kappa": None, "spearman": None}


def test_agreement_reads_the_stored_documents(tmp_path) -> None:
    with Store(tmp_path / "s") as store:
        stats = agreement(store.dialogues.raw(), [], {})
    assert stats.decided == 0 and stats.kappa is None and stats.as_json()["pairs"] == []
