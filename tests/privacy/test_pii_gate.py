"""The gate in front of the personal-data detectors: a line holding none of a detector's cues is one
that detector cannot find anything in, so a line the gate stops is one no detector could flag."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.domain import pii
from studio.domain.pii.gate import compile_gate

DATA = Path(__file__).resolve().parents[1] / "data" / "pii_lines.json"
LABELLED = [r["text"] for r in json.loads(DATA.read_text(encoding="utf-8"))["lines"]]

# Pieces of lesson text near the cues: the cue words and their look-alikes, digits of other scripts,
# names, units, English address and school words.
PIECES = [
    *"0123456789０１２３４５６７８９٣٥١٠۴߃",
    "@", "qq.com", "QQ", "qq", "Qq", "Q", "扣扣", "扣", "企鹅", "微信", "微", "信", "威信", "V信", "v信", "vx", "VX", "wX", "Wx",
    "x", "WeChat", "Wechat", "wechat", "WECHAT", "weChat", "weixin", "Weixin", "号", "号码", "：", ":", "id", " is ", "是",
    "panda_bear99", "sunny-0906", "Abc123", "我叫", "叫做", "名叫", "名字", "名是", "名", "我是", "我的", "中文名", "英文名", "的",
    "中学", "小学", "学校", "附中", "一中", "第二中", "实验", "中", "学", "校", "同学", "老师", "阿姨", "叔叔", "姐姐", "姐", "哥哥",
    "妹妹", "弟弟", "爷爷", "奶奶", "家长", "同桌", "班主任", "陈", "一", "鸣", "王", "李", "丽", "佳琪", "欧阳", "高", "三",
    "my name is ", "My name's ", "name", "Name: ", "Name", "I'm ", "I am ", "Im ", "call me ", "Call me ", "this is ",
    "This is ", "his is", "all me", "Jessica", " Wang", "Li", "Tom", " Smith", "Beijing ", "No. ", "No.", "Number ", "High",
    " School", "School", "Middle ", "The ", "Road", "Street", "Avenue", "Lane", "Rd.", "St.", "Ave.", "Rm.", "Room", "Flat",
    "Apartment", "Apt.", "Building", "Bldg.", "Block", "Unit", "Floor", " Zhongshan ", "Huaihai", "Garden", "District",
    "路", "街", "大道", "号楼", "栋", "幢", "单元", "室", "层", "小区", "花园", "苑", "省", "市", "区", "县", "建国", "阳光",
    "(", ")", "（", "）", "-", "+86 ", "138", "1381234", "5678", "010", "0571", " ", ", ", "，", "。", ".", "\t",
]
texts = st.lists(st.sampled_from(PIECES), max_size=24).map("".join)

# Findings that rest on a single cue of their detector (digits of other scripts, a cue word alone).
ONE_CUE = [
    "中文名是陈一鸣。", "他是一中的陈一鸣。", "实验中学的王佳琪", "学校的李佳琪", "同桌王佳琪妹妹", "同桌王佳琪奶奶", "同桌王佳琪叔叔",
    "同桌王佳琪家长", "My Chinese name is Li Lei", "Name: Tom Smith", "加我Vx：sunny_0906", "加我vX：sunny_0906",
    "加我wX：sunny_0906", "110101001010111", "No. ٣ Zhongshan Avenue", "No. ٥ Zhongshan Rd.", "No. ٥ Zhongshan St.",
    "No. ٥ Zhongshan Ave.", "No. ٥ Zhongshan Street", "No. ٥ Zhongshan Road", "Rm. ٥, Apt. ٦", "Bldg. ٣, Rm. ٥",
    "Rm. ٥, Flat ٦", "Room ٥, Rm. ٦", "Rm. ٥, Block ٦", "Rm. ٥, Unit ٦", "Rm. ٥, Apartment ٦", "Rm. ٥, Building ٦",
    "Rm. ٥, Lane ٦", *(f"建国路{d}号" for d in "0123456789０１２３４５６７８９"),
]


def holds(text: str, cues: tuple[str, ...]) -> bool:
    return any(c in text for c in cues)


def kept_promises(text: str) -> None:
    """Each detector finds nothing in a text holding none of its cues or not matching its trigger, and
    the gate stops a text only when no detector finds anything in it (the spans themselves)."""
    found = {d.kind: list(d.spans(text)) for d in pii.DETECTORS.values()}
    for d in pii.DETECTORS.values():
        if not holds(text, d.cues) or (d.trigger is not None and not d.trigger.search(text)):
            assert found[d.kind] == [], (d.kind, text)
    if not pii.could_hold(text):
        assert not any(found.values()), text
        assert pii.find(text) == [] and pii.redact(text) == (text, [])


def other_scripts(text: str) -> list[str]:
    """``text`` with its digits written in full width, in Arabic-Indic digits, and its letters' case
    swapped: look-alikes of the cues the detectors' patterns might still match."""
    full = text.translate({ord(c): 0xFF10 + int(c) for c in "0123456789"})
    arabic = text.translate({ord(c): 0x0660 + int(c) for c in "0123456789"})
    return [full, arabic, text.swapcase(), text.lower(), text.upper()]


def test_every_shipped_detector_declares_its_cues() -> None:
    assert all(d.cues for d in pii.DETECTORS.values())


@pytest.mark.parametrize("text", LABELLED)
def test_the_labelled_lines_and_their_look_alikes_keep_the_promise(text) -> None:
    for t in [text, *other_scripts(text)]:
        kept_promises(t)


@pytest.mark.parametrize("text", ONE_CUE)
def test_a_finding_resting_on_one_cue_passes_the_gate(text) -> None:
    assert pii.find(text) and pii.could_hold(text)
    kept_promises(text)


def test_the_gate_lets_every_labelled_line_with_personal_data_through() -> None:
    data = json.loads(DATA.read_text(encoding="utf-8"))["lines"]
    assert all(pii.could_hold(r["text"]) for r in data if r["pii"])


@settings(max_examples=400, deadline=None)
@given(texts)
def test_random_lesson_text_keeps_the_promise(text) -> None:
    for t in [text, *other_scripts(text)]:
        kept_promises(t)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="abehstIx 'm:.中学的0１@Q", min_size=1, max_size=6), max_size=8),
       st.text(alphabet="abehstIx 'm:.中学的0１@Qnp", max_size=40))
def test_the_compiled_gate_finds_exactly_the_lines_holding_a_cue(cues, text) -> None:
    assert compile_gate(cues).holds(text) == holds(text, tuple(cues))


def test_a_line_without_any_cue_is_left_alone_and_a_cue_lets_it_through() -> None:
    plain = "We talked about the weekend trip to the mountains and what we enjoyed most."
    assert not pii.could_hold(plain) and pii.redact_lines(plain) == (plain, [])
    assert pii.could_hold(plain + " My name is Tom Li.")
    assert pii.redact_lines(plain + " My name is Tom Li.")[0] == plain + " My name is [姓名]."


def test_a_detector_without_cues_opens_the_gate_and_a_removed_one_closes_it() -> None:
    class Plate(pii.Detector):
        kind, placeholder, label = "plate", "[车牌]", "car plate"

        def spans(self, text):
            return (m.span() for m in re.finditer(r"京[A-Z]\d{5}", text))

    text = "我爸的车是京A12345。"
    assert pii.redact(text)[0] == "我爸的车是京A12345。"  # the address and phone cues hold, nothing found
    pii.register(Plate)
    try:
        assert pii.could_hold("no cue here") and pii.redact(text)[0] == "我爸的车是[车牌]。"
        assert pii.redact_lines(text)[0] == "我爸的车是[车牌]。"
    finally:
        del pii.DETECTORS["plate"]
    assert not pii.could_hold("no cue here") and pii.redact_lines(text)[0] == text


def line_by_line(text: str) -> tuple[str, list[str]]:
    done = [pii.redact(line) for line in text.split("\n")]
    return "\n".join(t for t, _ in done), [f.kind for _, found in done for f in found]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*PIECES, *LABELLED, *ONE_CUE, "\n", "\n\n", "\n\n\n"]), max_size=30).map("".join))
def test_a_text_is_redacted_as_each_of_its_lines_is(text) -> None:
    """Whole beginnings and lines are looked up once, and the result is the same as each line's."""
    assert pii.redact_lines(text) == line_by_line(text)
    assert pii.redact_lines(text) == line_by_line(text)  # again, from what was kept


@pytest.mark.parametrize("text", [*LABELLED, *ONE_CUE])
def test_a_labelled_line_after_a_prompts_rules_is_redacted_as_on_its_own(text) -> None:
    prompt = f"## 规则\n不超过30个单词\n\n[主题介绍]\n{text}\n\n{text}\nstudent: {text}"
    assert pii.redact_lines(prompt) == line_by_line(prompt)
