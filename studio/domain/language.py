"""Which language a student's utterance is in: English, Chinese, or English with Chinese words in it.

The one classifier behind every "did the student answer in English?" question: the fault
detectors, the contract's checks, the offline teacher and the importer. A Chinese name or a
well-known place in an English sentence ("My friend 李明 likes basketball.") is English; a book
or film title in 《》 is a name too.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache


class Language(StrEnum):
    ENGLISH = "english"
    MIXED = "mixed"  # English with Chinese words in it ("I think 这个 movie is very 有意思")
    CHINESE = "chinese"


#: Chinese characters an English word weighs as: a Chinese word is one to two characters, so
#: "我喜欢 basketball" is Chinese with an English word, "I think 这个 movie is very 有意思" English
#: with Chinese words.
CHARS_PER_WORD = 1.5
#: Above this share of Chinese characters (against themselves and the English words, each
#: :data:`CHARS_PER_WORD` characters; names left out) an utterance is Chinese; at or below it,
#: with any Chinese word, it is mixed.
CHINESE_SHARE = 0.5

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
_TITLE = re.compile(r"《[^》]*》")

#: The common single-character surnames, and the compound ones.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤付")
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "慕容", "司徒", "令狐", "皇甫", "公孙")
#: Places a learner writes in Chinese inside an English sentence, as a name.
PLACES = frozenset(
    "中国 北京 上海 广州 深圳 杭州 南京 西安 成都 重庆 武汉 天津 苏州 长沙 青岛 厦门 昆明 大连 哈尔滨 拉萨 桂林 三亚 "
    "香港 澳门 台湾 云南 四川 西藏 新疆 海南 长城 故宫 黄山 泰山 西湖 丽江 敦煌 黄河 长江".split())
#: Words that begin like a surname but are words, not names: 高兴 is "glad", not Mr Gao Xing.
NOT_NAMES = frozenset(
    "高兴 高中 高铁 高楼 高山 高大 马上 马路 马车 方便 方法 方面 方向 方块 白色 白天 白菜 白云 黄色 黄瓜 金色 金牌 金子 "
    "钱包 常常 万一 石头 石油 田野 叶子 夏天 夏令营 许多 周末 周围 周年 曾经 韩国 熊猫 谢谢 任何 任务 程序 严重 严格 "
    "雷雨 顾客 毛衣 毛笔 毛巾 汤圆 汤面 龙舟 龙虾 龙井 江边 江湖 林子 武术 段落 贺卡 黎明 陆地 钟头 范围 何必 何时 "
    "杜鹃 宋朝 唐朝 秦朝 戴上 陶瓷 余下 丁香 姜汤 陈旧 杨树 孙子 张开 刘海 胡同 胡萝卜 罗盘 肖像 董事 王国 王子 李子 "
    "付钱 苏打 孟加拉".split())


def _is_name(run: str) -> bool:
    if run in PLACES:
        return True
    if run in NOT_NAMES:
        return False
    if run.startswith(COMPOUND_SURNAMES):
        return 3 <= len(run) <= 4
    return 2 <= len(run) <= 3 and run[0] in SURNAMES


def chinese_words(text: str) -> list[str]:
    """The runs of Chinese characters in ``text`` that are words, not names or 《titles》."""
    return [run for run in HAN.findall(_TITLE.sub(" ", text)) if not _is_name(run)]


@lru_cache(maxsize=65536)
def language_of(text: str) -> Language:
    """English, mixed or Chinese. Text without English letters but with Chinese characters is
    Chinese (a name on its own included); with English words, names and titles are English and
    the other Chinese characters decide by their share (:data:`CHINESE_SHARE`)."""
    if not HAN.search(text):
        return Language.ENGLISH
    words = len(_WORD.findall(text))
    if not words:
        return Language.CHINESE
    han = sum(len(run) for run in chinese_words(text))
    if not han:
        return Language.ENGLISH
    return Language.CHINESE if han / (han + CHARS_PER_WORD * words) > CHINESE_SHARE else Language.MIXED
