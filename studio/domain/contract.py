"""The teacher contract as precise, explainable checks with stable ids. Pure and fast."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from studio.domain.faults import FaultKind
from studio.domain.learner import Correction, find_errors
from studio.domain.models import CheckResult, TurnKind
from studio.domain.parse import Parsed, parse_answer
from studio.domain.text import MAX_WORDS, cjk_share, word_count

CHECK_IDS = (
    "format.json", "format.fence", "format.keys", "reply.words", "reply.english", "suggestion.count",
    "suggestion.words", "suggestion.english", "suggestion.distinct", "suggestion.voice", "analysis.chinese",
    "analysis.target", "fault.language", "fault.off_topic", "fault.uncorrected", "fault.praised_error",
)
KEYS = {TurnKind.OPENING: ("Reply", "Suggestion"), TurnKind.REPLY: ("Reply", "Suggestion", "Analysis")}


@dataclass
class Student:
    """The utterance a teacher turn answers, with what is known about it."""

    text: str
    fault: FaultKind | None = None  # intended/observed label when known
    corrections: list[tuple[str, str]] = field(default_factory=list)
    off_topic: bool | None = None


@dataclass
class TurnCheck:
    parsed: Parsed
    results: list[CheckResult]

    @property
    def errors(self) -> list[CheckResult]:
        return [r for r in self.results if r.severity == "error"]

    @property
    def failed_ids(self) -> list[str]:
        return sorted({r.id for r in self.results})

    @property
    def passed(self) -> bool:
        return not self.errors


def _clip(text: str, n: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _err(id_: str, message: str, severity: str = "error") -> CheckResult:
    return CheckResult(id=id_, severity=severity, message=message)  # type: ignore[arg-type]


def _not_english(text: str) -> bool:
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    return cjk >= 3 or cjk_share(text) > 0.15


_QUOTED = re.compile(r"\"[^\"]*\"|'[^'\n]{2,}'|“[^”]*”|‘[^’]*’|「[^」]*」|《[^》]*》")


def unquoted(text: str) -> str:
    """The text without quoted passages (quoted English is citation, not the Analysis' language)."""
    return _QUOTED.sub(" ", text)


_COACH = re.compile(r"^\s*(you can|you could|you may|you should|you might|try to|try saying|remember to|please|"
                    r"let's practi[sc]e|tell me|describe|answer|use the|say\b|teacher\s*[:：]|老师)", re.I)
_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'd|I'll|my|me|mine|we|our|us)\b", re.I)
_QUESTION_START = re.compile(r"^\s*(what|how|why|where|when|who|which|do|does|did|are|is|can|could|would|will|have|has)\b", re.I)


def teacher_voice(suggestion: str) -> str | None:
    """Why a suggestion sounds like the teacher, not the student; None if it is the student's."""
    if _COACH.search(suggestion):
        return "coaches the student instead of being something the student says"
    if suggestion.rstrip().endswith("?") and _QUESTION_START.search(suggestion) and not _FIRST_PERSON.search(suggestion):
        return "asks the student a question, as the teacher would"
    return None


def similar(a: str, b: str) -> float:
    """0..1 similarity of two sentences (normalised Indel distance, as difflib's ratio)."""
    return fuzz.ratio(a.lower(), b.lower()) / 100


_SELF_TALK = re.compile(r"(老师的?回复|我的回复|回复中|我的建议|建议中|Reply|Suggestion|接下来我|我会引导|我将|下一步我|"
                        r"引导学生|老师会|我(想|要)问|本轮|这一轮)")
_EVALUATIVE = re.compile(r"(错误|错|正确|很好|不错|棒|注意|应该|应为|应改|改为|改成|可以|建议|语法|拼写|词汇|用词|表达|"
                         r"句子|句式|跑题|英语|英文|完整|准确|流畅|肯定|简短|简单|时态|单词|缺少|需要|值得)")
_TRANSLATION = re.compile(r"^(学生说|学生的意思是|意思是|翻译[:：]?|译文[:：]?)")
_ASKS_ENGLISH_ZH = re.compile(r"(英语|英文)")
_ASKS_ENGLISH_EN = re.compile(r"\b(english)\b", re.I)
_REDIRECT_ZH = re.compile(r"(跑题|离题|偏题|偏离|回到|主题|话题|题目)")
_REDIRECT_EN = re.compile(r"\b(back to|topic|focus|let's talk about|let's return|get back|come back|stay on)\b", re.I)
_PRAISE = re.compile(r"(没有(明显的?)?(语法|拼写|用词)?(和(语法|拼写))?错误|完全正确|非常(流畅|地道|准确)|表达(很|非常)?地道|"
                     r"语法(完全)?正确|准确无误|无可挑剔|完美|perfect|flawless)", re.I)
_FIX_WORDS = re.compile(r"(应|改为|改成|正确|错误|拼写|语法|should be|instead of|→|=>)")


def _format_checks(parsed: Parsed, kind: TurnKind) -> tuple[list[CheckResult], dict[str, Any] | None]:
    results: list[CheckResult] = []
    if parsed.fenced:
        results.append(_err("format.fence", "the JSON is wrapped in a code fence", "warning"))
    if parsed.problems:
        saved = " (the object was recovered for the other checks)" if parsed.obj is not None else ""
        results.append(_err("format.json", "not exactly one JSON object: " + "; ".join(parsed.problems) + saved))
    obj = parsed.obj
    if obj is None:
        return results, None
    want = KEYS[kind]
    missing = [k for k in want if k not in obj]
    extra = [k for k in obj if k not in want]
    problems = []
    if missing:
        problems.append("missing " + ", ".join(missing))
    if extra:
        problems.append("unexpected " + ", ".join(extra) + (" (an opening turn has no Analysis)" if "Analysis" in extra else ""))
    if "Reply" in obj and not isinstance(obj["Reply"], str):
        problems.append("Reply must be a string")
    sugg = obj.get("Suggestion")
    if "Suggestion" in obj and not (isinstance(sugg, list) and all(isinstance(s, str) for s in sugg)):
        problems.append("Suggestion must be a list of strings")
    if "Analysis" in obj and not isinstance(obj["Analysis"], str):
        problems.append("Analysis must be a string")
    if problems:
        results.append(_err("format.keys", "; ".join(problems)))
    return results, obj


def _reply_checks(reply: str) -> list[CheckResult]:
    out = []
    n = word_count(reply)
    if n > MAX_WORDS:
        out.append(_err("reply.words", f"Reply has {n} words (at most {MAX_WORDS}): '{_clip(reply)}'"))
    if _not_english(reply):
        out.append(_err("reply.english", f"Reply is not in English: '{_clip(reply)}'"))
    return out


def _suggestion_checks(suggestions: list[str]) -> list[CheckResult]:
    out = []
    if len(suggestions) != 3:
        out.append(_err("suggestion.count", f"{len(suggestions)} suggestions instead of exactly 3"))
    for i, s in enumerate(suggestions, 1):
        n = word_count(s)
        if n > MAX_WORDS:
            out.append(_err("suggestion.words", f"suggestion {i} has {n} words (at most {MAX_WORDS}): '{_clip(s)}'"))
        if _not_english(s):
            out.append(_err("suggestion.english", f"suggestion {i} is not in English: '{_clip(s)}'"))
        why = teacher_voice(s)
        if why:
            out.append(_err("suggestion.voice", f"suggestion {i} {why}: '{_clip(s)}'"))
    for i in range(len(suggestions)):
        for j in range(i + 1, len(suggestions)):
            if similar(suggestions[i], suggestions[j]) >= 0.85:
                out.append(_err("suggestion.distinct", f"suggestions {i + 1} and {j + 1} are nearly the same: "
                                                       f"'{_clip(suggestions[i], 40)}'"))
    return out


def _analysis_checks(analysis: str, student: Student | None) -> list[CheckResult]:
    out = []
    plain = unquoted(analysis)
    if not analysis.strip():
        return [_err("analysis.chinese", "Analysis is empty")]
    if cjk_share(plain) < 0.5:
        out.append(_err("analysis.chinese", f"Analysis is not mainly Chinese: '{_clip(analysis)}'"))
    own = _SELF_TALK.search(plain)
    if own:
        out.append(_err("analysis.target", f"Analysis talks about the teacher's own answer or next move "
                                           f"('{own.group(0)}') instead of the student's utterance"))
    elif student is not None and (_TRANSLATION.search(plain.strip()) or not _EVALUATIVE.search(plain)):
        out.append(_err("analysis.target", "Analysis only translates or restates the student's words; it does not assess them"))
    return out


def _fault_checks(obj: dict[str, Any], student: Student, corrections: list[Correction]) -> list[CheckResult]:
    out = []
    reply = obj.get("Reply") if isinstance(obj.get("Reply"), str) else ""
    analysis = obj.get("Analysis") if isinstance(obj.get("Analysis"), str) else ""
    plain = unquoted(analysis)
    chinese = student.fault == FaultKind.CHINESE or cjk_share(student.text) > 0.3
    if chinese and not (_ASKS_ENGLISH_ZH.search(plain) or _ASKS_ENGLISH_EN.search(reply)):
        out.append(_err("fault.language", "the student answered in Chinese, but the teacher neither asks for English "
                                          "nor says so in the Analysis"))
    off_topic = student.off_topic if student.off_topic is not None else student.fault == FaultKind.OFF_TOPIC
    if off_topic and not (_REDIRECT_ZH.search(plain) or _REDIRECT_EN.search(reply)):
        out.append(_err("fault.off_topic", "the student went off topic, but the teacher does not bring them back to it"))
    if corrections:
        low = analysis.lower()
        missed = [c for c in corrections
                  if c.right.lower() not in low and not (c.wrong.lower() in low and _FIX_WORDS.search(analysis))]
        if len(missed) == len(corrections):
            shown = "; ".join(f"'{c.wrong}' → '{c.right}'" for c in corrections[:3])
            out.append(_err("fault.uncorrected", f"the student's errors are not corrected in the Analysis ({shown})"))
        elif missed:
            shown = "; ".join(f"'{c.wrong}' → '{c.right}'" for c in missed[:3])
            out.append(_err("fault.uncorrected", f"some errors are not corrected: {shown}", "warning"))
    if (corrections or chinese) and _PRAISE.search(plain):
        out.append(_err("fault.praised_error", f"Analysis calls an erroneous utterance correct: "
                                               f"'{_PRAISE.search(plain).group(0)}'"))  # type: ignore[union-attr]
    return out


def student_errors(student: Student) -> list[Correction]:
    """The errors the teacher should correct: the injector's record, else what the detectors find."""
    if student.corrections:
        return [Correction(w, r, "label", "") for w, r in student.corrections]
    if cjk_share(student.text) > 0.3 or student.fault in (FaultKind.CHINESE, FaultKind.OFF_TOPIC):
        return []
    return find_errors(student.text)


def check_turn(raw: str, kind: TurnKind = TurnKind.REPLY, student: Student | None = None,
               *, parsed: Parsed | None = None) -> TurnCheck:
    """Run every contract check on one teacher answer. Never raises on any text."""
    parsed = parsed or parse_answer(raw)
    results, obj = _format_checks(parsed, kind)
    if obj is None:
        return TurnCheck(parsed, results)
    reply = obj["Reply"] if isinstance(obj.get("Reply"), str) else ""
    raw_sugg = obj.get("Suggestion")
    suggestions = [s for s in raw_sugg if isinstance(s, str)] if isinstance(raw_sugg, list) else []
    if "Reply" in obj:
        results += _reply_checks(reply)
    if "Suggestion" in obj:
        results += _suggestion_checks(suggestions)
    if kind == TurnKind.REPLY and isinstance(obj.get("Analysis"), str):
        results += _analysis_checks(obj["Analysis"], student)
    if kind == TurnKind.REPLY and student is not None:
        results += _fault_checks(obj, student, student_errors(student))
    return TurnCheck(parsed, results)
