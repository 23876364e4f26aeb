"""The kinds of student answer the simulator injects, and the teacher's opening turn."""

from enum import StrEnum


class FaultKind(StrEnum):
    """What a student turn is meant to be (or was observed to be).

    ``OPENING`` labels the teacher's first turn, which answers no student utterance.
    """

    NORMAL = "normal"
    SHORT = "short"
    OFF_TOPIC = "off_topic"
    CHINESE = "chinese"
    SPELLING = "spelling"
    GRAMMAR = "grammar"
    OPENING = "opening"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    FaultKind.NORMAL: "normal",
    FaultKind.SHORT: "short",
    FaultKind.OFF_TOPIC: "off-topic",
    FaultKind.CHINESE: "Chinese",
    FaultKind.SPELLING: "spelling",
    FaultKind.GRAMMAR: "grammar",
    FaultKind.OPENING: "opening",
}

#: The kinds a student turn can be planned as, in the order the UI and reports show them.
STUDENT_FAULTS: tuple[FaultKind, ...] = (
    FaultKind.NORMAL,
    FaultKind.SHORT,
    FaultKind.OFF_TOPIC,
    FaultKind.CHINESE,
    FaultKind.SPELLING,
    FaultKind.GRAMMAR,
)
