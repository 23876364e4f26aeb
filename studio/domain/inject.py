"""Deterministic fault injectors: make a correct answer wrong the way learners do, and record
exactly what changed and the correct form (so checks can demand the correction)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from studio.domain.learner import (
    _ADVERB,
    _BASE_AFTER_TO,
    _PAST,
    _PAST_MARKER,
    _PRED_ADJ,
    _THIRD,
    I_VERBS,
    MISSPELLINGS,
    Correction,
    _correction,
    _speller,
    third_person,
)

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


_BASE = {v: k for k, v in _THIRD.items()}
_THIRD_FORM = {"have": "has", "go": "goes", "do": "does"}
_PAST_BASE = {v: k for k, v in _PAST.items() if k not in ("is", "are", "read")}
_ADJ = "good|big|small|new|great|nice|little|beautiful|wonderful|interesting|long|hard|fun|busy|lovely|relaxing"
_NOUN = ("idea|time|day|trip|book|dog|cat|friend|teacher|game|movie|film|place|job|question|plan|holiday|"
         "experience|city|team|song|chance|weekend|lesson|hobby|choice|view")
_COUNT = "two|three|four|five|six|seven|eight|nine|ten|many|several|these|those|lots of|a lot of"
_SINGULAR = {"classes": "class", "cities": "city", "countries": "country", "dishes": "dish"}
_PLURAL_NOUNS = ("books|friends|students|classmates|days|years|hours|minutes|things|games|teachers|countries|places|"
                 "subjects|songs|movies|classes|cities|weeks|months|photos|pictures|dishes|questions|animals|trees|"
                 "birds|dogs|cats|players|teams|lessons")

Rewrite = tuple[re.Pattern[str], Callable[[re.Match[str]], str | None], str]
# Each rewrite turns a correct phrase into the error ``find_grammar_errors`` recognises.
GRAMMAR_REWRITES: list[Rewrite] = [
    (re.compile(r"\b(I|you|we|they) (?:don't|do not) (know|like|want|have|think|go|understand|play|eat|need|remember|agree|mind|care|see|mean|enjoy|believe)\b", re.I),
     lambda m: f"{m.group(1)} not {m.group(2)}", "grammar.auxiliary"),
    (re.compile(r"\b(he|she|it) (?:doesn't|does not) (know|like|want|have|think|go|understand|play|eat|need|remember|agree|mind|care|see|mean|enjoy|believe)\b", re.I),
     lambda m: f"{m.group(1)} not {m.group(2)}", "grammar.auxiliary"),
    (re.compile(r"\b(it|he|she|this) is (a|an|very|so)\b(?! (much|many|that)\b)", re.I),
     lambda m: f"{m.group(1)} {m.group(2)}", "grammar.copula"),
    (re.compile(r"\bI am (very|so|really) (happy|excited|tired|busy|interested|nervous|sad|sure|glad|bored|hungry|lucky|proud|worried|afraid|good)\b"),
     lambda m: f"I {m.group(1)} {m.group(2)}", "grammar.copula"),
    (re.compile(rf"\b(he|she|it|my (?:mother|father|mom|dad|brother|sister|friend)) ({'|'.join(_BASE)})\b", re.I),
     lambda m: f"{m.group(1)} {_BASE[m.group(2).lower()]}", "grammar.agreement"),
    (re.compile(rf"\b(I|we|they|he|she) ({'|'.join(_PAST_BASE)})\b", re.I),
     lambda m: f"{m.group(1)} {_PAST_BASE[m.group(2).lower()]}" if _PAST_MARKER.search(m.string) else None, "grammar.tense"),
    (re.compile(r"\b(go|went|going|goes) to the (park|cinema|library|museum|supermarket|beach|hospital|zoo|airport|station|gym|mall)\b", re.I),
     lambda m: f"{m.group(1)} to {m.group(2)}", "grammar.article"),
    (re.compile(rf"\b(have|has|had|is|was|it's|buy|bought|want|wants) an? ({_ADJ}) ({_NOUN})\b", re.I),
     lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)}", "grammar.article"),
    (re.compile(rf"\b({_COUNT}) ({_PLURAL_NOUNS})\b", re.I),
     lambda m: f"{m.group(1)} {_SINGULAR.get(m.group(2).lower(), m.group(2)[:-1])}", "grammar.plural"),
    (re.compile(r"\b(I|we|they|he|she) really (like|likes|love|loves|enjoy|enjoys|want|wants)\b", re.I),
     lambda m: f"{m.group(1)} very {m.group(2)}", "grammar.word_order"),
    (re.compile(r"\b(better|easier|bigger|happier|faster|harder|cheaper)\b", re.I),
     lambda m: f"more {m.group(1)}", "grammar.comparative"),
    (re.compile(r"\b(I|we|they) agree\b", re.I),
     lambda m: f"{m.group(1)} {'am' if m.group(1) == 'I' else 'are'} agree", "grammar.agree"),
    (re.compile(rf"\b(it|this|that) is ({_PRED_ADJ})\b", re.I),
     lambda m: f"{m.group(1)} {m.group(2)}", "grammar.copula"),
    (re.compile(r"\b(can|could|should|must|will|would) (?!be\b|not\b|like\b|rather\b|you\b|I\b|we\b)([a-z]+)\b", re.I),
     lambda m: f"{m.group(1)} to {m.group(2)}", "grammar.modal"),
    (re.compile(rf"\bI ({_ADVERB})?({'|'.join(I_VERBS)})\b"),
     lambda m: f"I {m.group(1) or ''}{third_person(m.group(2))}", "grammar.agreement"),
    (re.compile(r"\b(we|they) (always |usually |often |sometimes )?(have|go|like|want|make|do|feel|need)\b", re.I),
     lambda m: f"{m.group(1)} {m.group(2) or ''}{_THIRD_FORM.get(m.group(3).lower(), m.group(3) + 's')}", "grammar.agreement"),
    (re.compile(r"\bpeople (are|were|have)\b", re.I),
     lambda m: "people " + {"are": "is", "were": "was", "have": "has"}[m.group(1).lower()], "grammar.agreement"),
    (re.compile(r"\bI'm going to\b"), lambda m: "I going to", "grammar.going_to"),
    (re.compile(r"\bI ('m|am|was|feel|felt) (so |very |really )?(excited|bored|interested|relaxed|tired)\b", re.I),
     lambda m: f"I {m.group(1)} {m.group(2) or ''}{m.group(3)[:-2]}ing", "grammar.adjective"),
    (re.compile(r"\ba lot of (time|money|fun|friends|things|people|homework|books)\b", re.I),
     lambda m: f"a lot {m.group(1)}", "grammar.a_lot_of"),
    (re.compile(rf"\b(want|wants|wanted|would like|'d like) to ({_BASE_AFTER_TO})\b", re.I),
     lambda m: f"{m.group(1)} {m.group(2)}", "grammar.infinitive"),
    (re.compile(r"\b(makes?|made) (me|us|him|her|them) ([a-z]+)\b", re.I),
     lambda m: f"{m.group(1)} {m.group(2)} to {m.group(3)}" if m.group(3) not in ("happy", "sad", "tired", "laugh")
     or m.group(3) == "laugh" else None, "grammar.make_do"),
    (re.compile(r"\b(listen|listens|listened|listening) to (music|songs?|the radio|the teacher|him|her|me|them)\b", re.I),
     lambda m: f"{m.group(1)} {m.group(2)}", "grammar.preposition"),
]

#: Used when no rewrite fits the sentence: a learner's typical follow-up with an error in it.
FALLBACK_ADDITIONS: list[tuple[str, str]] = [
    ("My friend like it too.", "My friend likes it too."),
    ("I not know how to say it.", "I don't know how to say it."),
    ("It a good experience for me.", "It is a good experience for me."),
    ("I very like this kind of thing.", "I really like this kind of thing."),
]


def inject_grammar(text: str, rng: random.Random, *, fallback: bool = True) -> tuple[str, list[Correction]]:
    """Introduce one typical grammar error and return the sentence with its correction.

    With ``fallback=False`` a sentence no rewrite fits comes back unchanged, with no corrections."""
    from studio.domain.learner import find_grammar_errors

    rewrites = list(GRAMMAR_REWRITES)
    rng.shuffle(rewrites)
    for pattern, make_wrong, rule in rewrites:
        for m in pattern.finditer(text):
            wrong = make_wrong(m)
            if wrong is None:
                continue
            wrong = wrong[0].upper() + wrong[1:] if m.group(0)[:1].isupper() else wrong
            candidate = text[: m.start()] + wrong + text[m.end() :]
            found = [c for c in find_grammar_errors(candidate) if c.wrong == wrong]
            if found:
                return candidate, [Correction(wrong, m.group(0), rule, found[0].note)]
    if not fallback:
        return text, []
    addition, right = rng.choice(FALLBACK_ADDITIONS)
    wrong_part = addition
    found = find_grammar_errors(addition)
    out = f"{text.rstrip()} {addition}"
    return out, [Correction(found[0].wrong if found else wrong_part, found[0].right if found else right,
                            found[0].rule if found else "grammar.fallback", found[0].note if found else "语法错误")]
