"""Deterministic fault injectors: make a correct answer wrong the way learners do, and record
exactly what changed and the correct form (so checks can demand the correction)."""

from __future__ import annotations

import random
import re

from studio.domain.grammar import (
    GRAMMAR_RULES,
    KIND_WEIGHTS,
    KINDS,
    Correction,
    GrammarRule,
    find_grammar_errors,
    keep_case,
)
from studio.domain.learner import MISSPELLINGS, _correction, _speller, find_spelling_errors

_RIGHT_TO_WRONG: dict[str, list[str]] = {}
for _wrong, _right in MISSPELLINGS.items():
    _RIGHT_TO_WRONG.setdefault(_right.lower(), []).append(_wrong)

VOWELS = "aeiou"
_CONFUSED_VOWELS = {"a": "e", "e": "ai", "i": "e", "o": "u", "u": "o"}


def _drop_double(w: str) -> list[str]:
    return [w[:i] + w[i + 1:] for i in range(1, len(w) - 1) if w[i] == w[i + 1]]  # swimming → swiming


def _double_single(w: str) -> list[str]:
    """A consonant doubled before an ending (coming → comming, water → watter), or a final l (until → untill)."""
    out = [w[:i] + w[i] + w[i:] for i in range(1, len(w) - 2)
           if w[i + 1:] in ("ing", "ed", "er", "en", "y") and w[i] not in VOWELS + "hwxyvjqk"
           and w[i - 1] in VOWELS and (i < 2 or w[i - 2] not in VOWELS)]
    if w.endswith("l") and not w.endswith("ll"):
        out.append(w + "l")
    return out


def _first_vowels_end(w: str) -> int:
    """Where the word's first vowel group ends (its first syllable's vowel)."""
    i = 0
    while i < len(w) and w[i] not in VOWELS:
        i += 1
    while i < len(w) and w[i] in VOWELS:
        i += 1
    return i


def _drop_vowel(w: str) -> list[str]:
    """An unstressed vowel after the first syllable left out: interesting → intresting, family → famly."""
    if len(w) < 6:
        return []
    return [w[:i] + w[i + 1:] for i in range(_first_vowels_end(w) + 1, len(w) - 3)
            if w[i] in VOWELS and w[i - 1] not in VOWELS and w[i + 1] not in VOWELS + "y"]


def _swap_vowel(w: str) -> list[str]:
    """A vowel of a long word written as the one it sounds like, not in its first syllable nor its
    ending: separate → seperate, grammar → grammer, vegetable → vegitable."""
    if len(w) < 7:
        return []
    return [w[:i] + v + w[i + 1:] for i in range(_first_vowels_end(w) + 1, len(w) - 3) if w[i] in _CONFUSED_VOWELS
            and w[i - 1] not in VOWELS and w[i + 1] not in VOWELS for v in _CONFUSED_VOWELS[w[i]]]


_SILENT = ((r"wh", "w"), (r"mb$", "m"), (r"mn$", "m"), (r"sten", "sen"), (r"gui", "gi"), (r"gue", "ge"),
           (r"sch", "sc"), (r"ght", "gt"), (r"ould", "oud"), (r"alk", "ak"), (r"igh", "i"))


def _silent_letter(w: str) -> list[str]:
    """A letter not heard left out: which → wich, listen → lisen, guitar → gitar, autumn → autum."""
    return [w[: m.start()] + new + w[m.end():] for pattern, new in _SILENT for m in re.finditer(pattern, w)]


def _suffix(w: str) -> list[str]:
    """A rule for endings not applied: making → makeing, beautiful → beautifull, tried → tryed."""
    out = []
    if w.endswith("ing") and len(w) > 5 and _speller().known([w[:-3] + "e"]) and not _speller().known([w[:-3]]):
        out.append(w[:-3] + "eing")  # making → makeing (only where the base ends in -e)
    if w.endswith("ful"):
        out.append(w + "l")
    if w.endswith("ied"):
        out.append(w[:-3] + "yed")
    if w.endswith("ily"):
        out.append(w[:-3] + "yly")
    return out


def _ie_le(w: str) -> list[str]:
    """The two swaps learners do make: ie/ei (friend → freind) and a final -le (little → littel)."""
    out = [w[:i] + w[i + 1] + w[i] + w[i + 2:] for i in range(len(w) - 1) if w[i:i + 2] in ("ie", "ei")]
    if w.endswith("le") and len(w) > 4:
        out.append(w[:-2] + "el")
    return out


#: Spelled as heard: a letter group written the way it sounds (phone → fone, nice → nise, doctor →
#: docter, minute → minut), the spellings learners write from the sound of a word.
_SOUNDS = ((r"ph", "f"), (r"ck", "k"), (r"(?<=[aeiou])c(?=[ei])", "s"), (r"^c(?=[ei])", "s"), (r"ee", "ea"),
           (r"ea", "ee"), (r"ai", "ay"), (r"(?<=[aeiou])s(?=e$)", "z"), (r"ture$", "cher"),
           (r"tion$", "sion"), (r"(?<=[a-z][^aeiou])y$", "i"), (r"(?<=[aeiou][^aeiou])e$", ""), (r"ir", "er"),
           (r"or$", "er"), (r"our$", "or"))


def _sound(w: str) -> list[str]:
    """A letter group written as it sounds: phone → fone, city → sity, doctor → docter, busy → busi."""
    return [w[: m.start()] + new + w[m.end():] for pattern, new in _SOUNDS for m in re.finditer(pattern, w)]


def _swap_any(w: str) -> list[str]:
    return [w[:i] + w[i + 1] + w[i] + w[i + 2:] for i in range(1, len(w) - 2)]  # a typing slip, seldom


def _swapped(wrong: str, right: str) -> bool:
    """Whether ``wrong`` is ``right`` with two neighbouring letters swapped ("thier")."""
    diff = [i for i in range(len(right)) if len(wrong) == len(right) and wrong[i] != right[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and wrong[diff[0]] == right[diff[1]]


#: How learners misspell a word, by how often each happens (relative weights): a known misspelling
#: of the word first when there is one, then the patterns; a plain letter swap is the rarest.
SLIP_KINDS: tuple[tuple[str, float, object], ...] = (
    ("double dropped", 2.0, _drop_double), ("consonant doubled", 1.5, _double_single),
    ("vowel dropped", 2.0, _drop_vowel), ("vowel confused", 2.0, _swap_vowel),
    ("silent letter", 1.5, _silent_letter), ("spelled as heard", 1.5, _sound), ("ending rule", 1.5, _suffix), ("ie/ei or -le", 0.7, _ie_le),
    ("letters swapped", 0.3, _swap_any),
)


def _valid(cand: str, low: str) -> bool:
    """A slip the dictionary check will catch and correct back to the word (it checks 4+ letters)."""
    return len(cand) >= 4 and cand != low and not _speller().known([cand]) and _correction(cand) == low


def misspell(word: str, rng: random.Random, *, swaps: bool = False) -> str | None:
    """A misspelling a learner makes of ``word`` that the spelling check finds and corrects back: a
    known learner misspelling of it half the time there is one, else one of :data:`SLIP_KINDS`,
    drawn by weight among the kinds that fit the word (a plain letter swap only with ``swaps``)."""
    low = word.lower()
    known = [w for w in _RIGHT_TO_WRONG.get(low, []) if w.isalpha()]
    if known and rng.random() < 0.5:  # a transposed pair ("becuase") less often than the others ("becouse")
        chosen: str = rng.choices(known, [0.4 if _swapped(w, low) else 1.0 for w in known])[0]
        return chosen
    kinds = [(weight, make) for name, weight, make in SLIP_KINDS if swaps or name != "letters swapped"]
    while kinds:
        weight, make = kinds.pop(rng.choices(range(len(kinds)), [k[0] for k in kinds])[0])
        candidates: list[str] = list(dict.fromkeys(make(low)))  # type: ignore[operator]
        rng.shuffle(candidates)
        for cand in candidates:
            if _valid(cand, low):
                return cand
    return rng.choice(known) if known else None


#: Words that sound alike, confused in a context where the wrong one cannot be meant: the correct
#: phrase, and the slip (each one the spelling check's homophone table finds again).
HOMOPHONE_SLIPS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.I), wrong) for p, wrong in (
    (r"\bthere(?= (?:is|are|was|were)\b)", "their"),
    (r"\btoo(?= (?:much|many)\b)", "to"),
    (r"\bthan\b", "then"),
    (r"\bquite(?= \w)", "quiet"),
    (r"\bit's(?= \w)", "its"),
    (r"\bwere\b", "where"),
    (r"\bbuy\b", "by"),
    (r"\bknow(?= (?:that|how|what|why|where)\b)", "no"),
))


def _homophone_slips(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, wrong, right) for each homophone slip the sentence allows and the check finds."""
    out = []
    for pattern, wrong in HOMOPHONE_SLIPS:
        for m in pattern.finditer(text):
            slip = keep_case(m.group(0), wrong)
            trial = text[: m.start()] + slip + text[m.end():]
            found = [c for c in find_spelling_errors(trial) if c.rule == "spelling.homophone"]
            if any(c.wrong.lower().split()[0] == wrong and m.group(0).lower() in c.right.lower() for c in found):
                out.append((m.start(), m.end(), slip, m.group(0)))
    return out


_WORD = re.compile(r"\b[a-z]{4,}\b")


def inject_spelling(text: str, rng: random.Random, count: int | None = None) -> tuple[str, list[Correction]]:
    """Misspell ``count`` words (by default one to three, one most often; at least one if any word
    allows it): learner misspellings of the sentence's own words, or a homophone in its context."""
    if count is None:
        count = rng.choices((1, 2, 3), (0.45, 0.4, 0.15))[0]
    chosen: list[tuple[int, int, str, str]] = []  # start, end, wrong, right
    homophones = _homophone_slips(text)
    if homophones and rng.random() < 0.3:
        chosen.append(rng.choice(homophones))
    spots = list(_WORD.finditer(text))
    rng.shuffle(spots)
    for swaps in (False, True):  # a plain letter swap only when no word allows a learner's slip
        for m in spots:
            if len(chosen) >= count or (swaps and chosen):
                break
            if any(m.group(0) == c[3] or (m.start() < c[1] and c[0] < m.end()) for c in chosen):
                continue
            wrong = misspell(m.group(0), rng, swaps=swaps)
            if wrong:
                chosen.append((m.start(), m.end(), wrong, m.group(0)))
    out = text
    for start, end, wrong, _ in sorted(chosen, key=lambda c: -c[0]):
        out = out[:start] + wrong + out[end:]
    slips = {(h[0], h[2]) for h in homophones}
    corrections = [Correction(wrong, right, "spelling.injected", "同音词混淆" if (start, wrong) in slips else "拼写错误")
                   for start, _, wrong, right in sorted(chosen, key=lambda c: c[0])]
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
    """Introduce one typical grammar error (a rule of the two-way table, made the other way: a kind of
    error drawn first, :data:`~studio.domain.grammar.KINDS`, then one of its rules that fits) and return
    the sentence with its correction.

    With ``fallback=False`` a sentence no rule fits comes back unchanged, with no corrections."""
    rules = list(GRAMMAR_RULES)
    rng.shuffle(rules)
    by_kind: dict[str, list[GrammarRule]] = {}
    for rule in rules:
        by_kind.setdefault(KINDS.get(rule.id, "other"), []).append(rule)
    # a kind of error first (a weighted random order), then one of its rules: the errors spread over the kinds
    kinds = sorted(by_kind, key=lambda k: -rng.random() ** (1 / KIND_WEIGHTS.get(k, 1.0)))
    for kind in kinds:
        for rule in by_kind[kind]:
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
