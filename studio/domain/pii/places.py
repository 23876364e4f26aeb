"""Schools and street addresses.

A school is a name ending in 中学, 小学, 学校, 附中 or 一中 … (or "… Middle School", "… High
School") with a proper name before it: 我们学校, 一所普通中学 and 中学生 are not schools. An address
is a street or a housing estate with a number (建国路88号, 阳光花园5栋2单元301室, "No. 12 Zhongshan
Road", "Room 502, Building 3"), with the province, city and district written before it; a place
name alone (上海市, 北京路, Haidian District) or a room or unit alone (305教室, 第5单元) is not."""

from __future__ import annotations

import re
from collections.abc import Iterator

from studio.domain.messages import N_
from studio.domain.pii import Detector, register

# Characters that end a name to the left: function words, pronouns, verbs of going and studying.
_STOP = "我你他她它们这那哪每某所在上读念去的了是和与跟个到从就都也来自叫做住离近附有没想考进回转念被把对说"
_NAME_CHAR = rf"(?:(?![{_STOP}])[\u4e00-\u9fff])"

_SCHOOL_END = re.compile(r"(?:实验中学|实验小学|外国语学校|中学|小学|学校|附中|(?<=[\u4e00-\u9fff])"
                         r"(?:第?[一二三四五六七八九十]{1,2}|\d{1,2})中(?![学文国心间午秋部东西南北]))(?![生])")
# Words that say what kind of school, not which.
_GENERIC = re.compile(r"^(?:普通|重点|一般|私立|公立|寄宿|国际|民办|当地|附近|家乡|农村|乡村|城市|城里|好的?|新的?|老的?|"
                      r"大的?|小的?|这|那|整个|全|一|别的|其他|外地|本地|职业|艺术|体育|舞蹈|音乐|美术|特殊)+$")
# Words that end what stands before a school's name (因为学校, 加入学校, 关于学校 …).
_AFTER_WORD = re.compile(r"因为|关于|加入|讨论|熟悉|原因|喜欢|讨厌|离开|回到|参观|介绍|打扫|适应|了解|认识|为了|对于|整个|"
                         r"一起|全体|各个|附近|周围|所有|每个|一些|很多|许多|大家|咱们|自己|以前|以后|毕业|放学|开学|转学|"
                         r"上学|到达|来到|走进|进入|代表|参加|关心|建设|美丽|漂亮|可爱|热爱|爱护|变成|成为|看看|看到|听说|"
                         r"觉得|知道|发现|希望|还有|或者|还是|以及|而且|但是|因此|所以|如果|虽然|中国|美国|英国|国外|外国|"
                         r"学生|同学|老师|打听|聊|说说|谈谈|下周|上周|本周|这周|明天|今天|昨天|周末|每天|平时|将来|未来|现在|时候")
_EN_SCHOOL = re.compile(r"\b((?:(?:[A-Z][a-z]+|No\. ?\d+) ){1,6})(?:Middle|High|Primary|Junior High|Senior High"
                        r"|Experimental|Foreign Languages?) School\b")


@register
class School(Detector):
    kind, placeholder, priority = "school", "[学校]", 6
    label = N_("school name")
    cues = ("中", "小学", "学校", "School")  # every ending of _SCHOOL_END holds one, _EN_SCHOOL's School
    trigger = re.compile(r"中学|小学|学校|附中|[一二三四五六七八九十\d]中|School")

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        for m in _SCHOOL_END.finditer(text):
            start = m.start()
            while start > 0 and start > m.start() - 12 and re.match(_NAME_CHAR + r"|[0-9第]", text[start - 1]):
                start -= 1
            name = _AFTER_WORD.split(text[start:m.start()])[-1]
            start = m.start() - len(name)
            if len(name) >= 2 and not _GENERIC.match(name) and not name.isdigit():
                yield start, m.end()
        for m in _EN_SCHOOL.finditer(text):
            words = m.group(1).split()
            if words[0] not in ("The", "A", "My", "Our", "Your", "His", "Her", "Their", "This", "That"):
                yield m.span()


_N = r"[0-9０-９]{1,5}"
_UNITS = r"(?:号楼|号院|号|栋|幢|座|单元|层|楼|室|房)"
_PROVINCE = rf"{_NAME_CHAR}{{2,7}}?(?:省|自治区)"
_CITY = rf"{_NAME_CHAR}{{2,6}}?市"
_DISTRICT = rf"{_NAME_CHAR}{{1,6}}?(?:区|县)"
_ROAD = rf"{_NAME_CHAR}{{1,10}}?(?:大道|大街|步行街|路|街|巷|弄|胡同)"
_ESTATE = rf"{_NAME_CHAR}{{1,8}}?(?:小区|花园|家园|公寓|新村|苑)"
_ADDRESS = re.compile(
    rf"(?:{_PROVINCE})?(?:{_CITY})?(?:{_DISTRICT})?"
    rf"(?:{_ROAD}{_N}(?:号院|号楼|号|弄)(?:{_ESTATE})?(?:{_N}{_UNITS}?)*"  # a street and its number
    rf"|(?:{_ROAD})?{_ESTATE}{_N}(?:号楼|栋|幢|座|单元)(?:{_N}{_UNITS}?)*"  # an estate's building
    rf"|{_N}(?:号楼|栋|幢){_N}单元(?:{_N}{_UNITS}?)*)"  # a building and its entrance
)
_EN_PART = r"(?:Room|Rm\.|Flat|Apartment|Apt\.|Building|Bldg\.|Block|Unit|Lane|Floor) ?\d+[A-Za-z]?"
_EN_STREET = r"(?:[A-Z][a-z]+ ){1,3}(?:Road|Street|Avenue|Lane|Rd\.|St\.|Ave\.)"
_EN_PLACE = r"(?:[A-Z][a-z]+ ){1,3}(?:Garden|Gardens|Community|Estate|Residence|Apartments|Village|District|Town)"
_EN_ADDRESS = re.compile(
    rf"\b(?:(?:No\. ?|Number )\d+[A-Za-z]?,? {_EN_STREET}|\d+ {_EN_STREET}"
    rf"|{_EN_PART}(?:,? {_EN_PART})+(?:,? (?:\d+ )?{_EN_STREET})?)(?:,? {_EN_PLACE})?(?![A-Za-z])"
)


@register
class Address(Detector):
    kind, placeholder, priority = "address", "[地址]", 5
    label = N_("street address")
    # A Chinese address is searched for only around _ANCHOR's number, an English one where _EN_HINT holds.
    cues = (*"0123456789０１２３４５６７８９", "Road", "Street", "Avenue", "Lane", "Rd.", "St.", "Ave.", "Room", "Flat",
            "Apartment", "Apt.", "Building", "Bldg.", "Block", "Unit")

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        seen = -1  # an address is searched for only around a number with a unit, or an English one's words
        for anchor in _ANCHOR.finditer(text):
            if anchor.start() < seen:
                continue
            start = max(0, anchor.start() - _REACH)
            for m in _ADDRESS.finditer(text, start, min(len(text), anchor.end() + _REACH)):
                if m.end() > seen and m.start() <= anchor.start() < m.end():
                    seen = m.end()
                    yield m.span()
        if _EN_HINT.search(text):
            for m in _EN_ADDRESS.finditer(text):
                yield m.span()


_ANCHOR = re.compile(rf"{_N}(?:号楼|号院|号|弄|栋|幢|座|单元)")
_REACH = 40
_EN_HINT = re.compile(r"Road|Street|Avenue|Lane|Rd\.|St\.|Ave\.|Room|Flat|Apartment|Apt\.|Building|Bldg\.|Block|Unit")
