"""Numbers and handles: mainland phone numbers, 身份证 numbers, e-mail addresses, QQ numbers and
WeChat ids. A QQ number or a WeChat id is only taken after its cue word (QQ, 扣扣, 微信, WeChat,
vx, wx …); a phone number needs a mobile prefix or an area code written apart; an 18-digit 身份证
number must carry its ISO 7064 MOD 11-2 check character and a real birth date."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from studio.domain.messages import N_
from studio.domain.pii import Detector, register

_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_DIGIT_AFTER = r"(?![0-9])"

_MOBILE = re.compile(_NOT_ALNUM_BEFORE + r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}" + _NOT_DIGIT_AFTER)
# An area code (010, 021, 0571 …) set apart by a hyphen, a space or brackets, then 7 or 8 digits.
_LANDLINE = re.compile(_NOT_ALNUM_BEFORE + r"(?:\(0\d{2,3}\) ?|（0\d{2,3}）|0\d{2,3}[ -])\d{3,4}[ -]?\d{4}"
                       + _NOT_DIGIT_AFTER)


@register
class Phone(Detector):
    kind, placeholder, priority = "phone", "[电话]", 3
    label = N_("phone number")
    cues = ("1", "0")  # a mobile number starts with 1, an area code with 0
    trigger = re.compile(r"\d{3}")

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        for pattern in (_MOBILE, _LANDLINE):
            for m in pattern.finditer(text):
                yield m.span()


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID18 = re.compile(_NOT_ALNUM_BEFORE + r"[1-9]\d{16}[\dXx](?![0-9A-Za-z])")
_ID15 = re.compile(_NOT_ALNUM_BEFORE + r"[1-9]\d{14}(?![0-9A-Za-z])")
_PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
              61, 62, 63, 64, 65, 71, 81, 82, 91}


def check_character(body: str) -> str:
    """The 18th character of a 身份证 number whose first 17 digits are ``body`` (ISO 7064 MOD 11-2)."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11]


def _born(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year <= 2099


def is_id_number(number: str) -> bool:
    """A mainland 身份证 number: 18 characters with a valid check character, or the old 15-digit form;
    either with a province code and a real birth date."""
    if int(number[:2]) not in _PROVINCES:
        return False
    if len(number) == 18:
        return (_born(int(number[6:10]), int(number[10:12]), int(number[12:14]))
                and check_character(number[:17]) == number[17].upper())
    return len(number) == 15 and _born(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))


@register
class IdCard(Detector):
    kind, placeholder, priority = "id_card", "[身份证]", 4
    label = N_("ID card number")
    cues = tuple("123456789")  # its first digit
    trigger = re.compile(r"\d{15}")

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        for pattern in (_ID18, _ID15):
            for m in pattern.finditer(text):
                if is_id_number(m.group()):
                    yield m.span()


_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?![A-Za-z0-9])")


@register
class Email(Detector):
    kind, placeholder, priority = "email", "[邮箱]", 5
    label = N_("e-mail address")
    cues = ("@",)

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        for m in _EMAIL.finditer(text):
            yield m.span()


# What may stand between a cue word and the number or id it introduces: 号/号码/账号, is/number/id,
# 是/为/就是, a colon, a comma, spaces, "me", 好友.
_FILLER = r"(?:[ \t]|号码|账号|号|好友|number|No\.|is|id|ID|Id|me|my|at|是|为|就是|搜|加|:|：|,|，|=){0,10}"
_QQ = re.compile(r"(?<![A-Za-z])(?:QQ|qq|Qq|扣扣|企鹅)(?!群|空间|邮箱|音乐|等级|游戏)" + _FILLER
                 + r"(?<![0-9])([1-9]\d{4,10})(?![0-9@.A-Za-z])")


@register
class QQ(Detector):
    kind, placeholder, priority = "qq", "[QQ]", 2
    label = N_("QQ number")
    cues = ("QQ", "qq", "Qq", "扣扣", "企鹅")  # _QQ's cue words

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        for m in _QQ.finditer(text):
            yield m.span(1)


_WECHAT = re.compile(r"(?<![A-Za-z])(?:微信|WeChat|Wechat|wechat|WECHAT|weixin|Weixin|[VvWw][Xx]|[Vv]信|威信)(?!群|支付|红包)"
                     r"(" + _FILLER + r")(?<![A-Za-z0-9_-])([A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9@])")
# After a cue with a marker (号, id, a colon) any id is taken; after a bare cue, only one with a digit,
# "_" or "-" in it, so "my WeChat is beautiful" is no id.
_MARKED = re.compile(r"号|id|ID|Id|:|：")
_HANDLE = re.compile(r"[0-9_-]")


@register
class WeChat(Detector):
    kind, placeholder, priority = "wechat", "[微信]", 2
    label = N_("WeChat id")
    cues = ("微信", "WeChat", "Wechat", "wechat", "WECHAT", "weixin", "Weixin", "V信", "v信", "威信",
            *(a + b for a in "VvWw" for b in "Xx"))  # _WECHAT's cue words

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        for m in _WECHAT.finditer(text):
            if _MARKED.search(m.group(1)) or _HANDLE.search(m.group(2)):
                yield m.span(2)
