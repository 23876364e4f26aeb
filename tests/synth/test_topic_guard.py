"""The near-duplicate guard on every way a topic arrives: add, edit, import, expand, accept."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from studio.domain import RejectedTopic, Topic, TopicSource
from studio.store import Store
from studio.synth.expand import candidates
from studio.synth.topic_guard import DEFAULT_THRESHOLD, NearDuplicate, TopicGuard, fold
from studio.synth.topics import (
    accept_rejected,
    add_topic,
    import_topics,
    rejected_once,
    update_topic,
)
from tests.conftest import TUTORIAL_DATA, needs_tutorial_data

HIKE = "两位朋友计划周末去郊外徒步，讨论路线、装备和安全注意事项。"
PAIRS = Path(__file__).resolve().parents[1] / "bench" / "topic_pairs.tsv"

# A copy with one character changed, one with ASCII punctuation, one with spaces, and a paraphrase.
NEAR = {
    "one character": HIKE.replace("周末", "周日"),
    "punctuation width": HIKE.replace("，", ",").replace("、", ",").replace("。", "."),
    "white space": "  两位朋友 计划周末去郊外徒步 ，讨论路线、装备和安全注意事项。 ",
    "paraphrase": "两个好朋友打算这周末到城外远足，商量走哪条路、带什么装备以及要注意的安全问题。",
}
DIFFERENT = "两位同学在食堂吃午饭，聊起昨晚的足球比赛。"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "ws") as s:
        yield s


def test_fold_ignores_punctuation_width_and_spacing() -> None:
    assert fold("你好，世界。 Hi!") == fold("你好,世界.hi") == fold("你 好 ， 世 界 。hi！")


@pytest.mark.parametrize("kind", NEAR)
def test_add_refuses_a_near_duplicate_naming_the_nearest_topic(store, kind) -> None:
    first = add_topic(store, HIKE)
    with pytest.raises(NearDuplicate) as caught:
        add_topic(store, NEAR[kind])
    assert caught.value.match.id == first.id
    assert first.id in str(caught.value) and HIKE in str(caught.value)
    assert store.topics.count() == 1


def test_the_refusal_says_the_score_and_how_to_keep_it(store) -> None:
    add_topic(store, HIKE)
    with pytest.raises(NearDuplicate, match=r"similarity 0\.9\d by edit\); keep it anyway with --force"):
        add_topic(store, NEAR["one character"])
    with pytest.raises(NearDuplicate, match=r"by paraphrase"):
        add_topic(store, NEAR["paraphrase"])


def test_force_keeps_a_near_duplicate_but_never_a_copy(store) -> None:
    add_topic(store, HIKE)
    kept = add_topic(store, NEAR["paraphrase"], force=True)
    assert store.topics.get(kept.id) is not None
    with pytest.raises(NearDuplicate, match="same text once punctuation width and spacing are folded"):
        add_topic(store, NEAR["punctuation width"], force=True)


def test_a_different_scenario_is_accepted(store) -> None:
    add_topic(store, HIKE)
    add_topic(store, DIFFERENT)
    add_topic(store, "两位朋友计划寒假去北方滑雪，讨论要买的雪具和住宿。")
    assert store.topics.count() == 3


def test_edit_passes_the_guard_but_may_keep_its_own_text(store) -> None:
    add_topic(store, HIKE)
    other = add_topic(store, DIFFERENT)
    with pytest.raises(NearDuplicate):
        update_topic(store, other.id, text=NEAR["one character"])
    assert update_topic(store, other.id, text=DIFFERENT + " ", title="Lunch talk").title == "Lunch talk"
    assert update_topic(store, other.id, text=NEAR["paraphrase"], force=True).text == NEAR["paraphrase"]


def test_import_skips_near_duplicates_of_the_store_and_of_earlier_rows(store, tmp_path) -> None:
    add_topic(store, HIKE)
    path = tmp_path / "t.txt"
    path.write_text("\n".join([NEAR["one character"], DIFFERENT, NEAR["paraphrase"],
                               DIFFERENT.replace("，", ",")]) + "\n", encoding="utf-8")
    report = import_topics(store, path)
    assert [t.text for t in report.added] == [DIFFERENT]
    assert [(r.line, r.match.measure) for r in report.duplicates] == [(1, "edit"), (3, "paraphrase"), (4, "same text")]
    assert report.duplicates[2].match.id == report.added[0].id  # the earlier row of the same file
    forced = import_topics(store, path, force=True)
    assert [r.line for r in forced.forced] == [1, 3] and len(forced.added) == 2
    assert [r.line for r in forced.duplicates] == [2, 4]  # copies stay out even with force


@needs_tutorial_data
def test_tutorial_topics_reimported_with_ascii_punctuation_are_all_refused(store, tmp_path) -> None:
    import_topics(store, TUTORIAL_DATA / "topics")
    text = (TUTORIAL_DATA / "topics").read_text(encoding="utf-8").replace("，", ",").replace("。", ".")
    path = tmp_path / "ascii.txt"
    path.write_text(text, encoding="utf-8")
    report = import_topics(store, path)
    assert not report.added and len(report.duplicates) == 10


def test_rejected_candidates_are_listed_once_with_their_count(store) -> None:
    store.rejected.put_many([RejectedTopic(text=HIKE, similarity=0.9), RejectedTopic(text=HIKE.replace("，", ",")),
                             RejectedTopic(text=DIFFERENT)])
    once = rejected_once(store)
    assert [(r.text, r.count) for r in once] == [(HIKE, 2), (DIFFERENT, 1)]


def test_accepting_a_rejected_candidate_keeps_titles_and_parents(store) -> None:
    parent = add_topic(store, DIFFERENT)
    r = RejectedTopic(text=HIKE, title="Weekend hike", name_zh="周末徒步", parent_ids=[parent.id])
    again = RejectedTopic(text=HIKE.replace("。", "."))
    store.rejected.put_many([r, again])
    topic = accept_rejected(store, r.id)
    assert (topic.title, topic.name_zh, topic.parent_ids, topic.source) == ("Weekend hike", "周末徒步", [parent.id],
                                                                             TopicSource.EXPANDED)
    assert store.rejected.count() == 0  # the same candidate proposed again went with it
    store.rejected.put(RejectedTopic(text=HIKE))
    with pytest.raises(NearDuplicate):
        accept_rejected(store, store.rejected.all()[0].id)


def test_expansion_lines_carry_a_chinese_name_and_an_english_title() -> None:
    out = candidates(f"1. {HIKE}｜周末徒步｜Weekend hiking plans\n{DIFFERENT} | Lunch and football | 午饭聊球赛\n"
                     "两位同学讨论作业。\n")
    assert [(c.name_zh, c.title) for c in out] == [("周末徒步", "Weekend hiking plans"),
                                                   ("午饭聊球赛", "Lunch and football"), ("", "")]
    assert out[0].text == HIKE


def test_guard_grows_as_topics_are_added() -> None:
    guard = TopicGuard.over([("a", HIKE)])
    assert guard.check(DIFFERENT) is None
    guard.add("b", DIFFERENT)
    assert guard.check(DIFFERENT.replace("，", ",")).id == "b"
    assert TopicGuard().nearest(HIKE) is None


def test_labelled_pairs_precision_and_recall() -> None:
    """Every copy, punctuation change and small edit is caught; paraphrases mostly; few false alarms."""
    with open(PAIRS, encoding="utf-8", newline="") as fh:
        pairs = list(csv.DictReader(fh, delimiter="\t"))
    assert len(pairs) >= 100
    judged = [(p, TopicGuard.over([("a", p["a"])]).check(p["b"]) is not None) for p in pairs]
    for kind in ("copy", "punctuation", "edit"):
        assert all(hit for p, hit in judged if p["kind"] == kind), kind
    tp = sum(hit and p["label"] == "dup" for p, hit in judged)
    fp = sum(hit and p["label"] == "distinct" for p, hit in judged)
    paraphrases = [hit for p, hit in judged if p["kind"] == "paraphrase"]
    assert tp / (tp + fp) >= 0.9
    assert sum(paraphrases) / len(paraphrases) >= 0.7
    assert DEFAULT_THRESHOLD == 0.6


def test_the_shipped_bank_passes_its_own_guard(store) -> None:
    from studio.synth.topics import seed_topics

    seed_topics(store)
    topics = store.topics.all()
    guard = TopicGuard()
    for t in topics:
        assert guard.check(t.text) is None, t.text
        guard.add(t.id, t.text)
    assert all(isinstance(t, Topic) for t in topics)


def test_the_offline_provider_names_any_topic() -> None:
    from studio.llm.base import ChatRequest, Message
    from studio.llm.offline import OfflineProvider
    from studio.turn.prompts import Prompts

    prompt = Prompts().render("title_topics", topics=f"1. {HIKE}\n2. 你和同学在学校食堂讨论如何节约家里的用电。")
    lines = OfflineProvider().respond(ChatRequest([Message("user", prompt)])).splitlines()
    first, second = (line.split("｜") for line in lines)
    assert first[0] == "1" and first[1] and first[2].isascii() and first[2]
    assert second == ["2", "节约用电", "Saving electricity at home"]  # an expansion scene: the bank's names
