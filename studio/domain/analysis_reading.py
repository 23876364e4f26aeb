"""How the contract reads an Analysis: whether it is Chinese, whether it explains the teacher's own
move instead of assessing the student, whether it assesses at all. Pure and fast."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from studio.domain.answer_text import chinese_share, uncited, unquoted

_SELF_TALK = re.compile(r"(老师的?回复|我的回复|回复中|我的建议|建议中|Reply|Suggestion|接下来我|我会引导|我将|下一步我|"
                        r"引导学生|老师会|我(想|要)问|本轮|这一轮)")
_EVALUATIVE = re.compile(r"(错误|错|正确|很好|不错|棒|注意|应该|应为|应改|改为|改成|可以|建议|语法|拼写|词汇|用词|表达|"
                         r"句子|句式|跑题|离题|偏题|偏离|无关|英语|英文|完整|准确|流畅|肯定|简短|简单|简略|通顺|补充|时态|单词|缺少|需要|值得)")
_TRANSLATION = re.compile(r"^(学生说|学生的意思是|意思是|翻译[:：]?|译文[:：]?)")


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
