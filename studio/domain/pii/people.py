"""Personal names. A Chinese name is a common surname and one or two given-name characters, taken
where a cue tells it is a name: after 我叫, 我是, 名字是/叫 …, or before 同学, 老师, 阿姨 … with a
word such as 同桌 or 班主任 (or a line's start or a punctuation mark) before it. An English name is
a known given name (or a pinyin surname) after "my name is", "I'm", "call me", "this is" or
英文名是, with the capitalised word after it taken as its surname. A surname alone (王老师) is not
taken, nor a famous person named without a cue."""

from __future__ import annotations

import re
from collections.abc import Iterator

from studio.domain.messages import N_
from studio.domain.pii import Detector, register

# Common surnames, leaving out the characters that mostly start ordinary words (高 stays: 高一 is
# refused by its given-name character).
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方邹熊孟秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤易常"
    "乔赖文庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍韦申尤毕聂焦向柳邢骆岳齐梅庄辛管祝左涂谷祁时耿"
    "晏纪舒屈项祝阮尚凌盛单欧宁柯卜裴窦闵甘景解宫蓝储汲房芮靳邬卓池乐鞠符於柴霍滕高"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "慕容", "夏侯", "皇甫", "尉迟", "公孙", "令狐", "宇文",
                     "长孙", "司徒", "端木", "独孤", "南宫", "西门")
# Characters that end a name: function words, pronouns, numbers, school words and the like.
_NOT_GIVEN = set(
    "的了是在和与也都很就要会去说我你他她它们个这那有没不同学老师今年岁来自从到把被让给对话叫讲做为以及或但而"
    "且吗呢吧啊呀哦嗯一二三四五六七八九十百千万初高班级校生家住今昨读念上下中里外前后左右边先姓名字号"
)
_HAN = r"[\u4e00-\u9fff]"
_NUMBERS = set("一二三四五六七八九十")

_CUE_BEFORE = re.compile(r"(?:我叫|我是|我的名字是|我的名字叫|名字叫|名字是|我名叫|名叫|叫做|中文名叫|中文名是|中文名字是"
                         r"|(?:中学|小学|学校|附中|[一二三四五六七八九十\d]中)的)")
_CUE_AFTER = re.compile(r"同学|老师|阿姨|叔叔|姐姐|哥哥|妹妹|弟弟|爷爷|奶奶|家长")
# Words before 老师 or 同学 that say which teacher or class, not who.
_NOT_NAMES = {"英语", "数学", "语文", "物理", "化学", "历史", "地理", "生物", "政治", "体育", "音乐", "美术", "科学", "信息",
              "外教", "口语", "主任", "全班", "其他", "各位", "新来", "年轻", "男生", "女生"}
# What may stand just before a name that a word such as 同学 follows.
_LEFT = re.compile(r"(?:同桌|班主任|班长|同学|老师|学生|学员|我的|和|跟|与|问|找|叫|是|说|给|等|^|[^\u4e00-\u9fff])$")


def _given_char(text: str, at: int) -> bool:
    return at < len(text) and re.match(_HAN, text[at]) is not None and text[at] not in _NOT_GIVEN


def _given(text: str, at: int) -> int:
    """How many given-name characters (0 to 2) start at ``at``. A number starts a two-character given
    name only (陈一鸣, but not 高一)."""
    if at < len(text) and text[at] in _NUMBERS:
        return 2 if _given_char(text, at + 1) else 0
    return 1 + _given_char(text, at + 1) if _given_char(text, at) else 0


def _surname(text: str, at: int) -> int:
    if text.startswith(COMPOUND_SURNAMES, at):
        return 2
    return 1 if at < len(text) and text[at] in SURNAMES else 0


def chinese_name_at(text: str, at: int) -> int:
    """The length of a Chinese name starting at ``at`` (0: none)."""
    s = _surname(text, at)
    g = _given(text, at + s) if s else 0
    return s + g if g else 0


@register
class Name(Detector):
    kind, placeholder, priority = "name", "[姓名]", 1
    label = N_("personal name")
    # What _CUE_BEFORE, _CUE_AFTER and _EN_CUE need: 我叫/名叫/叫做, 名字是/叫, 中文名是, 我是, a school's
    # 的 (中学的, 小学的, 学校的, 附中的, 一中的), the words after a name, and the English cues.
    cues = ("叫", "名字", "名是", "我是", "中的", "学的", "校的", "同学", "老师", "阿姨", "叔叔", "姐姐", "哥哥", "妹妹",
            "弟弟", "爷爷", "奶奶", "家长", "name", "Name:", "I'm", "I am", "all me", "his is")

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        yield from self._after_cue(text)
        yield from self._before_cue(text)
        yield from _english(text)

    @staticmethod
    def _after_cue(text: str) -> Iterator[tuple[int, int]]:
        for m in _CUE_BEFORE.finditer(text):
            n = chinese_name_at(text, m.end())
            if n:
                yield m.end(), m.end() + n

    @staticmethod
    def _before_cue(text: str) -> Iterator[tuple[int, int]]:
        for m in _CUE_AFTER.finditer(text):
            end = m.start()
            for n in (3, 2, 4):  # a given name of two characters, of one, a compound surname's
                start = end - n
                if start < 0 or chinese_name_at(text, start) != n or text[end - 2:end] in _NOT_NAMES:
                    continue
                if _LEFT.search(text[max(0, start - 3):start]):
                    yield start, end
                    break


# Common English given names (as Chinese students choose them) and pinyin surnames.
GIVEN_NAMES = set("""
Aaron Abby Adam Alan Albert Alex Alexander Alice Alina Allen Amanda Amber Amy Andrew Andy Angela Angel Anna Annie
Anthony Apple Ashley Ben Benjamin Bella Betty Bill Bob Bonnie Brian Bruce Candy Carl Carol Caroline Catherine Cathy
Charles Charlie Cherry Chloe Chris Christina Cindy Claire Coco Colin Daisy Daniel David Dennis Diana Doris Eason Eddie
Edward Elaine Eleanor Elena Eli Elizabeth Ella Ellen Emily Emma Eric Eva Evan Fiona Frank Gary George Grace Hannah
Harry Helen Henry Ivy Jack Jackie Jacky Jake James Jane Jason Jasmine Jeff Jenny Jerry Jessica Jessie Jim Jimmy Joe
John Johnny Joseph Joy Joyce Judy Julia Julie Justin Karen Kate Katie Kelly Ken Kevin Kitty Kyle Leo Leon Lily Linda
Lisa Louis Lucas Lucy Luna Maggie Mandy Mark Martin Mary Max Mia Michael Michelle Mike Molly Monica Nancy Nick Nina
Oliver Olivia Oscar Owen Peter Phoebe Rachel Ray Rebecca Richard Rick Robert Robin Rose Ruby Ryan Sally Sam Sandy Sara
Sarah Scott Sean Simon Sophia Sophie Stella Steven Sue Summer Sunny Susan Tina Tom Tommy Tony Tracy Vicky Victor Vincent
Wendy William Yoyo Zoe
""".split())
PINYIN_SURNAMES = set("""
Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Luo Zheng Liang Xie Song Tang Han Feng Deng
Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye Cheng Wei Su Lv Ding Ren Shen Yao Lu Cui Zhong Tan Wan Fan Jin
Shi Liao Jia Xia Fu Fang Zou Xiong Meng Qin Qiu Yin Xue Yan Duan Lei Hou Long Shi Tao Li Gu Mao Hao Gong Shao Qian Dai
Mo Kong Qiao Lai Wen Pang Ouyang
""".split())
_EN_CUE = re.compile(r"(?:\b(?:[Mm]y (?:English |Chinese |first |full )?name(?:'s| is)|I'm|I am|[Cc]all me|[Tt]his is"
                     r"|[Nn]ame:)|英文名(?:字)?(?:是|叫)|名字(?:是|叫))[ \t]*")
_WORD = re.compile(r"[A-Z][a-z]+")


def _english(text: str) -> Iterator[tuple[int, int]]:
    for m in _EN_CUE.finditer(text):
        first = _WORD.match(text, m.end())
        if first is None or (first.group() not in GIVEN_NAMES and first.group() not in PINYIN_SURNAMES):
            continue
        end = first.end()
        second = re.compile(r" ([A-Z][a-z]+)\b").match(text, end)
        if second is not None and (second.group(1) in PINYIN_SURNAMES or first.group() in PINYIN_SURNAMES
                                   or second.group(1) not in _NOT_SURNAME):
            end = second.end()
        yield first.start(), end


# Capitalised words that follow a name without being its surname.
_NOT_SURNAME = {"And", "But", "The", "I", "My", "Nice", "Teacher", "Speaking", "From", "In", "At", "Is", "Am", "You",
                "Thank", "Thanks", "Hello", "Hi", "Yes", "No", "Grade", "Class", "Miss", "Mr", "Mrs", "Ms"}
