"""The shipped fault kinds, one registered :class:`~studio.domain.faults.FaultSpec` each.

The default mix is the tutorial's, 55 normal : 40 short : 5 each of off-topic, Chinese, spelling
and grammar, with 5 for mixed Chinese-English beside them (relative weights, normalised).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from studio.domain.codeswitch import english_for, inject_mixed
from studio.domain.faults import Evidence, FaultKind, FaultSpec, register
from studio.domain.grammar import Correction, find_grammar_errors
from studio.domain.inject import inject_grammar, inject_spelling
from studio.domain.language import Language
from studio.domain.learner import find_spelling_errors
from studio.domain.messages import N_
from studio.domain.text import word_count

if TYPE_CHECKING:
    from studio.domain.runs import RunConfig

#: At most this many words make a short answer (the tutorial's short student: "不超过10个单词").
SHORT_MAX_WORDS = 10


@register
class Normal(FaultSpec):
    """A full, correct answer on the topic."""

    kind = FaultKind.NORMAL
    label = N_("normal")
    weight = 55
    fallback = True

    def holds(self, text: str, evidence: Evidence) -> bool:
        return word_count(text) > SHORT_MAX_WORDS and not find_spelling_errors(text) and not find_grammar_errors(text)


@register
class Short(FaultSpec):
    """A few words, as a primary-level student says them."""

    kind = FaultKind.SHORT
    label = N_("short")
    weight = 40
    prompt = "student_short"
    priority = 50

    def holds(self, text: str, evidence: Evidence) -> bool:
        return 0 < word_count(text) <= SHORT_MAX_WORDS


@register
class OffTopic(FaultSpec):
    """An answer that leaves the dialogue's topic: the teacher brings the student back (rule 5)."""

    kind = FaultKind.OFF_TOPIC
    label = N_("off-topic")
    weight = 5
    priority = 20
    topic_judged = False
    owes = ("topic",)
    reads_errors = False

    def made_by(self, config: RunConfig) -> str:
        return "other_topic" if config.off_topic == "llm" else "bank"

    def holds(self, text: str, evidence: Evidence) -> bool:
        return evidence.off_topic or evidence.in_bank

    def applies(self, fault: FaultKind | None, off_topic: bool | None, language: Language) -> bool:
        return off_topic if off_topic is not None else fault is self.kind


@register
class Chinese(FaultSpec):
    """An answer in Chinese: the teacher asks for English (rule 5, "请尝试使用英语回答")."""

    kind = FaultKind.CHINESE
    label = N_("Chinese")
    weight = 5
    prompt = "student_chinese"
    language = Language.CHINESE
    priority = 10
    topic_judged = False
    owes = ("english", "no_praise")
    reads_errors = False
    said = N_("answered in Chinese")

    def made_by(self, config: RunConfig) -> str:
        return "translate" if config.chinese == "translate" else "answer"


@register
class Mixed(FaultSpec):
    """An English answer with Chinese words in it ("I think 这个 movie is very 有意思"): the teacher asks
    for English, as for a Chinese answer (rule 5, "请尝试使用英语回答"), and gives the English words."""

    kind = FaultKind.MIXED
    label = N_("mixed")
    weight = 5
    made = "rewrite"
    rewrite_task = "中英混杂"
    language = Language.MIXED
    priority = 15
    topic_judged = False
    owes = ("english", "words", "no_praise")
    corrects = "words"
    reads_errors = False
    said = N_("mixed Chinese words into the answer")

    def inject(self, text: str, rng: random.Random) -> tuple[str, list[Correction]]:
        return inject_mixed(text, rng)

    def detect(self, text: str) -> list[Correction]:
        return english_for(text)


class _Corrected(FaultSpec):
    """An English answer with errors the teacher corrects, made from a normal answer by an injector."""

    made = "rewrite"
    owes = ("correct", "no_praise")
    corrects = "correct"
    found_anywhere = True

    def holds(self, text: str, evidence: Evidence) -> bool:
        return bool(evidence.recorded and all(w in text for w in evidence.recorded)) or bool(self.detect(text))


@register
class Spelling(_Corrected):
    kind = FaultKind.SPELLING
    label = N_("spelling")
    weight = 5
    rewrite_task = "拼写错误"
    priority = 30

    def inject(self, text: str, rng: random.Random) -> tuple[str, list[Correction]]:
        return inject_spelling(text, rng)

    def detect(self, text: str) -> list[Correction]:
        return find_spelling_errors(text)


@register
class Grammar(_Corrected):
    kind = FaultKind.GRAMMAR
    label = N_("grammar")
    weight = 5
    rewrite_task = "语法错误"
    priority = 40

    def inject(self, text: str, rng: random.Random) -> tuple[str, list[Correction]]:
        return inject_grammar(text, rng)

    def detect(self, text: str) -> list[Correction]:
        return find_grammar_errors(text)
