"""The teacher contract as precise, explainable checks with stable ids. Pure and fast."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, NamedTuple

from rapidfuzz import fuzz

from studio.domain.check_messages import part, phrase
from studio.domain.faults import SPECS, FaultKind, FaultSpec
from studio.domain.language import CHARS_PER_WORD, language_of
from studio.domain.learner import Correction
from studio.domain.messages import N_
from studio.domain.models import CheckResult, TurnKind
from studio.domain.parse import Parsed, parse_answer
from studio.domain.text import CJK, MAX_WORDS, cjk_share, english_words, word_count

CHECK_IDS = (
    "format.json", "format.fence", "format.keys", "reply.words", "reply.english", "suggestion.count",
    "suggestion.words", "suggestion.english", "suggestion.distinct", "suggestion.voice", "analysis.chinese",
    "analysis.target", "fault.language", "fault.off_topic", "fault.uncorrected", "fault.praised_error",
    "suggestion.answers", "suggestion.repeat",  # checked with the words' meaning: studio/turn/suggestions.py
)
#: What the student did when no kind owing a request for English says it (the contract's words).
SAID_CHINESE = N_("answered in Chinese")
KEYS = {TurnKind.OPENING: ("Reply", "Suggestion"), TurnKind.REPLY: ("Reply", "Suggestion", "Analysis")}


@dataclass
class Student:
    """The utterance a teacher turn answers, with what is known about it."""

    text: str
    fault: FaultKind | None = None  # intended/observed label when known
    corrections: list[tuple[str, str]] = field(default_factory=list)
    off_topic: bool | None = None
    off_topic_sure: bool = True  # False: judged from its words only (a suspicion: a warning, not an error)


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
    def error_ids(self) -> list[str]:
        """The checks that failed as errors: what compliance and the caps count (a warning caps nothing)."""
        return sorted({r.id for r in self.errors})

    @property
    def passed(self) -> bool:
        return not self.errors


def _clip(text: str, n: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _err(id_: str, variant: str, severity: Literal["error", "warning"] = "error", **params: Any) -> CheckResult:
    return CheckResult.of(id_, variant, severity, **params)


def _not_english(text: str) -> bool:
    if text.isascii():  # no CJK character in it
        return False
    cjk = sum(1 for ch in text if "\u3400" <= ch <= "\u9fff")
    return cjk >= 3 or cjk_share(text) > 0.15


_QUOTED = re.compile(r"\"[^\"]*\"|'[^'\n]{2,}'|“[^”]*”|‘[^’]*’|「[^」]*」|《[^》]*》")


def chinese_share(text: str) -> float:
    """Chinese characters against English words (each :data:`CHARS_PER_WORD` characters): 0..1.
    Counting letters would make "应该说 I went to the park yesterday" (a Chinese correction quoting
    the right sentence without quotation marks) mostly English."""
    cjk = cjk_share(text)
    if cjk in (0.0, 1.0):
        return cjk
    chars = len(CJK.findall(text))
    return chars / (chars + CHARS_PER_WORD * len(english_words(text)))


def unquoted(text: str) -> str:
    """The text without quoted passages (quoted English is citation, not the Analysis' language)."""
    return _QUOTED.sub(" ", text)


#: A run of English words (spaces, commas and apostrophes inside it; a sentence end closes it).
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*(?:[ ,]+[A-Za-z0-9][A-Za-z0-9'’-]*)*")
#: What may come just before English a Chinese sentence cites: a Chinese word, a Chinese comma or
#: colon, an opening bracket or quotation mark ("应该说 I went …", "注意：enjoy doing", "（went）").
_CITES_AFTER = re.compile(r"[\u3400-\u9fff\uf900-\ufaff，、：:（(“‘「《\"']")
_HAN_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def uncited(text: str) -> str:
    """The text without the English it cites unquoted: a run of English words that follows a Chinese
    word, comma or colon, or is followed by a Chinese word ("你用了 went hiking，这个表达很好",
    "went hiking 用得很好"). English after a sentence end or at the start, followed by no Chinese
    word, is the text's own language ("很好! Your sentence is correct …")."""
    kept, at = [], 0
    for m in _ENGLISH_RUN.finditer(text):
        before, after = text[:m.start()].rstrip(), text[m.end():].lstrip()
        if (before and _CITES_AFTER.match(before[-1])) or (after and _HAN_CHAR.match(after[0])):
            kept.append(text[at:m.start()] + " ")
            at = m.end()
    return "".join(kept) + text[at:]


_COACH = re.compile(r"^\s*(you can|you could|you may|you should|you might|try to|try saying|remember to|please|"
                    r"let's practi[sc]e|tell me|describe|answer|use the|say\b|teacher\s*[:：]|老师)", re.I)
_FIRST_PERSON = re.compile(r"\b(I|I'm|I've|I'd|I'll|my|me|mine|we|our|us)\b", re.I)
_QUESTION_START = re.compile(r"^\s*(what|how|why|where|when|who|which|do|does|did|are|is|can|could|would|will|have|has)\b", re.I)


def teacher_voice(suggestion: str) -> str | None:
    """Why a suggestion sounds like the teacher, not the student (``coaches``: it coaches the
    student; ``asks``: it asks the student a question); None if it is the student's."""
    if _COACH.search(suggestion):
        return "coaches"
    if suggestion.rstrip().endswith("?") and _QUESTION_START.search(suggestion) and not _FIRST_PERSON.search(suggestion):
        return "asks"
    return None


def similar(a: str, b: str) -> float:
    """0..1 similarity of two sentences (normalised Indel distance, as difflib's ratio)."""
    return fuzz.ratio(a.lower(), b.lower()) / 100


_SELF_TALK = re.compile(r"(老师的?回复|我的回复|回复中|我的建议|建议中|Reply|Suggestion|接下来我|我会引导|我将|下一步我|"
                        r"引导学生|老师会|我(想|要)问|本轮|这一轮)")
_EVALUATIVE = re.compile(r"(错误|错|正确|很好|不错|棒|注意|应该|应为|应改|改为|改成|可以|建议|语法|拼写|词汇|用词|表达|"
                         r"句子|句式|跑题|离题|偏题|偏离|无关|英语|英文|完整|准确|流畅|肯定|简短|简单|简略|通顺|补充|时态|单词|缺少|需要|值得)")
_TRANSLATION = re.compile(r"^(学生说|学生的意思是|意思是|翻译[:：]?|译文[:：]?)")
_ASKS_ENGLISH_ZH = re.compile(r"(英语|英文)")
_ASKS_ENGLISH_EN = re.compile(r"\b(english)\b", re.I)
_REDIRECT_ZH = re.compile(r"(跑题|离题|偏题|偏离|回到|主题|话题|题目)")
_REDIRECT_EN = re.compile(r"\b(back to|topic|focus|let's talk about|let's return|get back|come back|stay on)\b", re.I)
_PRAISE = re.compile(r"(没有(明显的?)?(语法|拼写|用词)?(和(语法|拼写))?错误|完全正确|非常(流畅|地道|准确)|表达(很|非常)?地道|"
                     r"语法(完全)?正确|准确无误|无可挑剔|完美|perfect|flawless)", re.I)
_FIX_WORDS = re.compile(r"(应|改为|改成|正确|错误|拼写|语法|should be|instead of|→|=>)")


# -- whose move does an Analysis talk about? ---------------------------------------------------
# An Analysis must assess the student's utterance. One that explains the teacher's own move — the
# question it asked, the praise it gave, the Suggestions it offered, what it will do next and why —
# is the tutorial's headline failure, in any phrasing: first person or impersonal, past or future.
# Each clause is weighed: evidence of the teacher's move against evidence of an assessment.
_CLAUSE = re.compile(r"[。！？；;!?\n]+|，(?=(?:然后|再|并|而|但|所以|因此|这样|以便|从而|为了|目的))")
_TEACHER_MOVE: tuple[tuple[re.Pattern[str], float], ...] = tuple((re.compile(p), w) for p, w in (
    (r"(?<![问答向给跟和对])(?:我们?|老师|教师)(?![的]?问题很)", 2),  # the teacher as agent, not as an object
    (r"(?:Reply|Suggestion|回复|回应|这一?轮|本轮|本回合|该轮|此轮|这次回答)", 2),  # the teacher's own output or turn
    (r"(?:提问|追问|询问|反问|问了|问他|问她|问学生|问对方|问这个|下一个问题|新的?问题|开放性问题|简单的问题|这个问题)", 1.5),
    (r"(?:提出|提了|抛出|问了|准备了)(?:[^，。]{0,10})(?:问题|话题)", 1.5),
    (r"(?:通过|借助|用)(?:[^，。]{0,6})(?:提问|问题|肯定|表扬|鼓励|称赞|赞美|回应|回复)", 1.5),
    (r"(?:对话|话题)(?:将|会|就|自然)|(?:信心|自信|被理解|热情)", 1),
    (r"(?:建议|选项|例句|参考回答|推荐|回答方向|句型)(?:中|的|都|分别|可以|能|为|覆盖|提供)|"
     r"(?<!连接)(?<!连成)(?<!合并)(?:三|几|两)(?:个|条|种)(?:[^，。]{0,6})(?:建议|选项|例句|回答|句子)", 2),  # the Suggestions offered
    (r"(?:引导|引出|引向|带回|拉回|转向|过渡|推进|延续|往下聊|顺着|节奏|共情|拉近|降低难度|难度|激发|熟悉(?:对话|场景))", 1.5),
    (r"(?:鼓励|表扬|称赞|夸|赞美|肯定|赞同)(?:了|学生|他|她|对方)", 1.5),  # the praise given
    (r"(?:接下来|接着|下一步|下一轮|随后|后续|稍后|之后|然后|再)(?:[^，。]{0,4})(?:会|将|要|准备|打算|问|让|请|聊|谈|讨论|引导|邀请)", 2),
    (r"(?:目的是|为了|以便|旨在|意在|是想|想看看|想了解|想知道|作用是|任务是|主要是)", 1),  # the purpose of the move
    (r"(?:让|使|请|帮助|方便|邀请|带动)(?:学生|他|她|对方)", 1),
    (r"(?:准备了|给出了?|提供了?|为学生)", 1),
))
_ASSESSMENT: tuple[tuple[re.Pattern[str], float], ...] = tuple((re.compile(p), w) for p, w in (
    (r"(?:应为|应改为|改为|改成|应该是|应该说|要用|要加|不能加|缺少|多了|少了)", 3),
    (r"(?:错误|错了|不对|正确|准确|地道|自然|流畅|通顺|清楚|清晰|完整|具体|贴切|恰当|丰富|简略|简短|简单|说服力|"
     r"没有问题|用得|用法|很好|不错|进步)", 1.5),
    (r"(?:拼写|语法|时态|单数|复数|主谓|冠词|介词|语序|词性|可数|不可数|动词|名词|主语|谓语|比较级|发音|用词|单词)", 2),
    (r"(?:跑题|偏离|离题|无关|用中文|用英语|英文)", 2),
    (r"(?:你的?|学生的?)(?:回答|句子|话|表达|说|用|提到|写|只)", 1.5),
    (r"(?:可以补充|可以再|试着|尝试|下次|注意|多说|继续保持)", 1),
))
# the teacher (or the teacher's question) as what the student answered: "回答了老师的问题", "紧扣老师的问题"
_TEACHER_AS_OBJECT = re.compile(r"(?:回答|回应|答|紧扣|针对|围绕|听懂|理解|没听懂|问|向|给|跟|和|对|告诉|让|把)了?(?:老师|我)的?"
                                r"(?:问题|话|提问)?|"
                                r"(?:回答|紧扣|针对|围绕)了?(?:这个|这一?|老师的?)?(?:问题|提问)")
# the student as the one who asked, offered or answered: "你提出了一个新问题", "你给出了原因"
_STUDENT_MOVE = re.compile(r"你(?:又|还|也|先)?(?:提出|提了|抛出|问了|准备了|给出|提供|回应)了?(?:[^，。！？；]{0,10}?"
                           r"(?:问题|话题|建议|原因|理由|例子))?")
# the tutorial's rule-5 redirect, "您跑题了，我们现在讨论的是关于<主题名称>的内容": the topic's name is
# what the student is sent back to, not the teacher's move, even when it says "提出建议" or "讨论"
_TOPIC_NAMED = re.compile(r"((?:讨论|谈论|聊|说|谈)的?(?:是|话题是|主题是)(?:关于)?)([^。！？!?\n]{1,80}?)"
                          r"(的(?:内容|话题|主题|事情?))")


def _topic_name_neutral(text: str) -> str:
    return _TOPIC_NAMED.sub(r"\1这个主题\3", text)
_QUOTE_MARK = re.compile(r"\"[^\"]*\"|“[^”]*”|'[^'\n]{2,}'|‘[^’]*’")


def teacher_talk(analysis: str) -> str | None:
    """The clause of an Analysis that explains the teacher's own move rather than assessing the
    student's utterance, or None. Quoted English counts as assessment (it cites the student)."""
    plain = _STUDENT_MOVE.sub("你的回答", _TEACHER_AS_OBJECT.sub(" ", _QUOTE_MARK.sub(" Q ", _topic_name_neutral(analysis))))
    if not any(rx.search(plain) for rx, _ in _TEACHER_MOVE):  # each on its own: a third faster than one alternation
        return None
    bounds = [0, *(m.end() for m in _CLAUSE.finditer(plain)), len(plain) + 1]

    def weigh(table: tuple[tuple[re.Pattern[str], float], ...]) -> list[float]:
        got = [0.0] * (len(bounds) - 1)
        for rx, w in table:
            hit = set()
            for m in rx.finditer(plain):
                i = next(k for k in range(len(bounds) - 1) if bounds[k] <= m.start() < bounds[k + 1])
                if i not in hit:
                    hit.add(i)
                    got[i] += w
        return got

    moves, assessed = weigh(_TEACHER_MOVE), weigh(_ASSESSMENT)
    for i, move in enumerate(moves):
        clause = plain[bounds[i]:bounds[i + 1]]
        if move >= 2 and move > assessed[i] + (2 if " Q " in clause else 0):
            return _CLAUSE.sub("", clause).strip()
    return None


def _format_checks(parsed: Parsed, kind: TurnKind) -> tuple[list[CheckResult], dict[str, Any] | None]:
    results: list[CheckResult] = []
    if parsed.fenced:
        results.append(_err("format.fence", "fenced", "warning"))
    if parsed.issues:
        variant = "not_one_recovered" if parsed.obj is not None else "not_one"
        results.append(_err("format.json", variant, problems=list(parsed.issues)))
    obj = parsed.obj
    if obj is None:
        return results, None
    want = KEYS[kind]
    missing = [k for k in want if k not in obj]
    extra = [k for k in obj if k not in want]
    problems = []
    if missing:
        problems.append(part("keys.missing", keys=", ".join(missing)))
    if extra:
        problems.append(part("keys.unexpected_opening" if "Analysis" in extra else "keys.unexpected",
                             keys=", ".join(extra)))
    if "Reply" in obj and not isinstance(obj["Reply"], str):
        problems.append(part("keys.reply_type"))
    sugg = obj.get("Suggestion")
    if "Suggestion" in obj and not (isinstance(sugg, list) and all(isinstance(s, str) for s in sugg)):
        problems.append(part("keys.suggestion_type"))
    if "Analysis" in obj and not isinstance(obj["Analysis"], str):
        problems.append(part("keys.analysis_type"))
    if problems:
        results.append(_err("format.keys", "keys", problems=problems))
    return results, obj


def _reply_checks(reply: str) -> list[CheckResult]:
    out = []
    n = word_count(reply)
    if not reply.strip():
        out.append(_err("reply.words", "empty"))
    if n > MAX_WORDS:
        out.append(_err("reply.words", "too_long", n=n, most=MAX_WORDS, text=_clip(reply)))
    if _not_english(reply):
        out.append(_err("reply.english", "not_english", text=_clip(reply)))
    return out


def _suggestion_checks(suggestions: list[str]) -> list[CheckResult]:
    out = []
    if len(suggestions) != 3:
        out.append(_err("suggestion.count", "count", n=len(suggestions)))
    for i, s in enumerate(suggestions, 1):
        n = word_count(s)
        if n > MAX_WORDS:
            out.append(_err("suggestion.words", "too_long", i=i, n=n, most=MAX_WORDS, text=_clip(s)))
        if _not_english(s):
            out.append(_err("suggestion.english", "not_english", i=i, text=_clip(s)))
        why = teacher_voice(s)
        if why:
            out.append(_err("suggestion.voice", why, i=i, text=_clip(s)))
    for i in range(len(suggestions)):
        for j in range(i + 1, len(suggestions)):
            if similar(suggestions[i], suggestions[j]) >= 0.85:
                out.append(_err("suggestion.distinct", "same", i=i + 1, j=j + 1, text=_clip(suggestions[i], 40)))
    return out


class _Reading(NamedTuple):
    """What an Analysis says whatever it answers: the same text reads the same in every sample."""

    plain: str  # without quoted passages
    not_chinese: bool
    own: str | None  # the clause explaining the teacher's own move
    translates: bool  # no assessment: a translation, or nothing evaluative


@lru_cache(maxsize=4096)
def _reading(analysis: str) -> _Reading:
    plain = unquoted(analysis)
    own = teacher_talk(analysis) or (m.group(0) if (m := _SELF_TALK.search(_topic_name_neutral(plain))) else None)
    # English it quotes, with quotation marks or without, is citation
    return _Reading(plain, chinese_share(uncited(plain)) < 0.5, own,
                    bool(_TRANSLATION.search(plain.strip()) or not _EVALUATIVE.search(plain)))


def _analysis_checks(analysis: str, student: Student | None) -> list[CheckResult]:
    if not analysis.strip():
        return [_err("analysis.chinese", "empty")]
    out = []
    read = _reading(analysis)
    if read.not_chinese:
        out.append(_err("analysis.chinese", "not_chinese", text=_clip(analysis)))
    if read.own:
        out.append(_err("analysis.target", "teacher", text=_clip(read.own, 40)))
    elif student is not None and read.translates:
        out.append(_err("analysis.target", "translates"))
    return out


# -- what the teacher owes the student's utterance ----------------------------------------------
# Each fault kind's spec (studio.domain.faults) names the obligations it is owed; each obligation
# is checked here, once, whichever kinds owe it.


@dataclass
class Owed:
    """A teacher answer and what it owes the student utterance it answers."""

    student: Student
    kinds: list[FaultSpec]  # the kinds the teacher must answer the utterance as
    corrections: dict[str, list[Correction]]  # obligation id -> the corrections it is about
    reply: str
    analysis: str
    plain: str  # the Analysis without quoted passages

    def said(self, obligation: str) -> str:
        return next((s.said for s in self.kinds if obligation in s.owes and s.said), SAID_CHINESE)


Obligation = Callable[[Owed], list[CheckResult]]
#: Every obligation by id, in the order its checks are reported.
OBLIGATIONS: dict[str, Obligation] = {}


def obligation(id_: str) -> Callable[[Obligation], Obligation]:
    def add(check: Obligation) -> Obligation:
        OBLIGATIONS[id_] = check
        return check
    return add


@obligation("english")
def _asks_for_english(o: Owed) -> list[CheckResult]:
    if _ASKS_ENGLISH_ZH.search(o.plain) or _ASKS_ENGLISH_EN.search(o.reply):
        return []
    return [_err("fault.language", "no_english", said=phrase(o.said("english")))]


@obligation("topic")
def _brings_back(o: Owed) -> list[CheckResult]:
    if _REDIRECT_ZH.search(o.plain) or _REDIRECT_EN.search(o.reply):
        return []
    if o.student.off_topic_sure:
        return [_err("fault.off_topic", "not_back")]
    return [_err("fault.off_topic", "seems", "warning")]


def _shown(corrections: list[Correction]) -> str:
    return "; ".join(f"'{c.wrong}' → '{c.right}'" for c in corrections[:3])


def _missed(o: Owed, corrections: list[Correction]) -> list[Correction]:
    low = o.analysis.lower()
    return [c for c in corrections
            if c.right.lower() not in low and not (c.wrong.lower() in low and _FIX_WORDS.search(o.analysis))]


@obligation("correct")
def _corrects(o: Owed) -> list[CheckResult]:
    corrections = o.corrections.get("correct", [])
    missed = _missed(o, corrections)
    if corrections and len(missed) == len(corrections):
        return [_err("fault.uncorrected", "none", shown=_shown(corrections))]
    if missed:
        return [_err("fault.uncorrected", "some", "warning", shown=_shown(missed))]
    return []


@obligation("words")
def _gives_english_words(o: Owed) -> list[CheckResult]:
    """The English for the student's Chinese words: the tutorial asks only for English, so a miss warns."""
    low = o.analysis.lower()  # a word with several English ("tired/tiring"): any of them
    missed = [c for c in o.corrections.get("words", []) if not any(e in low for e in c.right.lower().split("/"))]
    if not missed:
        return []
    return [_err("fault.uncorrected", "words", "warning", shown=_shown(missed))]


@obligation("no_praise")
def _no_praise(o: Owed) -> list[CheckResult]:
    praise = _PRAISE.search(o.plain)
    if praise is None:
        return []
    return [_err("fault.praised_error", "praised", text=praise.group(0))]


def facing(student: Student) -> list[FaultSpec]:
    """The kinds the teacher must answer ``student`` as: its label, the kind its language makes it
    (Chinese, mixed), off topic when judged so."""
    language = language_of(student.text)
    return [s for s in SPECS.values() if s.applies(student.fault, student.off_topic, language)]


def owed_corrections(student: Student, kinds: list[FaultSpec]) -> dict[str, list[Correction]]:
    """The corrections the teacher owes, by obligation: the injector's record, else what the
    kinds' detectors find (spelling and grammar in any utterance whose kinds read errors)."""
    label = SPECS.get(student.fault) if student.fault is not None else None
    if student.corrections:
        key = label.corrects if label is not None and label.corrects else "correct"
        return {key: [Correction(w, r, "label", "") for w, r in student.corrections]}
    detectors = {s.kind for s in kinds if s.corrects}
    if all(s.reads_errors for s in kinds):
        detectors |= {s.kind for s in SPECS.values() if s.found_anywhere}
    out: dict[str, list[Correction]] = {}
    for spec in SPECS.values():
        if spec.kind in detectors and (found := spec.detect(student.text)):
            out.setdefault(spec.corrects, []).extend(found)
    return out


def _fault_checks(obj: dict[str, Any], student: Student) -> list[CheckResult]:
    reply, analysis = (v if isinstance(v := obj.get(key), str) else "" for key in ("Reply", "Analysis"))
    kinds = facing(student)
    corrections = owed_corrections(student, kinds)
    owed = {ob for s in kinds for ob in s.owes} | {ob for ob, found in corrections.items() if found}
    if corrections.get("correct"):
        owed.add("no_praise")
    o = Owed(student, kinds, corrections, reply, analysis, _reading(analysis).plain if analysis else "")
    return [r for id_, check in OBLIGATIONS.items() if id_ in owed for r in check(o)]


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
        results += _fault_checks(obj, student)
    return TurnCheck(parsed, results)
