"""Code-switching: an English answer with Chinese words in it ("I think 这个 movie is very 有意思"),
made from an English answer and read back, each Chinese word with the English it stands for.

Learners switch to Chinese for the word they cannot find: a feeling, a thing, a place, or a
discourse word ("我觉得", "因为"). The table below is both ways: the injector puts the Chinese in
place of the English, and the detector gives the English for a Chinese word it knows. Pure.
"""

from __future__ import annotations

import random
import re

from studio.domain.grammar import Correction
from studio.domain.language import Language, chinese_words, language_of

#: English (a word or phrase, lower case) → the Chinese a learner says instead.
WORDS: dict[str, str] = {
    # feelings and opinions
    "fun": "好玩", "interesting": "有意思", "delicious": "好吃", "boring": "无聊", "exciting": "刺激",
    "relaxed": "放松", "relaxing": "放松", "tired": "累", "tiring": "累", "happy": "开心", "excited": "兴奋",
    "nervous": "紧张", "proud": "骄傲", "worried": "担心", "calm": "平静", "special": "特别", "important": "重要",
    "difficult": "难", "easy": "简单", "beautiful": "漂亮", "comfortable": "舒服", "quiet": "安静", "cheap": "便宜",
    "expensive": "贵", "creative": "有创意", "responsible": "负责任", "unforgettable": "难忘", "great": "很棒",
    "healthy": "健康", "useful": "有用", "popular": "受欢迎", "convenient": "方便", "crowded": "拥挤",
    # people
    "friends": "朋友", "friend": "朋友", "family": "家人", "parents": "父母", "sister": "姐姐", "brother": "哥哥",
    "cousin": "表哥", "classmates": "同学", "classmate": "同学", "deskmate": "同桌", "teacher": "老师",
    "teachers": "老师", "neighbour": "邻居", "grandparents": "爷爷奶奶", "grandma": "奶奶",
    # school and time
    "school": "学校", "homework": "作业", "exam": "考试", "exams": "考试", "weekend": "周末", "weekends": "周末",
    "holiday": "假期", "summer": "夏天", "winter": "冬天", "club": "社团", "term": "学期",
    # food
    "dinner": "晚饭", "lunch": "午饭", "breakfast": "早饭", "food": "食物", "dumplings": "饺子",
    "mooncakes": "月饼", "cake": "蛋糕", "noodles": "面条", "tea": "茶", "snacks": "零食", "fruit": "水果",
    # things and activities
    "movie": "电影", "movies": "电影", "film": "电影", "films": "电影", "music": "音乐", "basketball": "篮球",
    "football": "足球", "table tennis": "乒乓球", "badminton": "羽毛球", "guitar": "吉他", "piano": "钢琴",
    "calligraphy": "书法", "cartoons": "动画片", "museum": "博物馆", "museums": "博物馆", "library": "图书馆",
    "park": "公园", "market": "市场", "flea market": "跳蚤市场", "city": "城市", "phone": "手机", "video": "视频",
    "videos": "视频", "games": "游戏", "books": "书", "stories": "故事", "history": "历史", "science": "科学",
    "culture": "文化", "team": "球队", "experience": "经历", "advice": "建议", "problem": "问题",
    "confidence": "自信", "planet": "地球", "rubbish": "垃圾", "animals": "动物", "hiking": "爬山",
    "trip": "旅行", "picnic": "野餐", "festival": "节日", "subway": "地铁", "supermarket": "超市",
    # discourse (switched less often than the words above: :data:`DISCOURSE`)
    "i think": "我觉得", "because": "因为", "really": "真的", "maybe": "可能", "actually": "其实",
    "together": "一起", "usually": "通常",
}
DISCOURSE = frozenset(("i think", "because", "really", "maybe", "actually", "together", "usually"))
#: Chinese → the English it stands for: the table's words for it, "/" between them, a plural left
#: out beside its singular ("累" → "tired/tiring", "朋友" → "friend").
ENGLISH: dict[str, str] = {}
for _chinese in dict.fromkeys(WORDS.values()):
    _all = [e for e, c in WORDS.items() if c == _chinese]
    ENGLISH[_chinese] = "/".join(e for e in _all if not (e.endswith("s") and e[:-1] in _all))

_SPOTS = re.compile(r"\b(" + "|".join(sorted((re.escape(w) for w in WORDS), key=len, reverse=True)) + r")\b", re.I)
#: Said first when no word of the answer is in the table: "其实 I went hiking …" ("Actually, …").
LEAD = ("其实", "actually")
NOTE = "这里用了中文，英语要说 '{en}'"


def inject_mixed(text: str, rng: random.Random, count: int = 2) -> tuple[str, list[Correction]]:
    """``text`` with one to ``count`` of its words said in Chinese, and the corrections giving the
    English back. Each switch must leave the answer mixed (not Chinese) with that word read as a
    Chinese word (not a name); a text with no word of the table gets a Chinese opening word."""
    # a content word (a feeling, a thing) is switched before a discourse word three times in four
    spots = sorted(_SPOTS.finditer(text), key=lambda m: rng.random() * (3 if m.group(0).lower() in DISCOURSE else 1))
    want = rng.randint(1, count)
    chosen: list[re.Match[str]] = []
    out = text
    for m in spots:
        if len(chosen) == want:
            break
        if any(m.start() < c.end() and c.start() < m.end() for c in chosen):
            continue
        trial = _switched(text, [*chosen, m])
        chinese = WORDS[m.group(0).lower()]
        if language_of(trial) is Language.MIXED and chinese in chinese_words(trial):
            chosen.append(m)
            out = trial
    if chosen:
        return out, [Correction(WORDS[m.group(0).lower()], m.group(0), "mixed.word",
                                NOTE.format(en=m.group(0))) for m in sorted(chosen, key=lambda c: c.start())]
    lead = f"{LEAD[0]} {text.lstrip()}"
    if language_of(lead) is not Language.MIXED:
        return text, []
    return lead, [Correction(LEAD[0], LEAD[1], "mixed.word", NOTE.format(en=LEAD[1]))]


def _switched(text: str, spots: list[re.Match[str]]) -> str:
    for m in sorted(spots, key=lambda c: -c.start()):
        text = text[: m.start()] + WORDS[m.group(0).lower()] + text[m.end():]
    return text


def english_for(text: str) -> list[Correction]:
    """Each Chinese word of ``text`` the table knows, with its English (in the order they come)."""
    return [Correction(word, ENGLISH[word], "mixed.word", NOTE.format(en=ENGLISH[word]))
            for word in dict.fromkeys(chinese_words(text)) if word in ENGLISH]
