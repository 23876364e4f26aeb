"""The grammar errors Chinese learners of English typically make, as one two-way table.

Each :class:`GrammarRule` finds its error in any text and gives the correct form (the detectors,
the contract's checks, the offline teacher), and makes a correct phrase wrong the same way (the
fault injector, :func:`studio.domain.inject.inject_grammar`), so an injected error is one the
detector finds again with the original phrase as its fix. The rules are written in
:mod:`studio.domain.grammar_rules` and :mod:`studio.domain.grammar_rules_more` (their types in
:mod:`studio.domain.grammar_rule`); this module puts them in order and finds the errors. Pure functions.
"""

from __future__ import annotations

from functools import cache, lru_cache

from studio.domain.grammar_rule import Correction, Fix, GrammarRule, keep_case
from studio.domain.grammar_rules import I_VERBS, third_person
from studio.domain.grammar_rules import RULES as _FIRST_RULES
from studio.domain.grammar_rules_more import RULES as _MORE_RULES
from studio.domain.rule_gate import RuleGate

__all__ = ["GRAMMAR_RULES", "I_VERBS", "KIND_WEIGHTS", "KINDS", "Correction", "Fix", "GrammarRule",
           "find_grammar_errors", "keep_case", "third_person"]

#: Every rule, in the order the detector tries them (:mod:`studio.domain.grammar_rules`, then
#: :mod:`studio.domain.grammar_rules_more`).
GRAMMAR_RULES: list[GrammarRule] = [*_FIRST_RULES, *_MORE_RULES]

#: The kind of error each rule makes, as teachers group them; the injector spreads its errors over
#: these kinds (a rule that fits almost any sentence, such as "-s after I", does not crowd out the rest).
KINDS: dict[str, str] = {
    "grammar.tense": "tense", "grammar.article": "articles", "grammar.plural": "plurals",
    "grammar.preposition": "prepositions", "grammar.word_order": "word order", "grammar.copula": "missing verbs",
    "grammar.auxiliary": "missing verbs", "grammar.going_to": "missing verbs", "grammar.there_be": "missing verbs",
    "grammar.agreement": "agreement", "grammar.agree": "agreement", "grammar.infinitive": "verb forms",
    "grammar.gerund": "verb forms", "grammar.modal": "verb forms", "grammar.make_do": "verb forms",
    "grammar.let_do": "verb forms", "grammar.comparative": "word forms", "grammar.adjective": "word forms",
    "grammar.a_lot_of": "word forms", "grammar.discuss": "prepositions",
}


#: How often a kind is drawn when a sentence allows it (relative): the kinds that fit almost every
#: sentence ("-s after I", "can to go") give way to the ones that fit fewer.
KIND_WEIGHTS: dict[str, float] = {"tense": 2.0, "articles": 6.0, "plurals": 3.0, "prepositions": 6.0,
                                  "word order": 4.0, "missing verbs": 1.5, "agreement": 0.35, "verb forms": 0.35,
                                  "word forms": 1.0}


@cache
def _gate() -> RuleGate:
    """The rules' :class:`RuleGate`, made on first use (reading the patterns takes a tenth of a second)."""
    return RuleGate([rule.pattern for rule in GRAMMAR_RULES])


def find_grammar_errors(text: str) -> list[Correction]:
    return list(_grammar(text))


@lru_cache(maxsize=65536)
def _grammar(text: str) -> tuple[Correction, ...]:
    found: list[Correction] = []
    for i in _gate().may_match(text):  # the rules whose first words the text holds: no other can match
        rule = GRAMMAR_RULES[i]
        for m in rule.pattern.finditer(text):
            right = rule.fix(m)
            if right is not None:
                found.append(Correction(m.group(0), keep_case(m.group(0), right), rule.id, rule.note))
    return tuple(found)
