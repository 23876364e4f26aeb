"""The store never loses data silently: a journal without its snapshot, a snapshot replaced by an
older copy (the backup, or a copy kept from before), a missing journal or run totals that disagree
with the dialogues are refused with one line that names `studio store recover`; the recovery
rebuilds everything from the backup and the journals, keeps the old files aside, and nothing is
lost. The shipped topics go only into a new store."""

from __future__ import annotations

import shutil

import orjson
import pytest

from studio.workspace import open_workspace

RECOVER = "studio store recover"


def state(cli) -> dict:
    """What a user can see of the store: counts, each run's totals, and the samples an export writes."""
    info = cli.json("info")
    runs = {r["id"]: (r["status"], r["planned"], r["completed"], r["failed"]) for r in cli.json("runs")["runs"]}
    return {"counts": info["counts"], "runs": runs}


def exported(cli) -> int:
    out = cli.json("export", "--format", "openai")
    return out["snapshot"]["counts"]["samples"]


def compact(cli) -> None:
    with open_workspace(cli.ws) as ws:
        ws.store.storage.compact()


@pytest.fixture
def history(ready_cli):
    """A store whose latest changes are in the journal, over two snapshots (one kept as the backup)."""
    assert ready_cli("generate", "-n", "4", "--seed", "1")[0] == 0
    compact(ready_cli)
    assert ready_cli("generate", "-n", "3", "--seed", "2")[0] == 0
    compact(ready_cli)
    assert ready_cli("generate", "-n", "3", "--seed", "3")[0] == 0  # only in the journal
    return ready_cli


def refused(cli, *args: str) -> str:
    code, out, err = cli(*args)
    assert code == 2, out + err
    assert err.count("\n") == 1 and RECOVER in err and "Traceback" not in err, err
    return err


def recovered(cli, *flags: str) -> dict:
    code, out, err = cli("store", "recover", "--json", *flags)
    assert code == 0, err
    result = orjson.loads(out)
    kept = cli.ws / result["kept"].rsplit("/", 1)[-1]
    assert kept.is_dir() and any(kept.iterdir())  # the old files are kept aside
    return result


def files(ws) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in ws.glob("studio.json*")}


def test_a_journal_without_its_snapshot_is_refused_and_recovered_with_nothing_lost(history) -> None:
    before, samples = state(history), exported(history)
    (history.ws / "studio.json").unlink()
    untouched = files(history.ws)
    err = refused(history, "info")
    assert "studio.json is missing" in err
    refused(history, "init")  # never a new store, never the shipped topics seeded over it
    refused(history, "generate", "-n", "1")
    assert files(history.ws) == untouched
    result = recovered(history)
    assert result["complete"] and result["used"] == ["studio.json.bak", "studio.json.journal.prev",
                                                     "studio.json.journal"]
    after = state(history)
    assert after["counts"]["topics"] == before["counts"]["topics"]  # not seeded a second time
    assert after == {**before, "counts": {**before["counts"], "snapshots": before["counts"]["snapshots"] + 1}}
    assert exported(history) == samples


def test_the_backup_copied_over_a_truncated_store_is_refused_and_recovered(history) -> None:
    before, samples = state(history), exported(history)
    store = history.ws / "studio.json"
    store.write_bytes(store.read_bytes()[:200])  # truncated
    err = refused(history, "info")
    assert "not valid JSON" in err and "copy" not in err
    shutil.copy(history.ws / "studio.json.bak", store)  # what a user may do by hand
    err = refused(history, "runs")
    assert "does not belong to" in err
    result = recovered(history)
    assert result["complete"] and result["totals"] == []
    assert result["used"][1:] == ["studio.json.journal.prev", "studio.json.journal"]  # the copy, then both journals
    after = state(history)
    assert after["runs"] == before["runs"] and after["counts"]["dialogues"] == before["counts"]["dialogues"]
    assert after["counts"]["calls"] == before["counts"]["calls"]
    assert exported(history) == samples


def test_a_snapshot_older_than_its_journal_is_refused_and_recovered(history) -> None:
    old = (history.ws / "studio.json").read_bytes()
    assert history("generate", "-n", "2", "--seed", "4")[0] == 0
    compact(history)
    assert history("generate", "-n", "2", "--seed", "5")[0] == 0
    before = state(history)
    (history.ws / "studio.json").write_bytes(old)  # a copy from before the last snapshot
    refused(history, "info")
    result = recovered(history)
    assert result["complete"]
    assert state(history) == before


def test_a_missing_journal_is_refused_and_only_a_partial_recovery_says_what_is_gone(history) -> None:
    before = state(history)
    (history.ws / "studio.json.journal").unlink()
    assert "is missing" in refused(history, "info")
    code, _, err = history("store", "recover")
    assert code == 2 and "--partial" in err and err.count("\n") == 1
    result = recovered(history, "--partial")
    assert not result["complete"] and result["missing"]
    after = state(history)  # the store opens; the newest run's lost dialogues show in its totals
    assert after["counts"]["dialogues"] < before["counts"]["dialogues"]
    assert [r[2] for r in after["runs"].values()] != [r[2] for r in before["runs"].values()]


def test_run_totals_that_disagree_with_the_dialogues_are_refused_and_derived_again(ready_cli) -> None:
    assert ready_cli("generate", "-n", "3")[0] == 0
    before = state(ready_cli)
    with open_workspace(ready_cli.ws) as ws:
        run = ws.store.runs.all()[0]
        ws.store.runs.put(run.model_copy(update={"completed": 1500, "planned": 1500}))
    err = refused(ready_cli, "runs")
    assert "1500 completed dialogues" in err and run.id in err
    result = recovered(ready_cli)
    assert result["totals"] == [{"run": run.id, "field": "completed", "recorded": 1500, "derived": 3}]
    assert state(ready_cli)["runs"][run.id][2] == before["runs"][run.id][2] == 3


def test_the_shipped_topics_go_only_into_a_new_store(cli) -> None:
    code, out, _ = cli("init")
    assert code == 0 and "added" in out
    seeded = cli.json("info")["counts"]["topics"]
    with open_workspace(cli.ws) as ws:
        for topic in ws.store.topics.all():
            ws.store.topics.delete(topic.id)
    code, out, _ = cli("init")
    assert code == 0 and "added" not in out
    assert seeded > 0 and cli.json("info")["counts"]["topics"] == 0


def test_a_partial_recovery_keeps_the_newest_journal_and_says_it_could_not_prove_it_follows(history) -> None:
    before = state(history)
    (history.ws / "studio.json").unlink()
    (history.ws / "studio.json.journal.prev").unlink()  # the changes between the backup and the journal are gone
    refused(history, "info")
    code, _, err = history("store", "recover")
    assert code == 2 and "--partial" in err
    result = recovered(history, "--partial")
    assert result["used"] == ["studio.json.bak", "studio.json.journal"] and not result["complete"]
    assert any("without proof" in m for m in result["missing"])
    after = state(history)
    assert len(after["runs"]) == len(before["runs"]) - 1  # the second run was only in the lost journal
    assert after["counts"]["dialogues"] == before["counts"]["dialogues"] - 3
