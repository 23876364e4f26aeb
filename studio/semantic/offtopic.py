"""Does a student utterance belong to the dialogue's topic? Offline, for any text.

An utterance is compared, as a sentence vector (:mod:`studio.semantic.encoder`: all-MiniLM-L6-v2
run with numpy), with what the dialogue is about: the teacher's last question, the topic's English
title and the topic itself (a Chinese scenario is read through its CC-CEDICT glosses); and with
what it could be about instead: the everyday subjects the dialogue is not about (:data:`SUBJECTS`;
"video games" in a dialogue on a basketball game) and the ways a learner steps out of the
conversation (:data:`ASIDES`: small talk, questions to the teacher, talk about the lesson); and with
what other students said when they stepped away from other lessons (:mod:`studio.semantic.offtopic_bank`:
tomorrow's test, a game, a pop star); and with how teachers labelled the answers most like it in the
fitted sets (:mod:`studio.semantic.offtopic_neighbours`). A small
logistic model weighs those cosines and the answer with the dialogue's own words taken out
(:func:`features`, :data:`MODEL`); the part after a turn of the talk is judged on its own, and an
answer that echoes a word of the question and takes it elsewhere ("Row? I learned to row a boat") by
its rest (:mod:`studio.semantic.offtopic_echo`). Most
answers never get that far: cheaper stages (:mod:`studio.semantic.cascade`: the answer's words, then
its own sentence vector, then the question's) decide those they are sure of. Where the model is unsure
(:data:`ASK_LM`) and ``STUDIO_OFFTOPIC_LM=on`` asks for it (:data:`LM_BY_DEFAULT`), a language model reads the dialogue too (:mod:`studio.semantic.lm`: SmolLM2-135M in
numpy; how much more likely the answer is after the dialogue than after a neutral one) and a second
model, :data:`MODEL_LM`, weighs that score with the rest. An answer of under five words, or of
under two content words unless it is close to an aside ("Yes, I do.", "Last term."), leans on the
question it answers and is not judged (``score`` None), nor is a mostly Chinese one: shortness and
Chinese are faults of their own.

The models are fitted (:func:`studio.semantic.offtopic_model.fit`, ``tests/bench/offtopic_fit.py``) on the
thirty-six labelled sets in ``tests/data`` the fit names (8,411 answers on 644 Chinese topic texts with English
dialogues: on topic, loosely related — which is not off topic — and off topic) and on the offline student's answers to the
teacher's questions on the 70 shipped topics, taken as on topic (they teach it that an answer
leaning on the question is no departure); the L2 penalties and the thresholds are chosen with each
labelled set held out of the fit in turn (a set is one writer's answers: holding out a topic alone
overstated how the check does on a new writer's). ``tests/bench/checks_bench.py`` prints precision and
recall per set, in-sample and held out;
``tests/bench/offtopic_set.py`` measures the check as shipped on any labelled file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from studio.domain.learner import is_non_answer
from studio.domain.text import cjk_share
from studio.semantic import (
    cascade,
    lm,
    offtopic_bank,
    offtopic_cross,
    offtopic_model,
    offtopic_neighbours,
    verdicts,
)
from studio.semantic.cascade import Answer, topic_text
from studio.semantic.encoder import sentence_vector, sentence_vectors
from studio.semantic.lexicon import content_words
from studio.semantic.offtopic_echo import ECHO_CONTENT_WORDS, ECHO_MARGIN, taken_elsewhere
from studio.semantic.offtopic_features import (
    _STAGE_CLOSENESS,
    _WORD,
    ECHO_WORDS,
    TAIL_CONTENT_WORDS,
    TAIL_WORDS,
    _parts,
    closeness,
    features,
    tails,
    unaddressed,
    unshared,
)
from studio.semantic.offtopic_features import FEATURES as FEATURES
from studio.semantic.offtopic_features import announces_turn as announces_turn
from studio.semantic.offtopic_subjects import (
    ASIDES,
    OWN_SUBJECT_ABOVE,
    SUBJECTS,
    _others,
    _subject_matrix,
    aside_score,
    best_other_subject,
)
from studio.semantic.offtopic_subjects import _rows as _rows
from studio.semantic.offtopic_subjects import other_subjects as other_subjects

#: The logistic model over :func:`features`, fitted by :func:`studio.semantic.offtopic_model.fit` on the
#: labelled sets and kept in :data:`studio.semantic.offtopic_model.MODELS_FILE`; an utterance is
#: off topic from :data:`OFF_TOPIC_AT` on. ``MODEL_LM``: the one over :func:`features` and the language
#: model's pointwise score, asked where ``MODEL`` is unsure (:data:`ASK_LM`).
MODEL, MODEL_LM = offtopic_model.read()
#: Chosen with each labelled set held out of every fit and bound in turn (a new writer's answers: where
#: the held-out precision and recall of the check as it runs, in stages, are both highest, flagging at most
#: 3% of the offline student's answers), not on the fitted answers themselves.
OFF_TOPIC_AT = 0.42
#: Where the language model is left out (``STUDIO_OFFTOPIC_LM=off``), :data:`MODEL` decides alone from
#: this probability on, chosen the same way (each of the thirty-six sets held out, the check in stages: 0.894 /
#: 0.897, against 0.903 / 0.903 with the language model at :data:`OFF_TOPIC_AT`; at the thresholds where the full
#: model alone did best, 0.52 and 0.56, the check in stages gave 0.908 / 0.884 and 0.913 / 0.891).
OFF_TOPIC_ALONE_AT = 0.42
#: Where :data:`MODEL` is unsure (its probability in this range), the language model is asked too
#: (:func:`studio.semantic.lm.pointwise`, about 0.4 s of CPU), and :data:`MODEL_LM` decides.
ASK_LM = (0.25, 0.8)
#: A shorter answer ("Last term.", "With my best friend.") leans on the question it answers and is
#: not judged: its few words say too little about what it is about.
MIN_WORDS = 5
MIN_CONTENT_WORDS = 2
#: A rest after a turn of the talk, judged on its own (:func:`tails`), makes the answer off topic from this
#: probability on (chosen on off_topic_dev.json: recall
#: 0.60 → 0.71 there, precision 0.875 → 0.893; no verdict changed on the four older sets).
TAIL_OFF_AT = 0.7
#: How many records an import or a lint reads ahead to :func:`prepare` their student turns together.
READ_AHEAD = 256
#: How many of the dialogue's last turns the language model reads.
RECENT_TURNS = 4

#: An utterance this close to one of the :data:`ASIDES` is judged even with few content words
#: ("How are you, teacher? Did you have a nice day?" has one).
ASIDE_JUDGED_FROM = 0.5


@dataclass(frozen=True)
class TopicFit:
    score: float | None  # -1..1 closeness to the dialogue (best cosine); None when there was nothing to judge
    off_topic: bool
    words: tuple[str, ...] = ()
    other: str = ""  # the everyday subject it fits best instead, when off topic
    probability: float | None = None  # of being off topic, from the shipped model
    pointwise: float | None = None  # the language model's score, when it was asked (see ASK_LM)
    echoed: str = ""  # the question's words the answer echoed and took elsewhere (studio.semantic.offtopic_echo)
    cross: float | None = None  # the answer read with the question (studio.semantic.offtopic_cross), when asked

    def explain(self) -> str:
        if self.score is None:
            return "not judged (no content words)"
        about = f", about {self.other} instead" if self.other else ""
        if self.echoed:
            about += f" (the question's '{self.echoed}' taken elsewhere)"
        read = "" if self.pointwise is None else \
            f"; the language model finds it {'more' if self.pointwise > 0 else 'less'} likely after this dialogue"
        if self.cross is not None:
            read += f"; read with the question, off topic at {self.cross:.2f}"
        return f"closeness to the topic {self.score:.2f}{about}{read}"


#: Whether the language-model step runs when ``STUDIO_OFFTOPIC_LM`` does not say. It does not: on the
#: labelled sets no model or threshold was fitted on (``off_topic_final2``, ``final6`` to ``final8``) it adds
#: 0.01–0.04 to F1 (recall up 0.03–0.10, precision down 0.01–0.04) for about ten times the CPU of a
#: judgement, which a run with a student model then waits on (README, The teacher contract: off topic).
LM_BY_DEFAULT = False


def asks_lm() -> bool:
    """Whether the language model is asked where the sentence model is unsure: :data:`LM_BY_DEFAULT`,
    unless ``STUDIO_OFFTOPIC_LM`` says ``on`` (recall up, precision down, ten times the CPU; see
    README) or ``off``."""
    said = os.environ.get("STUDIO_OFFTOPIC_LM", "").strip().lower()
    return bool(MODEL_LM) and (said not in ("off", "0", "no") if said else LM_BY_DEFAULT)


def load_models() -> None:
    """Load the sentence model, the cross-encoder and the language model now (a run does this before its first dialogue,
    so no answer waits for a load): raises :class:`studio.semantic.encoder.EncoderError` when one is missing."""
    sentence_vector("ready")
    topic_text("中秋节")  # the dictionary a Chinese topic is read through
    offtopic_cross.load()
    if asks_lm():
        lm.load()


def topic_fit(utterance: str, *, topic: str = "", title: str = "",
              history: Sequence[tuple[str, str]] | Sequence[str] = ()) -> TopicFit:
    """Whether ``utterance`` belongs to a dialogue on ``topic`` (Chinese or English) titled ``title``
    with ``history`` so far ((role, text) pairs or plain texts, oldest first)."""
    return _topic_fit(utterance, topic, title, _question(utterance, history), _recent(utterance, history))


def _recent(utterance: str, history: Sequence[tuple[str, str]] | Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The last :data:`RECENT_TURNS` turns before ``utterance``, as (role, text); plain texts alternate
    back from the teacher's."""
    turns = [t for t in history if (t[1] if isinstance(t, tuple) else t).strip()]
    if turns and (turns[-1][1] if isinstance(turns[-1], tuple) else turns[-1]).strip() == utterance.strip():
        turns = turns[:-1]
    turns = turns[-RECENT_TURNS:]
    roles = ["teacher" if (len(turns) - 1 - i) % 2 == 0 else "student" for i in range(len(turns))]
    return tuple(t if isinstance(t, tuple) else (role, t) for t, role in zip(turns, roles, strict=True))


def _question(utterance: str, history: Sequence[tuple[str, str]] | Sequence[str]) -> str:
    """The turn being answered: the teacher's last one (or the last text, when roles are not given),
    other than the utterance itself ("" then)."""
    asked = ""
    for turn in reversed(list(history)):
        if not isinstance(turn, str):
            if turn[0] == "teacher" and turn[1].strip():
                asked = turn[1]
                break
        elif turn.strip():
            asked = turn
            break
    return "" if asked.strip() == utterance.strip() else asked


def prepare(items: Iterable[tuple[str, str, str, Sequence[tuple[str, str]] | Sequence[str]]]) -> None:
    """Run the sentences that :func:`topic_fit` will need for these (utterance, topic, title, history)
    through the sentence model together, as a batch, stage by stage (:mod:`studio.semantic.cascade`:
    only the answers a stage leaves unsure go on to the next one's sentences): what an import or a
    labelled set does before judging its utterances one by one (each then finds its vectors remembered)."""
    asked = [(u, topic, title, _question(u, history), _recent(u, history)) for u, topic, title, history in items]
    keys = {_key(*a): a for a in asked}
    found = verdicts.read_ahead(keys)
    todo = [Answer(unaddressed(u, topic), topic, title, question, recent)
            for k, (u, topic, title, question, recent) in keys.items()
            if k not in found and _may_judge(u, topic, title, question)]
    todo = [a for a in todo if _judged(a.utterance, a.topic, a.title, a.question)]  # a few need the answer's vector
    for stage in cascade.stages():
        sentence_vectors([t for a in todo for x in (a, *_rests(a)) for need in stage.needs for t in x.texts(need)])
        todo = [a for a in todo if cascade.decide(stage, a, _rests(a))[0] is None]
    texts: list[str] = []
    for a in todo:  # the full check: the answer and each rest, with and without the dialogue's words
        for x in (a, *_rests(a)):
            texts += [x.utterance, *x.parts, unshared(x.utterance, a.topic, a.title, a.question)]
    sentence_vectors(texts)
    full = [(a, _full(a.utterance, a.topic, a.title, a.question)) for a in todo]
    # the answers the sentence model is unsure of go to the language model together
    if asks_lm() and (unsure := [a for a, p in full if ASK_LM[0] <= p < ASK_LM[1]]):
        lm.pointwise_many([(a.utterance, _lm_context(a.topic, a.title, _read_turns(a.question, a.recent)))
                           for a in unsure])
    # and to the cross-encoder (with the language model, the band is read before it)
    offtopic_cross.prepare([_cross_pair(a.utterance, a.topic, a.title, a.question) for a, p in full
                            if offtopic_cross.asked(p)])


@lru_cache(maxsize=4096)
def _rests(a: Answer) -> tuple[Answer, ...]:
    """The rests of an answer after each turn of the talk (:func:`tails`), as answers in its dialogue."""
    return tuple(Answer(t, a.topic, a.title, a.question, a.recent, rest=True) for t in tails(a.utterance))


@lru_cache(maxsize=4096)
def _staged(a: Answer) -> tuple[str, bool, float, float] | None:
    """(the stage, off topic, its probability, the answer's closeness by what that stage read) of the
    first stage of :mod:`studio.semantic.cascade` sure of ``a``, or None where none is."""
    rests = _rests(a)
    for stage in cascade.stages():
        off, p = cascade.decide(stage, a, rests)
        if off is not None:
            return stage.name, off, p, _STAGE_CLOSENESS[stage.name](a)
    return None


def _may_judge(utterance: str, topic: str, title: str, question: str) -> bool:
    """English of at least :data:`MIN_WORDS` words in a dialogue with something to be about."""
    return cjk_share(utterance) <= 0.3 and bool(topic.strip() or title.strip() or question.strip()) \
        and len(_WORD.findall(utterance)) >= MIN_WORDS  # Chinese is a fault of its own (the same counter as observe())


def _judged(utterance: str, topic: str, title: str, question: str) -> bool:
    """Whether :func:`topic_fit` judges ``utterance``: :func:`_may_judge`, not a plea for help ("I don't
    know the word": the teacher helps, see :func:`studio.domain.learner.is_non_answer`), and either
    :data:`MIN_CONTENT_WORDS` content words or close to one of the :data:`ASIDES`."""
    return _may_judge(utterance, topic, title, question) and not is_non_answer(utterance) and (
        len(content_words(utterance)) >= MIN_CONTENT_WORDS or aside_score(utterance) >= ASIDE_JUDGED_FROM)


#: Bumped when the check's code changes what it decides (its numbers and word lists are read by :func:`version`).
REVISION = 14
#: The word lists' part of :func:`version` (constants: digested once).
_WORD_LISTS = hashlib.sha256(repr((SUBJECTS, ASIDES)).encode()).hexdigest()


def version() -> str:
    """What a verdict depends on besides its texts: the models, thresholds and word lists of the check."""
    on = asks_lm()
    return _version(MODEL, MODEL_LM if on else (), OFF_TOPIC_AT if on else OFF_TOPIC_ALONE_AT, ASK_LM, TAIL_OFF_AT,
                    TAIL_WORDS, TAIL_CONTENT_WORDS, MIN_WORDS, MIN_CONTENT_WORDS, RECENT_TURNS, ASIDE_JUDGED_FROM,
                    OWN_SUBJECT_ABOVE, cascade.fitted_id(), ECHO_WORDS, ECHO_CONTENT_WORDS, ECHO_MARGIN,
                    offtopic_bank.digest(), offtopic_bank.FAR_BELOW, offtopic_bank.TOP,
                    offtopic_neighbours.digest(), offtopic_neighbours.NEAREST, *offtopic_cross.settings())


@lru_cache(maxsize=16)
def _version(*numbers: object) -> str:
    parts = (REVISION, *numbers, _WORD_LISTS, lm.GGUF_NAME, lm.CONTEXT_TOKENS, lm.ANSWER_TOKENS)
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _key(utterance: str, topic: str, title: str, question: str, recent: tuple[tuple[str, str], ...]) -> str:
    return verdicts.key(version(), utterance, topic, title, question, [list(r) for r in recent])


def _from_json(value: dict) -> TopicFit:
    return TopicFit(**{**value, "words": tuple(value.get("words", ()))})


def forget() -> None:
    """Forget the verdicts remembered in memory (written to disk first): what a new process knows."""
    verdicts.forget()
    for remembered in (_topic_fit, _staged, _rests, _full, cascade.measured, _others, _subject_matrix,
                       offtopic_bank._far):  # each holds vectors or verdicts
        remembered.cache_clear()


@lru_cache(maxsize=4096)
def _topic_fit(utterance: str, topic: str, title: str, question: str,
               recent: tuple[tuple[str, str], ...] = ()) -> TopicFit:
    """:func:`topic_fit` on the question being answered and the turns before it, remembered in memory
    and on disk (:mod:`studio.semantic.verdicts`): a student turn is judged when it is labelled and
    again when the teacher's answer to it is checked, by generate, import, lint and eval alike."""
    k = _key(utterance, topic, title, question, recent)
    if (stored := verdicts.take(k)) is not None:
        return _from_json(stored)
    fit = _judge(unaddressed(utterance, topic), topic, title, question, recent)
    verdicts.keep(k, dataclasses.asdict(fit))
    return fit


def _judge(utterance: str, topic: str, title: str, question: str, recent: tuple[tuple[str, str], ...]) -> TopicFit:
    """The verdict, made: the sentence model, where it is unsure the language model, then the answer's turns."""
    if not _judged(utterance, topic, title, question):
        return TopicFit(None, False, () if cjk_share(utterance) > 0.3 else content_words(utterance))
    words = content_words(utterance)
    if (staged := _staged(Answer(utterance, topic, title, question, recent))) is not None:
        _, off, p, close = staged
        off, other, echo = _instead(utterance, off, utterance, topic, title, question)
        return TopicFit(round(close, 4), off, words, other, round(p, 4), echoed=echo)
    p, read = _full(utterance, topic, title, question), None
    if ASK_LM[0] <= p < ASK_LM[1] and asks_lm():
        read = pointwise(utterance, topic=topic, title=title, recent=_read_turns(question, recent))
        p = probability([*features(utterance, topic=topic, title=title, question=question), read], MODEL_LM)
    at = OFF_TOPIC_AT if asks_lm() else OFF_TOPIC_ALONE_AT
    cross = None
    if offtopic_cross.asked(p):  # unsure: read it with the question too
        cross = offtopic_cross.probability(*_cross_pair(utterance, topic, title, question))
        p, at = offtopic_cross.mixed(p, cross), offtopic_cross.AT
    off, about = p >= at, utterance
    if not off:  # an answer that starts on the topic and turns to something else
        for tail in tails(utterance):
            p_tail = probability(features(tail, topic=topic, title=title, question=question, rest=True))
            if p_tail >= TAIL_OFF_AT:
                off, about, p = True, tail, max(p, p_tail)
                break
    off, other, echo = _instead(utterance, off, about, topic, title, question)
    return TopicFit(round(closeness(utterance, topic=topic, title=title, question=question), 4), off, words, other,
                    round(p, 4),
                    None if read is None else round(read, 4), echo, None if cross is None else round(cross, 4))


@lru_cache(maxsize=4096)
def _full(utterance: str, topic: str, title: str, question: str) -> float:
    """:data:`MODEL`'s probability for an answer no stage was sure of: worked out once, when :func:`prepare`
    sends the unsure ones on to the language model and the cross-encoder, and read again by :func:`_judge`."""
    return probability(features(utterance, topic=topic, title=title, question=question))


def _cross_pair(utterance: str, topic: str, title: str, question: str) -> tuple[str, str]:
    """(context, answer) as the cross-encoder reads them: the English title and the question, the answer."""
    asked, english_title, _ = _parts(topic, title, question)
    return offtopic_cross.context(english_title, asked), utterance


def _instead(utterance: str, off: bool, about: str, topic: str, title: str,
             question: str) -> tuple[bool, str, str]:
    """(off topic, the everyday subject it is about instead, the question's words it echoed): a verdict
    on topic still turns off where a word of the question is echoed and taken elsewhere (and one off
    topic names the echoed words too)."""
    echo = ""
    if (elsewhere := taken_elsewhere(utterance, topic, title, question)) is not None:
        off, (echo, about) = True, elsewhere
    return off, best_other_subject(about, topic=topic, title=title, question=question)[0] if off else "", echo


def pointwise(utterance: str, *, topic: str = "", title: str = "", recent: Sequence[tuple[str, str]] = ()) -> float:
    """The language model's score of ``utterance`` after the dialogue (its title, or the topic in
    English, and its ``recent`` turns): :func:`studio.semantic.lm.pointwise`."""
    return lm.pointwise(utterance, _lm_context(topic, title, recent))


def _read_turns(question: str, recent: Sequence[tuple[str, str]]) -> Sequence[tuple[str, str]]:
    """The turns the language model reads: the recent ones, or at least the question answered."""
    return recent or (("teacher", question),)


def _lm_context(topic: str, title: str, recent: Sequence[tuple[str, str]]) -> str:
    _, t, _ = _parts(topic, title, "")
    return lm.dialogue_context(t, recent)


def probability(feats: Sequence[float], model: tuple | None = None) -> float:
    """Logistic model over :func:`features` (standardised); ``model`` defaults to the shipped one."""
    return cascade.probability(feats, model or MODEL)
