"""What a script can count on an offline run (``python -m tests.bench.reading_sample --counts``): does the
teacher follow up on what the student said, does the learner end with filler or swap letters, are
the topic names whole. Counts, not a judgement of quality: that is the reader's.

- a Reply *picks up* the student's answer when it says a content word of that answer that the
  teacher's previous turn did not say; it *follows up* when it also asks a question that is not one
  of the topic card's own questions (so it goes on with what the student said, not to a new subject);
- a student who asks back ("How about you?") is *answered* when the teacher's Reply, before its
  question, gives the card's own answer for the teacher or speaks of itself (I, my, our); an answer
  rule 5 makes the teacher redirect first (Chinese, mixed, off topic) is not counted;
- a misspelling is an *adjacent-letter swap* when the two words have the same letters in the same
  places but for two neighbours exchanged (lkie, mroe, freind);
- a grammar turn's error is an *added sentence* when no rule of the grammar table fit the answer and
  the injector added one of its own sentences with an error (``FALLBACK_ADDITIONS``);
- a topic name is *broken* when the reply prompt's rule 5 or an off-topic Analysis names the topic
  with anything but its stored Chinese name, or the topic has none.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

from studio.domain import StudentTurn, TeacherTurn, TurnKind
from studio.domain.grammar import KINDS, find_grammar_errors
from studio.domain.inject import FALLBACK_ADDITIONS
from studio.domain.language import Language, language_of
from studio.domain.learner import MISSPELLINGS, find_errors
from studio.domain.text import word_count
from studio.llm.offline.cards import Card, card_for
from studio.turn.context import context_at, render_teacher_prompt
from studio.turn.prompts import Prompts

if TYPE_CHECKING:
    from tests.bench.reading_sample import Run

FULL = ("normal", "spelling", "grammar")
#: Answers the teacher must first bring back (rule 5: English, or the topic) before anything else.
REDIRECTED = ("chinese", "mixed", "off_topic")
OLD_FILLERS = ("My friends agree with me.", "It is really fun.", "I hope to do it again soon.")
_STOP = set("""about after again also always because been before being both could does doing during each every
from have having here into just like made make many more most much must never only other over really should
some such than that them then there these they this those through very want well were what when where which
while will with would your yours their then okay yeah maybe think things thing going""".split())
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|'[^'\n]{2,}'")


def _words(text: str) -> set[str]:
    return {w.rstrip("s") for w in re.findall(r"[a-z']{4,}", text.lower()) if w not in _STOP}


def _question(reply: str) -> str:
    found = re.findall(r"[^.!?]*\?", reply)
    return found[-1].strip() if found else ""


def _swap(wrong: str, right: str) -> bool:
    w, r = wrong.lower(), right.lower()
    if len(w) != len(r) or w == r:
        return False
    diff = [i for i in range(len(w)) if w[i] != r[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and w[diff[0]] == r[diff[1]] and w[diff[1]] == r[diff[0]]


def _last_sentence(text: str) -> str:
    parts = re.findall(r"[^.!?]+[.!?]", text)
    return parts[-1].strip() if parts else text.strip()


def report(run: Run) -> str:
    rows, _ = count(run)
    width = max(len(k) for k, _ in rows)
    head = f"# counts on {len(run.dialogues)} offline dialogues ({run.seconds:.1f} s to generate)\n"
    return head + "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)


def count(run: Run) -> tuple[list[tuple[str, str]], dict[str, int]]:  # noqa: C901 - one pass, many counters
    """The rows :func:`report` prints, and the figures behind them by name (for tests)."""
    rows: list[tuple[str, str]] = []
    grammar_turns = added = 0
    added_wrong = {wrong for wrong, _ in FALLBACK_ADDITIONS}
    replies = full = picked = followed = asks_back = answered_back = like_us = long_replies = 0
    fillers = 0
    last_sentences: Counter[str] = Counter()
    slips = swaps = typing = spelling_turns = 0
    per_turn: Counter[int] = Counter()
    grammar_kinds: Counter[str] = Counter()
    unlabelled = chinese = chinese_english = off_topic = 0
    off_lines: Counter[str] = Counter()
    suggestions: list[str] = []
    analyses: list[str] = []
    openings: Counter[str] = Counter()
    broken_names: set[str] = set()
    prompts = Prompts()
    for d in run.dialogues:
        topic = run.topics.get(d.topic_id)
        card = card_for(topic.text) if topic else None
        main_questions = {q.ask for q in card.questions} if card else set()
        for i, t in enumerate(d.turns):
            if isinstance(t, StudentTurn):
                fault = t.intended_fault.value
                if fault in ("normal", "short") and find_errors(t.text):
                    unlabelled += 1
                if fault in FULL:
                    last = _last_sentence(t.text)
                    last_sentences[last] += 1
                    fillers += last in OLD_FILLERS
                if fault == "spelling" and t.injection:
                    spelling_turns += 1
                    per_turn[len(t.injection.corrections)] += 1
                    for wrong, right in t.injection.corrections:
                        slips += 1
                        swaps += _swap(wrong, right)
                        typing += _swap(wrong, right) and wrong.lower() not in MISSPELLINGS
                if fault == "grammar" and t.injection:
                    grammar_turns += 1
                    added += any(wrong in added_wrong for wrong, _ in t.injection.corrections)
                    for wrong, _right in t.injection.corrections:
                        rule = next((c.rule for c in find_grammar_errors(t.text) if c.wrong == wrong), "fallback")
                        grammar_kinds[KINDS.get(rule, rule)] += 1
                if fault == "off_topic":
                    off_lines[t.text] += 1
                continue
            if not isinstance(t, TeacherTurn) or t.parsed is None:
                continue
            reply = t.parsed.reply
            suggestions += t.parsed.suggestions
            long_replies += word_count(reply) > 30
            like_us += bool(re.search(r"\b(students|teenagers|people) like us\b", reply, re.I))
            if topic is not None and i and t.kind == TurnKind.REPLY:
                prompt = render_teacher_prompt(prompts, context_at(d, topic, i))
                if not topic.name_zh or f"关于{topic.name_zh}的内容" not in prompt:
                    broken_names.add(topic.text)
            if t.kind != TurnKind.REPLY:
                continue
            replies += 1
            analysis = t.parsed.analysis or ""
            analyses.append(_QUOTED.sub("“…”", analysis))
            openings[analysis[:8]] += 1
            named = re.search(r"我们现在讨论的是关于(.+?)的内容", analysis)
            if named and topic is not None and named.group(1) != topic.name_zh:
                broken_names.add(topic.text)
            student = d.turns[i - 1]
            before = d.turns[i - 2] if i >= 2 and isinstance(d.turns[i - 2], TeacherTurn) else None
            asked = before.parsed.reply if isinstance(before, TeacherTurn) and before.parsed else ""
            if not isinstance(student, StudentTurn):
                continue
            fault = student.intended_fault.value
            if fault == "chinese" and language_of(student.text) is Language.CHINESE:
                chinese += 1
                english = _english_of(card, student.text)
                chinese_english += bool(english and t.parsed.suggestions and t.parsed.suggestions[0] == english)
            if fault == "off_topic":
                off_topic += 1
            if re.search(r"\b(how|what) about you\s*\?\s*$", student.text, re.I) and fault not in REDIRECTED:
                asks_back += 1
                own = reply[: reply.rfind(_question(reply))] if _question(reply) else reply
                answered_back += bool(re.search(r"\b(I|I'd|I'm|I've|my|me|our)\b", own, re.I)) or any(
                    q.me in reply for q in (card.questions if card else ()))
            if fault in FULL:
                full += 1
                new = (_words(student.text) - _words(asked)) & _words(reply)
                picked += bool(new)
                followed += bool(new) and _question(reply) not in main_questions
    def share(a: int, b: int) -> str:
        return f"{a} of {b} ({100 * a / b:.0f}%)" if b else f"{a} of 0"

    rows += [
        ("teacher reply turns", str(replies)),
        ("replies to full answers (normal, spelling, grammar)", str(full)),
        ("… that pick up a word of the student's answer", share(picked, full)),
        ("… that follow up on it (and ask on, not a new card question)", share(followed, full)),
        ("students asking back ('How about you?'; not counting answers rule 5 redirects)", str(asks_back)),
        ("… answered by the teacher before its question (its own answer on the card, or I/my/our)",
         share(answered_back, asks_back)),
        ("Replies with 'students/teenagers/people like us'", str(like_us)),
        ("teacher Replies over 30 words (slips kept by a failed repair included)", str(long_replies)),
        ("full answers ending with an old filler sentence", share(fillers, sum(last_sentences.values()))),
        ("most common last sentence of a full answer", f"{last_sentences.most_common(1)[0][1]}× "
                                                       f"\"{last_sentences.most_common(1)[0][0]}\"" if last_sentences
         else "-"),
        ("misspellings in spelling turns", f"{slips} in {spelling_turns} turns; per turn "
                                           + ", ".join(f"{k}: {v}" for k, v in sorted(per_turn.items()))),
        ("… adjacent-letter swaps", share(swaps, slips)),
        ("… of them not a documented learner misspelling (freind, thier)", share(typing, slips)),
        ("grammar faults by kind", ", ".join(f"{k} {v}" for k, v in grammar_kinds.most_common())),
        ("grammar turns whose error is an added sentence (no rule fit the answer)", share(added, grammar_turns)),
        ("normal/short answers with an unlabelled error", str(unlabelled)),
        ("Chinese answers whose first Suggestion is their English", share(chinese_english, chinese)),
        ("off-topic answers (distinct lines)", f"{off_topic} ({len(off_lines)})"),
        ("topics with a broken name (prompt or redirect)", str(len(broken_names))),
        ("distinct Suggestions / slots", share(len(set(suggestions)), len(suggestions))),
        ("distinct Analyses (quotes masked) / reply turns", share(len(set(analyses)), len(analyses))),
        ("most common Analysis opening (8 characters)", f"{openings.most_common(1)[0][1]}× "
                                                        f"\"{openings.most_common(1)[0][0]}\"" if openings else "-"),
        ("most common Suggestion", f"{Counter(suggestions).most_common(1)[0][1]}× "
                                   f"\"{Counter(suggestions).most_common(1)[0][0]}\"" if suggestions else "-"),
    ]
    figures = {"full": full, "followed": followed, "asks_back": asks_back, "answered_back": answered_back,
               "like_us": like_us, "fillers": fillers, "slips": slips, "swaps": swaps, "grammar_turns": grammar_turns,
               "added_sentences": added, "broken_names": len(broken_names), "chinese": chinese,
               "chinese_english": chinese_english}
    return rows, figures


def _english_of(card: Card | None, chinese: str) -> str | None:
    """The card's English for a Chinese answer it holds (an option's, or a follow-up's first answer)."""
    if card is None:
        return None
    for q in card.questions:
        for o in q.options:
            if o.zh == chinese:
                return o.english
        if q.then_zh == chinese:
            return q.then[0].text
    return None
