"""The tutorial's four-dimension rubric, 1–3 each, and what the checks alone allow."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, Field

DIMENSIONS = ("compliance", "reply", "suggestion", "analysis")

#: The tutorial's rubric, verbatim (the public notebook ``demo/01_english/main.ipynb`` of
#: markzhu1974/llm_finetune_learning, section 3.3.1 评估方法和标准). The judge prompt carries it as is.
RUBRIC_TEXT = """prompt遵循度
* 1分：不是严格按照prompt要求的json格式输出，或者出现中文；
* 2分：虽然按照json格式，但是没有使用简短话术，比如单词数量超过30个；
* 3分：严格按照json格式，输出内容都是简短话术，符合高中难度的要求。

Reply质量
* 1分：回复的角度不是教师，内容与主题无关，或者用户回复内容与主题无关，但没有提醒；
* 2分：回复虽然在主题范围内，但是表达的不自然流畅，情感不丰富；
* 3分：回复与主题相关，话题推进自然流畅，如果用户超出主题对话，能够准确提醒。

Suggestion质量
* 1分：Suggestion不是三个句子，或者Suggestion站的角度不是学生而是教师；
* 2分：Suggestion虽然是站在学生角度回复的三个句子，但是对上文话题承接的不好，情感不丰富；
* 3分：Suggestion是站在学生角度回复的三个句子，内容衔接得当。

Analysis质量
* 1分：内容是Reply和Suggestion的解释，或者直接翻译学生说的话；
* 2分：分析的是学生的回复内容，但是存在的一些明显病句没有指出；
* 3分：分析的是学生的回复内容，指出了存在的一些明显病句，点评得当。"""


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


def limits(failed: Iterable[str], *, opening: bool = False, readable: bool = True) -> Scores:
    """The most each dimension can score given the failed checks. Compliance is exact.

    A judge's or a person's score is capped by these. An answer with no object to read (``readable``
    false) has no Reply, Suggestion or Analysis at all: 1 on every dimension.
    """
    ids = set(failed)
    if not readable:
        return Scores(compliance=1, reply=1, suggestion=1, analysis=1)
    reply = 1 if ids & {"fault.off_topic", "reply.english", "format.keys"} else 2 if "reply.words" in ids else 3
    suggestion = 1 if ids & {"suggestion.count", "suggestion.voice", "format.keys"} else (
        2 if ids & {"suggestion.distinct", "suggestion.words", "suggestion.english", "suggestion.answers",
                    "suggestion.repeat"} else 3)
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
