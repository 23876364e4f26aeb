"""The rule gate skips only rules that cannot match: the detectors find what every rule run finds."""

from __future__ import annotations

import random
import re

from studio.domain.grammar import GRAMMAR_RULES, Correction, find_grammar_errors, keep_case
from studio.domain.inject import inject_grammar
from studio.domain.learner import HOMOPHONES, find_spelling_errors
from studio.domain.rule_gate import RuleGate, literal_starts
from tests.unit.test_inject import EACH_RULE


def every_rule(text: str) -> list[Correction]:
    found = []
    for rule in GRAMMAR_RULES:
        for m in rule.pattern.finditer(text):
            right = rule.fix(m)
            if right is not None:
                found.append(Correction(m.group(0), keep_case(m.group(0), right), rule.id, rule.note))
    return found


def every_homophone(text: str) -> list[str]:
    return [m.group(0) for pattern, _, _ in HOMOPHONES for m in pattern.finditer(text)]


def texts() -> list[str]:
    """Sentences around each rule's own first words (any case, any ending), the shipped examples
    and injected errors: texts that match the rules, nearly match them, or match several."""
    rng = random.Random(7)
    patterns = [rule.pattern for rule in GRAMMAR_RULES] + [pattern for pattern, _, _ in HOMOPHONES]
    vocabulary = sorted({w for p in patterns for w in re.findall(r"[A-Za-z']+", p.pattern)})
    out = list(EACH_RULE)
    out += [inject_grammar(s, rng)[0] for s in EACH_RULE for _ in range(3)]
    for pattern in patterns:
        starts = literal_starts(pattern) or [""]
        for _ in range(60):
            words = lambda: " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 4)))  # noqa: E731
            text = f"{words()} {rng.choice(starts).replace(chr(0), '')}{words()}{rng.choice(['', '.', ' and so', ', '])}"
            out.append(rng.choice([str.strip, str.title, str.upper, str.capitalize])(text.strip()))
    return out


def test_the_grammar_detector_finds_what_every_rule_finds() -> None:
    cases = texts()
    found = [(text, every_rule(text)) for text in cases]
    assert sum(bool(f) for _, f in found) > len(cases) // 10  # the texts do match rules
    for text, expected in found:
        assert find_grammar_errors(text) == expected, text


def test_the_homophone_slips_are_found_as_every_pattern_finds_them() -> None:
    cases = texts()
    assert any(every_homophone(text) for text in cases)
    for text in cases:
        shown = [c.wrong for c in find_spelling_errors(text, use_dictionary=False) if c.rule == "spelling.homophone"]
        assert shown == every_homophone(text), text


def test_a_pattern_without_a_literal_start_is_always_tried_and_other_text_gets_every_rule() -> None:
    gate = RuleGate([re.compile(r"\b(go|went) home\b", re.I), re.compile(r"\w+ly\b"), re.compile(r"colou?r")])
    assert list(gate.may_match("We WENT home.")) == [0, 1]
    assert list(gate.may_match("We stayed in.")) == [1]
    assert list(gate.may_match("Going homeward")) == [1]  # 'go' is not a word of it
    assert list(gate.may_match("The colour red")) == [1, 2]
    assert list(gate.may_match("我们 went home")) == [0, 1, 2]  # not ASCII: every rule
