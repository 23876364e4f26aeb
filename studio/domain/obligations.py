"""What the teacher owes the student's utterance it answers: the student as the contract knows it, the
fault kinds it is answered as, and each obligation's check, registered by id. Pure and fast."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from studio.domain.analysis_reading import _reading
from studio.domain.check_messages import phrase
from studio.domain.faults import SPECS, FaultKind, FaultSpec
from studio.domain.language import language_of
from studio.domain.learner import Correction
from studio.domain.messages import N_
from studio.domain.models import CheckResult

#: What the student did when no kind owing a request for English says it (the contract's words).
SAID_CHINESE = N_("answered in Chinese")


@dataclass
class Student:
    """The utterance a teacher turn answers, with what is known about it."""

    text: str
    fault: FaultKind | None = None  # intended/observed label when known
    corrections: list[tuple[str, str]] = field(default_factory=list)
    off_topic: bool | None = None
    off_topic_sure: bool = True  # False: judged from its words only (a suspicion: a warning, not an error)


def _err(id_: str, variant: str, severity: Literal["error", "warning"] = "error", **params: Any) -> CheckResult:
    return CheckResult.of(id_, variant, severity, **params)


_ASKS_ENGLISH_ZH = re.compile(r"(英语|英文)")
_ASKS_ENGLISH_EN = re.compile(r"\b(english)\b", re.I)
_REDIRECT_ZH = re.compile(r"(跑题|离题|偏题|偏离|回到|主题|话题|题目)")
_REDIRECT_EN = re.compile(r"\b(back to|topic|focus|let's talk about|let's return|get back|come back|stay on)\b", re.I)
_PRAISE = re.compile(r"(没有(明显的?)?(语法|拼写|用词)?(和(语法|拼写))?错误|完全正确|非常(流畅|地道|准确)|表达(很|非常)?地道|"
                     r"语法(完全)?正确|准确无误|无可挑剔|完美|perfect|flawless)", re.I)
_FIX_WORDS = re.compile(r"(应|改为|改成|正确|错误|拼写|语法|should be|instead of|→|=>)")


# -- what the teacher owes the student's utterance ----------------------------------------------
# Each fault kind's spec (studio.domain.faults) names the obligations it is owed; each obligation
# is checked here, once, whichever kinds owe it.


@dataclass
class Owed:
    """A teacher answer and what it owes the student utterance it answers."""

    student: Student
    kinds: list[FaultSpec]  # the kinds the teacher must answer the utterance as
    corrections: dict[str, list[Correction]]  # obligation id -> the corrections it is about
    reply: str
    analysis: str
    plain: str  # the Analysis without quoted passages

    def said(self, obligation: str) -> str:
        return next((s.said for s in self.kinds if obligation in s.owes and s.said), SAID_CHINESE)


Obligation = Callable[[Owed], list[CheckResult]]
#: Every obligation by id, in the order its checks are reported.
OBLIGATIONS: dict[str, Obligation] = {}


def obligation(id_: str) -> Callable[[Obligation], Obligation]:
    def add(check: Obligation) -> Obligation:
        OBLIGATIONS[id_] = check
        return check
    return add


@obligation("english")
def _asks_for_english(o: Owed) -> list[CheckResult]:
    if _ASKS_ENGLISH_ZH.search(o.plain) or _ASKS_ENGLISH_EN.search(o.reply):
        return []
    return [_err("fault.language", "no_english", said=phrase(o.said("english")))]


@obligation("topic")
def _brings_back(o: Owed) -> list[CheckResult]:
    if _REDIRECT_ZH.search(o.plain) or _REDIRECT_EN.search(o.reply):
        return []
    if o.student.off_topic_sure:
        return [_err("fault.off_topic", "not_back")]
    return [_err("fault.off_topic", "seems", "warning")]


def _shown(corrections: list[Correction]) -> str:
    return "; ".join(f"'{c.wrong}' → '{c.right}'" for c in corrections[:3])


def _missed(o: Owed, corrections: list[Correction]) -> list[Correction]:
    low = o.analysis.lower()
    return [c for c in corrections
            if c.right.lower() not in low and not (c.wrong.lower() in low and _FIX_WORDS.search(o.analysis))]


@obligation("correct")
def _corrects(o: Owed) -> list[CheckResult]:
    corrections = o.corrections.get("correct", [])
    missed = _missed(o, corrections)
    if corrections and len(missed) == len(corrections):
        return [_err("fault.uncorrected", "none", shown=_shown(corrections))]
    if missed:
        return [_err("fault.uncorrected", "some", "warning", shown=_shown(missed))]
    return []


@obligation("words")
def _gives_english_words(o: Owed) -> list[CheckResult]:
    """The English for the student's Chinese words: the tutorial asks only for English, so a miss warns."""
    low = o.analysis.lower()  # a word with several English ("tired/tiring"): any of them
    missed = [c for c in o.corrections.get("words", []) if not any(e in low for e in c.right.lower().split("/"))]
    if not missed:
        return []
    return [_err("fault.uncorrected", "words", "warning", shown=_shown(missed))]


@obligation("no_praise")
def _no_praise(o: Owed) -> list[CheckResult]:
    praise = _PRAISE.search(o.plain)
    if praise is None:
        return []
    return [_err("fault.praised_error", "praised", text=praise.group(0))]


def facing(student: Student) -> list[FaultSpec]:
    """The kinds the teacher must answer ``student`` as: its label, the kind its language makes it
    (Chinese, mixed), off topic when judged so."""
    language = language_of(student.text)
    return [s for s in SPECS.values() if s.applies(student.fault, student.off_topic, language)]


def owed_corrections(student: Student, kinds: list[FaultSpec]) -> dict[str, list[Correction]]:
    """The corrections the teacher owes, by obligation: the injector's record, else what the
    kinds' detectors find (spelling and grammar in any utterance whose kinds read errors)."""
    label = SPECS.get(student.fault) if student.fault is not None else None
    if student.corrections:
        key = label.corrects if label is not None and label.corrects else "correct"
        return {key: [Correction(w, r, "label", "") for w, r in student.corrections]}
    detectors = {s.kind for s in kinds if s.corrects}
    if all(s.reads_errors for s in kinds):
        detectors |= {s.kind for s in SPECS.values() if s.found_anywhere}
    out: dict[str, list[Correction]] = {}
    for spec in SPECS.values():
        if spec.kind in detectors and (found := spec.detect(student.text)):
            out.setdefault(spec.corrects, []).extend(found)
    return out


def _fault_checks(obj: dict[str, Any], student: Student) -> list[CheckResult]:
    reply, analysis = (v if isinstance(v := obj.get(key), str) else "" for key in ("Reply", "Analysis"))
    kinds = facing(student)
    corrections = owed_corrections(student, kinds)
    owed = {ob for s in kinds for ob in s.owes} | {ob for ob, found in corrections.items() if found}
    if corrections.get("correct"):
        owed.add("no_praise")
    o = Owed(student, kinds, corrections, reply, analysis, _reading(analysis).plain if analysis else "")
    return [r for id_, check in OBLIGATIONS.items() if id_ in owed for r in check(o)]
