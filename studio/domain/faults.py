"""The kinds of student answer, each with one specification: how it is made, how it is recognised,
what the teacher owes it, its label and its default weight in the mix.

A kind is a :class:`FaultKind` member plus a :class:`FaultSpec` subclass registered with
:func:`register` (the shipped ones are in :mod:`studio.domain.fault_kinds`). Generation
(:mod:`studio.synth.turns`), detection (:mod:`studio.synth.detect`), the contract
(:mod:`studio.domain.contract`), the offline simulator and the default mix read the spec; none of
them lists the kinds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from studio.domain.grammar import Correction
from studio.domain.language import Language
from studio.domain.messages import N_

if TYPE_CHECKING:
    from studio.domain.runs import RunConfig


class FaultKind(StrEnum):
    """What a student turn is meant to be (or was observed to be), in the order the UI and reports
    show them. ``OPENING`` labels the teacher's first turn, which answers no student utterance."""

    NORMAL = "normal"
    SHORT = "short"
    OFF_TOPIC = "off_topic"
    CHINESE = "chinese"
    MIXED = "mixed"
    SPELLING = "spelling"
    GRAMMAR = "grammar"
    OPENING = "opening"

    @property
    def label(self) -> str:
        """Its English name (``studio.turn.shown.fault_label`` is the name in the user's language)."""
        spec = SPECS.get(self)
        return spec.label if spec is not None else OPENING_LABEL if self is FaultKind.OPENING else self.value


#: The label of the teacher's first turn, which has no spec.
OPENING_LABEL = N_("opening")


#: The kinds a student turn can be planned as, in the order the UI and reports show them.
STUDENT_FAULTS: tuple[FaultKind, ...] = tuple(k for k in FaultKind if k is not FaultKind.OPENING)


@dataclass(frozen=True)
class Evidence:
    """What is known of an utterance beside its words, when detection asks whether it is a kind."""

    recorded: tuple[str, ...] = ()  # the wrong parts the injector recorded
    in_bank: bool = False  # a line of the off-topic bank
    off_topic: bool = False  # judged (or made) off the dialogue's topic


class FaultSpec:
    """One kind of student answer. Subclass, set the class attributes, override what differs and
    decorate with :func:`register`."""

    kind: ClassVar[FaultKind]
    #: Its name in English, marked with ``N_`` for the catalogue (shown translated).
    label: ClassVar[str]
    #: Relative weight in the default mix (the weights need not sum to 100; they are normalised).
    weight: ClassVar[float]

    # -- made -------------------------------------------------------------------------------
    #: How a generation run makes it: ``answer`` (the student answers with :attr:`prompt`),
    #: ``rewrite`` (a normal answer made wrong by :meth:`inject`, or with ``--rewrite llm`` by the
    #: prompt ``rewrite_<kind>``), or a way of the generator's own (``translate``, ``bank``,
    #: ``other_topic``) that :meth:`made_by` picks by the run's options.
    made: ClassVar[str] = "answer"
    prompt: ClassVar[str] = "student_normal"
    #: The first line of its rewrite prompt's ``[改写任务]``: how the offline student knows the task.
    rewrite_task: ClassVar[str] = ""

    # -- recognised -------------------------------------------------------------------------
    #: The language that makes an utterance this kind whatever else it is (Chinese, mixed); None:
    #: an English utterance, recognised by :meth:`holds`.
    language: ClassVar[Language | None] = None
    #: Detection tries the kinds in this order (lower first); the :attr:`fallback` kind is what an
    #: utterance is when no other holds.
    priority: ClassVar[int] = 100
    fallback: ClassVar[bool] = False
    #: Whether an utterance of this kind is judged against the dialogue's topic (a Chinese answer
    #: is not read for it; an off-topic one already is off it).
    topic_judged: ClassVar[bool] = True

    # -- owed -------------------------------------------------------------------------------
    #: What the teacher owes it: ids of the contract's obligations (:data:`studio.domain.obligations.OBLIGATIONS`).
    owes: ClassVar[tuple[str, ...]] = ()
    #: What the student did, as the contract's messages say it ("answered in Chinese"; marked with ``N_``).
    said: ClassVar[str] = ""
    #: The obligation its corrections (recorded by the injector, or found by :meth:`detect`) are for.
    corrects: ClassVar[str] = ""
    #: Its errors are corrected whatever kind the utterance is (spelling, grammar) ...
    found_anywhere: ClassVar[bool] = False
    #: ... unless the utterance is of a kind whose errors are not read (Chinese, off topic).
    reads_errors: ClassVar[bool] = True

    def made_by(self, config: RunConfig) -> str:
        return self.made

    def inject(self, text: str, rng: random.Random) -> tuple[str, list[Correction]]:
        """``text`` made this kind, with the corrections that undo it (unchanged, none: it cannot be)."""
        return text, []

    def holds(self, text: str, evidence: Evidence) -> bool:
        """Whether an English ``text`` is this kind."""
        return False

    def detect(self, text: str) -> list[Correction]:
        """The corrections the teacher should give, found in ``text`` (for :attr:`corrects`)."""
        return []

    def applies(self, fault: FaultKind | None, off_topic: bool | None, language: Language) -> bool:
        """Whether the teacher must answer an utterance labelled ``fault`` as this kind."""
        return fault is self.kind or (self.language is not None and language is self.language)


#: The registered specs, in :class:`FaultKind` order once every kind is registered.
SPECS: dict[FaultKind, FaultSpec] = {}


def register(cls: type[FaultSpec]) -> type[FaultSpec]:
    """Class decorator: the one registration of a fault kind's spec."""
    if cls.kind in SPECS:
        raise ValueError(f"fault kind '{cls.kind}' is registered twice")
    SPECS[cls.kind] = cls()
    ordered = {k: SPECS[k] for k in FaultKind if k in SPECS}
    SPECS.clear()
    SPECS.update(ordered)
    return cls


def spec_of(kind: FaultKind | str) -> FaultSpec:
    try:
        return SPECS[FaultKind(kind)]
    except (KeyError, ValueError):
        raise KeyError(f"'{kind}' is not a student fault kind (known: {', '.join(k.value for k in SPECS)})") from None


def by_language(language: Language) -> FaultSpec | None:
    """The kind an utterance in ``language`` is whatever else it is (Chinese, mixed), if any."""
    return next((s for s in SPECS.values() if s.language is language), None)


def detection_order() -> list[FaultSpec]:
    """The kinds detection tries, first to last, without the fallback."""
    return sorted((s for s in SPECS.values() if not s.fallback), key=lambda s: s.priority)


def fallback_kind() -> FaultKind:
    return next(s.kind for s in SPECS.values() if s.fallback)


def default_weights() -> dict[str, float]:
    """The default mix: each kind's :attr:`FaultSpec.weight`."""
    return {s.kind.value: s.weight for s in SPECS.values()}
