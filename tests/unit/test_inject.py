"""Grammar faults land inside the student's own sentence, and the detectors find exactly them."""

from __future__ import annotations

import random
from dataclasses import replace

from studio.domain.inject import FALLBACK_ADDITIONS, inject_grammar, inject_spelling
from studio.domain.learner import find_errors, find_grammar_errors

# Sentences of the kinds a student model writes (the tutorial's examples and everyday answers).
SENTENCES = [
    "I prioritize tasks and maintain a strict schedule, teacher.",
    "I find setting a daily schedule helps me a lot.",
    "I try to revise regularly to avoid last-minute cramming.",
    "I really need to work on my time management.",
    "Last weekend I went hiking with my cousin, and it was really fun.",
    "I think online classes are convenient, but it is hard to focus at home.",
    "We usually have dinner together and then go for a walk.",
    "I would like to visit Yunnan because the mountains are beautiful.",
    "My favourite part was the final shot, because it was so exciting.",
    "I'm going to join the drama club next term.",
    "I feel excited when I play basketball with my friends.",
    "It makes me feel relaxed after a long day.",
    "I want to learn the guitar because I love music.",
    "If I get lost, I would ask a police officer for help.",
    "I can learn a lot of new words from English films.",
    "I prefer cloth bags, because we can use them again.",
]


def test_the_error_is_inside_the_sentence_and_the_correction_is_exact() -> None:
    fitted = 0
    for sentence in SENTENCES:
        for seed in range(5):
            wrong, fixes = inject_grammar(sentence, random.Random(seed), fallback=False)
            if not fixes:
                assert wrong == sentence
                continue
            fitted += 1
            (fix,) = fixes
            assert wrong != sentence and fix.wrong in wrong
            assert wrong.replace(fix.wrong, fix.right, 1) == sentence  # the correction names the exact fix
            assert any(c.wrong == fix.wrong and c.right == fix.right for c in find_grammar_errors(wrong))
            assert not any(wrong.endswith(add) for add, _ in FALLBACK_ADDITIONS)
    assert fitted >= 0.85 * 5 * len(SENTENCES)


def test_a_sentence_nothing_fits_still_gets_a_recorded_error_by_default() -> None:
    sentence = "I prioritize tasks and maintain a strict schedule, teacher."
    assert inject_grammar(sentence, random.Random(0), fallback=False) == (sentence, [])
    wrong, (fix,) = inject_grammar(sentence, random.Random(0))
    assert wrong.startswith(sentence) and fix.wrong in wrong


def test_clean_sentences_raise_no_grammar_alarm() -> None:
    assert [s for s in SENTENCES if find_grammar_errors(s)] == []


def test_the_offline_students_answers_are_clean_and_almost_always_corruptible_inside() -> None:
    from studio.llm.offline.banks import load_banks
    from studio.llm.offline.frames import FRAMES, Asked, Filler, answers, ask

    banks, rng = load_banks(), random.Random(1)
    sentences = []
    scenes = [(s, s.thing_for("")) for s in (*banks.scenes.values(), banks.general)]
    scenes += [(replace(s, **lists), s.things[key]) for s in banks.scenes.values() for key, lists in s.focus.items()]
    for scene, thing in scenes:
        for frame in FRAMES.values():
            _, slots = ask(frame, Filler(scene, thing, rng))
            for form in ("ask", "follow"):
                sentences += answers(Asked(frame, form, slots), Filler(scene, thing, rng, slots), 3)
    assert len(sentences) > 1000
    assert [s for s in sentences if find_errors(s)] == []  # the teacher's own suggestions carry no errors
    inside = sum(bool(inject_grammar(s, random.Random(i), fallback=False)[1]) for i, s in enumerate(sentences))
    assert inside / len(sentences) >= 0.8


def test_misspellings_are_of_the_sentences_own_words() -> None:
    sentence = "I usually review my notes every evening before the exams."
    wrong, fixes = inject_spelling(sentence, random.Random(4), count=2)
    assert len(fixes) == 2
    for fix in fixes:
        assert fix.right in sentence and fix.wrong in wrong


def test_a_slip_reads_the_same_whatever_the_processs_hash_seed():
    """Two corrections one edit away and equally common are a tie; it is broken the same way in every
    process (pyspellchecker's own correction breaks it in set order)."""
    import os
    import subprocess
    import sys

    code = ("from studio.domain.learner import find_spelling_errors as f; "
            "print([(c.wrong, c.right) for c in f('Sweet monocakes and mooncaks.')])")
    seen = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("0", "2", "5")}
    assert len(seen) == 1 and "mooncakes" in seen.pop()


# One correct sentence per rule of the two-way table, in the table's order.
EACH_RULE = [
    "I don't like noisy places.", "She doesn't eat meat.", "It is a nice park.", "I am so excited about the trip.",
    "My sister likes music.", "Yesterday I went to the cinema.", "We often go to the park on Sunday.",
    "She has a good idea.", "I have three books about space.", "I really like this song.",
    "Trains are faster than buses.", "I agree with you.", "The food was great, and it is delicious.",
    "I usually watch films at home.", "They have a big garden.", "People are friendly there.",
    "I'm going to visit my aunt.", "I was so bored at the party.", "We had a lot of fun at the zoo.",
    "You can join us tomorrow.", "I want to go home now.", "It made me laugh a lot.", "I often listen to music.",
    "I enjoy swimming in summer.", "We discussed the plan in class.",
    "I had an apple after lunch.", "I run in the morning.", "We play football on Sundays.", "I went home after school.",
    "Please wait for me.", "I agree with you.", "I am interested in history.", "I take care of my sister.",
    "I finish my homework before dinner.", "She is one of my friends.", "I swim every day.",
    "The room is big enough.", "I like it very much.", "I didn't go to school.", "There are many people in the park.",
    "They are very friendly.", "I will be ready soon.", "Let me help you.", "I spent the afternoon reading.",
    "My mum is a teacher.", "I have seen that film.", "I will call my mum tonight.",
    "We go hiking on Sundays.", "I will ask her where I can find it.", "She plays the piano every day.",
    "Our bags look the same.", "It was the best day of the trip.", "City life is different from life in the country.",
    "We arrived at the station early.", "I usually walk to school.",
]


def test_every_grammar_rule_makes_its_error_and_finds_it_again() -> None:
    from studio.domain.grammar import GRAMMAR_RULES
    from studio.domain.inject import break_rule

    assert len(EACH_RULE) == len(GRAMMAR_RULES)
    for rule, sentence in zip(GRAMMAR_RULES, EACH_RULE, strict=True):
        assert not find_grammar_errors(sentence), sentence
        made = break_rule(rule, sentence)
        assert made is not None, (rule.id, sentence)
        wrong, fix = made
        assert fix.rule == rule.id and wrong.replace(fix.wrong, fix.right, 1) == sentence
        assert (fix.wrong, fix.right, rule.id) in [(c.wrong, c.right, c.rule) for c in find_grammar_errors(wrong)]


def _card_answers() -> list[str]:
    from studio.llm.offline.cards import load_cards

    return [o.english for card in load_cards().values() for q in card.questions for o in q.options]


def test_misspellings_are_a_learners_not_typing_slips() -> None:
    """Spelled as heard, doubled or dropped letters, a known misspelling ("becouse", "wich"): a plain
    swap of two neighbouring letters ("mroe", "lkie") is the last resort, and the count varies."""
    from studio.domain.inject import _swapped

    slips = swaps = 0
    counts: set[int] = set()
    for i, sentence in enumerate(_card_answers()[:400]):
        _, fixes = inject_spelling(sentence, random.Random(i))
        counts.add(len(fixes))
        slips += len(fixes)
        swaps += sum(_swapped(f.wrong.lower(), f.right.lower()) for f in fixes)
    assert slips >= 400 and swaps <= slips / 4
    assert {1, 2, 3} <= counts


def test_grammar_faults_spread_over_the_kinds_learners_make() -> None:
    from collections import Counter

    from studio.domain.grammar import KINDS

    kinds: Counter[str] = Counter()
    for i, sentence in enumerate(_card_answers()[:600]):
        broken, fixes = inject_grammar(sentence, random.Random(i), fallback=False)
        found = {c.wrong: c.rule for c in find_grammar_errors(broken)}
        kinds.update(KINDS.get(found.get(f.wrong, ""), "?") for f in fixes)
    total = sum(kinds.values())
    assert total >= 450 and {"tense", "articles", "plurals", "prepositions", "word order", "missing verbs"} <= set(kinds)
    assert kinds.most_common(1)[0][1] <= total * 0.3  # no kind (such as "-s after I") crowds out the rest
