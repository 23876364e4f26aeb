"""Deterministic fault injectors: make a correct answer wrong the way learners do, and record
exactly what changed and the correct form (so checks can demand the correction)."""

from __future__ import annotations

import random
import re

from studio.domain.grammar import GRAMMAR_RULES, Correction, GrammarRule, find_grammar_errors
from studio.domain.learner import MISSPELLINGS, _correction, _speller

_RIGHT_TO_WRONG: dict[str, list[str]] = {}
for _wrong, _right in MISSPELLINGS.items():
    _RIGHT_TO_WRONG.setdefault(_right.lower(), []).append(_wrong)

VOWELS = "aeiou"


def _generated_misspellings(word: str) -> list[str]:
    """Dropped or doubled letters, swapped neighbours, a dropped vowel."""
    out: list[str] = []
    for i in range(1, len(word) - 1):
        if word[i] == word[i + 1]:
            out.append(word[:i] + word[i + 1 :])  # swimming → swiming
    for i in range(1, len(word) - 2):
        out.append(word[:i] + word[i + 1] + word[i] + word[i + 2 :])  # friend → freind
    for i in range(1, len(word) - 1):
        if word[i] in VOWELS and word[i - 1] not in VOWELS:
            out.append(word[:i] + word[i + 1 :])  # favourite → favurite
    if word[-1] == "l" and word[-2] != "l":
        out.append(word + "l")  # travel → travell, until → untill
    return [w for w in dict.fromkeys(out) if w != word]


def misspell(word: str, rng: random.Random) -> str | None:
    """A realistic misspelling that the dictionary check will catch and correct back to ``word``."""
    low = word.lower()
    known = [w for w in _RIGHT_TO_WRONG.get(low, []) if w.isalpha()]
    if known:
        return rng.choice(known)
    speller = _speller()
    candidates = _generated_misspellings(low)
    rng.shuffle(candidates)
    for cand in candidates:  # the detectors check words of 4+ letters, so the slip must stay that long
        if len(cand) >= 4 and not speller.known([cand]) and _correction(cand) == low:
            return cand
    return None


_WORD = re.compile(r"\b[a-z]{4,}\b")


def inject_spelling(text: str, rng: random.Random, count: int = 2) -> tuple[str, list[Correction]]:
    """Misspell up to ``count`` words (at least one if any word allows it)."""
    spots = list(_WORD.finditer(text))
    rng.shuffle(spots)
    chosen: list[tuple[re.Match[str], str]] = []
    for m in spots:
        if len(chosen) >= count:
            break
        if any(m.group(0) == c[0].group(0) for c in chosen):
            continue
        wrong = misspell(m.group(0), rng)
        if wrong:
            chosen.append((m, wrong))
    out = text
    for m, wrong in sorted(chosen, key=lambda c: -c[0].start()):
        out = out[: m.start()] + wrong + out[m.end() :]
    corrections = [Correction(w, m.group(0), "spelling.injected", "拼写错误") for m, w in sorted(chosen, key=lambda c: c[0].start())]
    return out, corrections


#: Used when no rule fits the sentence: a learner's typical follow-up with an error in it.
FALLBACK_ADDITIONS: list[tuple[str, str]] = [
    ("My friend like it too.", "My friend likes it too."),
    ("I not know how to say it.", "I don't know how to say it."),
    ("It a good experience for me.", "It is a good experience for me."),
    ("I very like this kind of thing.", "I really like this kind of thing."),
]


def break_rule(rule: GrammarRule, text: str) -> tuple[str, Correction] | None:
    """``text`` with the first phrase ``rule`` can make wrong made so, and its correction; None if
    no phrase fits or the rule's detector would not find exactly that error with the phrase as its fix."""
    for m in rule.correct.finditer(text):
        wrong = rule.breaks(m)
        if wrong is None:
            continue
        wrong = wrong[0].upper() + wrong[1:] if m.group(0)[:1].isupper() else wrong
        candidate = text[: m.start()] + wrong + text[m.end() :]
        found = [c for c in find_grammar_errors(candidate) if c.wrong == wrong and c.right == m.group(0)]
        if found:
            return candidate, Correction(wrong, m.group(0), rule.id, found[0].note)
    return None


def inject_grammar(text: str, rng: random.Random, *, fallback: bool = True) -> tuple[str, list[Correction]]:
    """Introduce one typical grammar error (a rule of the two-way table, made the other way, rules
    tried in random order) and return the sentence with its correction.

    With ``fallback=False`` a sentence no rule fits comes back unchanged, with no corrections."""
    rules = list(GRAMMAR_RULES)
    rng.shuffle(rules)
    for rule in rules:
        made = break_rule(rule, text)
        if made is not None:
            return made[0], [made[1]]
    if not fallback:
        return text, []
    addition, right = rng.choice(FALLBACK_ADDITIONS)
    wrong_part = addition
    found = find_grammar_errors(addition)
    out = f"{text.rstrip()} {addition}"
    return out, [Correction(found[0].wrong if found else wrong_part, found[0].right if found else right,
                            found[0].rule if found else "grammar.fallback", found[0].note if found else "语法错误")]
