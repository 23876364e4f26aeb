"""The tutorial's four-dimension rubric, 1–3 each, and what the checks alone allow."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

DIMENSIONS = ("compliance", "reply", "suggestion", "analysis")

RUBRIC_TEXT = """Score the teacher's answer on four dimensions, 1 to 3 each:
- compliance: 1 = not JSON, or Chinese where English is required; 2 = JSON but a Reply or Suggestion over 30 words; 3 = JSON, short, high-school level.
- reply: 1 = not a teacher's voice, or misses the off-topic reminder; 2 = on topic but stiff; 3 = natural and steers the talk well.
- suggestion: 1 = not 3 sentences, or in the teacher's voice; 2 = weak continuity with the Reply; 3 = good, natural things the student could say next.
- analysis: 1 = explains the teacher's own Reply/Suggestion, or only translates; 2 = misses obvious errors; 3 = points out the student's errors well (or rightly praises a correct answer)."""


class Scores(BaseModel):
    compliance: int = Field(ge=1, le=3)
    reply: int = Field(ge=1, le=3)
    suggestion: int = Field(ge=1, le=3)
    analysis: int = Field(ge=1, le=3)

    def capped(self, limits: Scores) -> Scores:
        return Scores(**{d: min(getattr(self, d), getattr(limits, d)) for d in DIMENSIONS})


def compliance(failed: Iterable[str]) -> int:
    ids = set(failed)
    if ids & {"format.json", "format.keys", "reply.english", "suggestion.english"}:
        return 1
    if ids & {"reply.words", "suggestion.words"}:
        return 2
    return 3


def limits(failed: Iterable[str], *, opening: bool = False) -> Scores:
    """The most each dimension can score given the failed checks. Compliance is exact.

    A judge's or a person's score is capped by these; without one, they are the automatic score.
    """
    ids = set(failed)
    reply = 1 if ids & {"fault.off_topic", "reply.english", "format.keys"} else 2 if "reply.words" in ids else 3
    suggestion = 1 if ids & {"suggestion.count", "suggestion.voice", "format.keys"} else (
        2 if ids & {"suggestion.distinct", "suggestion.words", "suggestion.english"} else 3)
    if opening:
        analysis = 3
    elif ids & {"analysis.target", "analysis.chinese", "fault.language", "format.keys"}:
        analysis = 1
    elif ids & {"fault.uncorrected", "fault.praised_error"}:
        analysis = 2
    else:
        analysis = 3
    if "format.json" in ids and not ids & {"format.keys"}:
        pass  # a recovered object is still judged on its content; compliance carries the penalty
    return Scores(compliance=compliance(ids), reply=reply, suggestion=suggestion, analysis=analysis)
