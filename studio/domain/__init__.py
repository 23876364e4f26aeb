"""Pure domain: models, fault kinds and mix maths. No I/O, no textual, tinydb or httpx."""

from studio.domain.evals import EvalItem, EvalResult, EvalRun, EvalSet, HumanVote
from studio.domain.faults import STUDENT_FAULTS, FaultKind
from studio.domain.mix import DEFAULT_MIX, Mix, MixError
from studio.domain.models import (
    CheckResult,
    Dialogue,
    DialogueStatus,
    Edit,
    Injection,
    RejectedTopic,
    ReviewStatus,
    StudentTurn,
    TeacherReply,
    TeacherTurn,
    Topic,
    TopicSource,
    Turn,
    TurnKind,
    new_id,
    utcnow,
)
from studio.domain.runs import (
    CachedResponse,
    CallRecord,
    DatasetSnapshot,
    Job,
    JobStatus,
    MetricPoint,
    Run,
    RunConfig,
    RunStatus,
)

__all__ = [
    "DEFAULT_MIX", "STUDENT_FAULTS", "CachedResponse", "CallRecord", "CheckResult", "DatasetSnapshot", "Dialogue", "DialogueStatus",
    "Edit", "EvalItem", "EvalResult", "EvalRun", "EvalSet", "FaultKind", "HumanVote", "Injection", "Job", "JobStatus", "MetricPoint", "Mix", "MixError",
    "RejectedTopic", "ReviewStatus", "Run", "RunConfig", "RunStatus", "StudentTurn", "TeacherReply", "TeacherTurn",
    "Topic", "TopicSource", "Turn", "TurnKind", "new_id", "utcnow",
]
