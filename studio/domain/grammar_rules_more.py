"""The later tables of :data:`studio.domain.grammar.GRAMMAR_RULES` (:data:`RULES`, in their order): a/an,
prepositions in set phrases, plurals (uncountable nouns, "one of", "every"), word order (enough, very much,
embedded questions, frequency adverbs), verb forms (after an auxiliary, the present perfect, let, spend), there be,
a missing are or be, and articles in set phrases, each with its word lists. Pure functions.
"""

from __future__ import annotations

import re

from studio.domain.grammar_rule import GrammarRule
from studio.domain.grammar_rule import rule as _rule
from studio.domain.grammar_rules import (
    _COUNTABLE,
    _FEELINGS,
    _GERUNDS,
    _PLURALS,
    _SINGULAR,
    _ing,
    _plural,
)

_AN_WORDS = ("hour|hours|apple|egg|idea|orange|old|interesting|important|easy|amazing|exciting|umbrella|excellent|"
             "elephant|art|island|animal|email|answer|extra|English|eight|honest|open|empty|early|unusual|uncle|"
             "exam|event|essay|office|aunt|actor|artist|area|ice|other|hour|invitation|example|adventure|airport")
_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_UNCOUNTABLE = "homework|information|advice|furniture|luggage|equipment|knowledge|housework"
_PRONOUN = "me|him|her|us|them"
_BE_ADJ = ("happy|sad|tired|ready|busy|late|careful|quiet|nervous|excited|able|free|fine|safe|good|better|"
           "back|proud|hungry|sure|glad|kind|patient|brave|friends")
_PLURAL_ADJ = (f"{_FEELINGS}|friendly|kind|careful|quiet|noisy|cheap|expensive|delicious|different|"
               "helpful|popular|lucky|close|similar|useful")
_PAST_AFTER_AUX = {"went": "go", "saw": "see", "ate": "eat", "bought": "buy", "took": "take", "came": "come",
                   "gave": "give", "wrote": "write", "told": "tell", "swam": "swim", "sang": "sing", "ran": "run",
                   "got": "get", "did": "do", "felt": "feel", "met": "meet", "won": "win", "spent": "spend"}
_BASE_AFTER_AUX = {v: k for k, v in _PAST_AFTER_AUX.items()}
_ENOUGH = "big|old|warm|good|strong|fast|early|tall|hot|cold|long|safe|quiet|cheap|close|large|easy|clear|ready"
#: The end of a clause: what may follow a phrase that is complete ("… at the morning." but not "at the morning sky").
_CLAUSE_END = r"(?=\s*[.,!?;]|\s+(?:and|but|because|so|with|for|to|now|when|before|after|too)\b|\s*$)"
_SPENT_ON = r"(?:\w+ )?(?:time|hours|an hour|two hours|the afternoon|the weekend|the evening|the morning)"


def _there_be(m: re.Match[str]) -> str:
    return f"{m.group(1)} {'is' if m.group(3).lower() in ('a', 'an') else 'are'} {m.group(3)}"


RULES: list[GrammarRule] = [
    _rule("grammar.article", "元音音素开头的词前用 an",
          rf"\ba ({_AN_WORDS})\b", lambda m: f"{m.group(0)[0]}n {m.group(1)}",
          rf"\ban ({_AN_WORDS})\b", lambda m: f"a {m.group(1)}"),
    _rule("grammar.preposition", "在上午、下午、晚上用介词 in",
          rf"\bat the (morning|afternoon|evening)\b{_CLAUSE_END}", lambda m: f"in the {m.group(1)}",
          rf"\bin the (morning|afternoon|evening)\b{_CLAUSE_END}", lambda m: f"at the {m.group(1)}"),
    _rule("grammar.preposition", "在具体某一天用介词 on",
          rf"\bin ({_DAYS})(s?)\b", lambda m: f"on {m.group(1)}{m.group(2)}",
          rf"\bon ({_DAYS})(s?)\b", lambda m: f"in {m.group(1)}{m.group(2)}"),
    _rule("grammar.preposition", "home 是副词，go home 前面不加 to",
          r"\b(go|goes|went|going|come|comes|came|coming|get|got|arrive|arrived) to home\b",
          lambda m: f"{m.group(1)} home",
          r"\b(go|goes|went|going|come|comes|came|coming|get|got|arrive|arrived) home\b",
          lambda m: f"{m.group(1)} to home"),
    _rule("grammar.preposition", "wait 后面要加 for 再接人或车",
          rf"\b(wait|waits|waited|waiting) ({_PRONOUN}|the bus|the train)\b", lambda m: f"{m.group(1)} for {m.group(2)}",
          rf"\b(wait|waits|waited|waiting) for ({_PRONOUN}|the bus|the train)\b", lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.preposition", "agree 后面接人时要用 agree with",
          rf"\b(agree|agrees|agreed) (you|him|her|them|me)\b{_CLAUSE_END}", lambda m: f"{m.group(1)} with {m.group(2)}",
          rf"\b(agree|agrees|agreed) with (you|him|her|them|me)\b{_CLAUSE_END}",
          lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.preposition", "be interested 后面用介词 in",
          r"\binterested (about|on|at|for)\b", lambda m: "interested in",
          r"\binterested in\b", lambda m: "interested about"),
    _rule("grammar.preposition", "take care 后面要加 of 再接宾语",
          r"\b(take|takes|took|taking) care (my|his|her|our|your|their|the|them|him|it|me|a|an)\b",
          lambda m: f"{m.group(1)} care of {m.group(2)}",
          r"\b(take|takes|took|taking) care of (my|his|her|our|your|their|the|them|him|it|me|a|an)\b",
          lambda m: f"{m.group(1)} care {m.group(2)}"),
    _rule("grammar.plural", "这是不可数名词，没有复数形式",
          rf"\b({_UNCOUNTABLE})s\b", lambda m: m.group(1),
          rf"\b({_UNCOUNTABLE})\b(?!')", lambda m: f"{m.group(1)}s"),
    _rule("grammar.plural", "one of 后面的名词要用复数",
          rf"\bone of (my|our|the|his|her|your|their) ({_COUNTABLE})\b(?!')",
          lambda m: f"one of {m.group(1)} {_plural(m.group(2))}",
          rf"\bone of (my|our|the|his|her|your|their) ({_PLURALS})\b",
          lambda m: f"one of {m.group(1)} {_SINGULAR.get(m.group(2).lower(), m.group(2)[:-1])}"),
    _rule("grammar.plural", "every / each 后面的名词用单数",
          rf"\b(every|each) ({_PLURALS})\b", lambda m: f"{m.group(1)} {_SINGULAR.get(m.group(2).lower(), m.group(2)[:-1])}",
          rf"\b(every|each) ({_COUNTABLE})\b(?!')", lambda m: f"{m.group(1)} {_plural(m.group(2))}"),
    _rule("grammar.word_order", "enough 修饰形容词时放在形容词后面",
          rf"\b(is|are|was|were|be|isn't|aren't) enough ({_ENOUGH})\b{_CLAUSE_END}",
          lambda m: f"{m.group(1)} {m.group(2)} enough",
          rf"\b(is|are|was|were|be|isn't|aren't) ({_ENOUGH}) enough\b{_CLAUSE_END}",
          lambda m: f"{m.group(1)} enough {m.group(2)}"),
    _rule("grammar.word_order", "very much 要放在宾语后面",
          r"\b(like|likes|liked|love|loves|loved|enjoy|enjoys|enjoyed) very much (it|them|this|that|him|her)\b",
          lambda m: f"{m.group(1)} {m.group(2)} very much",
          r"\b(like|likes|liked|love|loves|loved|enjoy|enjoys|enjoyed) (it|them|this|that|him|her) very much\b",
          lambda m: f"{m.group(1)} very much {m.group(2)}"),
    _rule("grammar.tense", "助动词、情态动词或 to 后面要用动词原形",
          rf"\b(did|didn't|will|won't|can|can't|could|should|would|must|to) ({'|'.join(_PAST_AFTER_AUX)})\b",
          lambda m: f"{m.group(1)} {_PAST_AFTER_AUX[m.group(2).lower()]}",
          rf"\b(did|didn't|will|won't|can|can't|could|should|would|must|to) ({'|'.join(_BASE_AFTER_AUX)})\b",
          lambda m: f"{m.group(1)} {_BASE_AFTER_AUX[m.group(2).lower()]}"),
    _rule("grammar.there_be", "表示“有”要用 there is / there are，不用 there have",
          r"\b(there) (have|has) (a|an|many|lots|two|three|four|five|\d+)\b", _there_be,
          r"\b(there) (is|are) (a|an|many|lots|two|three|four|five|\d+)\b",
          lambda m: f"{m.group(1)} have {m.group(3)}"),
    _rule("grammar.copula", "句子缺少系动词 are",
          rf"\b(they|we|you) (very|so|really|too) ({_PLURAL_ADJ})\b", lambda m: f"{m.group(1)} are {m.group(2)} {m.group(3)}",
          rf"\b(they|we|you) are (very|so|really|too) ({_PLURAL_ADJ})\b", lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)}"),
    _rule("grammar.copula", "情态动词后面缺少 be",
          rf"\b(will|can|won't|would|should|must|'ll) ({_BE_ADJ})\b", lambda m: f"{m.group(1)} be {m.group(2)}",
          rf"\b(will|can|won't|would|should|must|'ll) be ({_BE_ADJ})\b", lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.let_do", "let sb. do 中不定式不带 to",
          rf"\b(let|lets) ({_PRONOUN}) to (\w+)", lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)}",
          rf"\b(let|lets) ({_PRONOUN}) (?!in\b|out\b|down\b|off\b|up\b|go\b)([a-z]+)\b",
          lambda m: f"{m.group(1)} {m.group(2)} to {m.group(3)}"),
    _rule("grammar.gerund", "spend time 后面用动词 -ing 形式",
          rf"\b(spend|spends|spent) ({_SPENT_ON}) to (\w+)", lambda m: f"{m.group(1)} {m.group(2)} {_ing(m.group(3))}",
          rf"\b(spend|spends|spent) ({_SPENT_ON}) ({'|'.join(_GERUNDS)})\b",
          lambda m: f"{m.group(1)} {m.group(2)} to {_GERUNDS[m.group(3).lower()]}"),
]

_SINGULAR_NOUNS = ("bike|car|book|dog|cat|map|bag|ticket|seat|room|house|garden|job|test|party|card|cake|"
                   "plan|idea|question|problem|computer|phone|camera|pen|box|bottle|letter|list|poster|sign|video|photo|"
                   "picture|song|story|game|film|movie|robot|tent|taxi|scarf|notebook|toothbrush|lamp|pet|puppy|friend|"
                   "teacher|doctor|nurse|student|guide|partner|chance|reason|mistake|dream|hobby|habit|goal|"
                   "timetable|diary|helper|volunteer|trip|shower|nap|uniform|umbrella")
_PARTICIPLES = {"seen": "saw", "gone": "went", "eaten": "ate", "taken": "took", "given": "gave", "written": "wrote",
                "done": "did", "come": "came", "begun": "began", "sung": "sang", "swum": "swam", "drunk": "drank",
                "spoken": "spoke", "broken": "broke", "chosen": "chose", "forgotten": "forgot", "known": "knew",
                "grown": "grew", "flown": "flew", "ridden": "rode", "driven": "drove", "fallen": "fell", "run": "ran"}
_AS_PAST = {v: k for k, v in _PARTICIPLES.items()}
_GO_DOING = "shopping|swimming|hiking|camping|fishing|running|skating|skiing|cycling|climbing|dancing"
_EMBEDDED = r"(ask|asked|asks|know|knows|tell|told|wonder|show|showed|understand|explain)( (?:me|him|her|them|us))?"


def _article(m: re.Match[str]) -> str:
    return f"{m.group(1)} {'an' if m.group(2)[0].lower() in 'aeiou' else 'a'} {m.group(2)}"


RULES += [
    _rule("grammar.article", "可数名词单数前需要冠词 a/an",
          rf"\b(is|was|have|has|had|buy|bought|want|wants|need|needs|get|got|take|took|bring|brought|use|uses|"
          rf"write|wrote|am|'m) ({_SINGULAR_NOUNS})\b{_CLAUSE_END}", _article,
          rf"\b(is|was|have|has|had|buy|bought|want|wants|need|needs|get|got|take|took|bring|brought|use|uses|"
          rf"write|wrote|am|'m) an? ({_SINGULAR_NOUNS})\b{_CLAUSE_END}", lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.tense", "现在完成时要用过去分词",
          rf"\b(have|has|'ve) ({'|'.join(_AS_PAST)})\b", lambda m: f"{m.group(1)} {_AS_PAST[m.group(2).lower()]}",
          rf"\b(have|has|'ve) ({'|'.join(_PARTICIPLES)})\b",
          lambda m: f"{m.group(1)} {_PARTICIPLES[m.group(2).lower()]}"),
    _rule("grammar.preposition", "call sb. 直接接宾语，不加 to",
          r"\b(call|calls|called|calling) to (me|him|her|them|us|my|his|our|their)\b",
          lambda m: f"{m.group(1)} {m.group(2)}",
          r"\b(call|calls|called|calling) (me|him|her|them|us|my|his|our|their)\b",
          lambda m: f"{m.group(1)} to {m.group(2)}"),
    _rule("grammar.preposition", "go + 动词 -ing 表示去做某事，中间不加 to",
          rf"\b(go|goes|went|going) to ({_GO_DOING})\b", lambda m: f"{m.group(1)} {m.group(2)}",
          rf"\b(go|goes|went|going) ({_GO_DOING})\b", lambda m: f"{m.group(1)} to {m.group(2)}"),
    _rule("grammar.word_order", "宾语从句要用陈述句语序",
          rf"\b{_EMBEDDED} (where|what|when|how|why|who) (is|are|was|were|can|could|will) (I|you|we|they|he|she|it)\b",
          lambda m: f"{m.group(1)}{m.group(2) or ''} {m.group(3)} {m.group(5)} {m.group(4)}",
          rf"\b{_EMBEDDED} (where|what|when|how|why|who) (I|you|we|they|he|she|it) (is|are|was|were|can|could|will)\b",
          lambda m: f"{m.group(1)}{m.group(2) or ''} {m.group(3)} {m.group(5)} {m.group(4)}"),
]

_INSTRUMENTS = "piano|guitar|violin|drums|flute|erhu|trumpet|cello|ukulele"
_BEST_NOUNS = ("part|thing|way|day|time|place|gift|idea|choice|friend|food|moment|dish|game|book|film|movie|song|"
               "present|memory|season|job|team|player|teacher|seat|trip|holiday|weekend")
_OFTEN = "always|usually|often|never|sometimes"
_HABITS = "go|play|eat|walk|read|watch|help|get|ride|take|cook|visit|talk|practise|practice|listen|drink|call"

RULES += [
    _rule("grammar.article", "play 后接乐器时要加 the",
          rf"\b(play|plays|played|playing) ({_INSTRUMENTS})\b", lambda m: f"{m.group(1)} the {m.group(2)}",
          rf"\b(play|plays|played|playing) the ({_INSTRUMENTS})\b", lambda m: f"{m.group(1)} {m.group(2)}"),
    _rule("grammar.article", "same 前面要加 the",
          r"\b(is|are|was|were|look|looks|looked|feel|feels|felt|do|did|have|had|wear|wore|at) same\b",
          lambda m: f"{m.group(1)} the same",
          r"\b(is|are|was|were|look|looks|looked|feel|feels|felt|do|did|have|had|wear|wore|at) the same\b",
          lambda m: f"{m.group(1)} same"),
    _rule("grammar.article", "形容词最高级修饰名词时前面要加 the",
          rf"\b(is|was|are|were) (best|worst|biggest|hardest|easiest|happiest|funniest) ({_BEST_NOUNS})\b",
          lambda m: f"{m.group(1)} the {m.group(2)} {m.group(3)}",
          rf"\b(is|was|are|were) the (best|worst|biggest|hardest|easiest|happiest|funniest) ({_BEST_NOUNS})\b",
          lambda m: f"{m.group(1)} {m.group(2)} {m.group(3)}"),
    _rule("grammar.preposition", "different 后面用 from，不用 with",
          r"\bdifferent with\b", lambda m: "different from",
          r"\bdifferent from\b", lambda m: "different with"),
    _rule("grammar.preposition", "arrive 后面用 at 或 in，不用 to",
          r"\b(arrive|arrives|arrived|arriving) to (the|school)\b", lambda m: f"{m.group(1)} at {m.group(2)}",
          r"\b(arrive|arrives|arrived|arriving) at (the|school)\b", lambda m: f"{m.group(1)} to {m.group(2)}"),
    _rule("grammar.word_order", "频度副词要放在实义动词前面",
          rf"\b(I|we|they|you) ({_HABITS}) ({_OFTEN})\b", lambda m: f"{m.group(1)} {m.group(3)} {m.group(2)}",
          rf"\b(I|we|they|you) ({_OFTEN}) ({_HABITS})\b", lambda m: f"{m.group(1)} {m.group(3)} {m.group(2)}"),
]
