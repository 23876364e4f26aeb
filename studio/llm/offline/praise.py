"""What a full answer does well, for the offline teacher's Analysis: the structures it uses (each checked against
the words the student said before it is named), the good words in it, the plain words a richer one could replace,
and whether it already gives a reason (and whether that reason is a cause at all)."""

from __future__ import annotations

import random
import re
from functools import cache

_PEOPLE = ("family|parents|mum|dad|mother|father|friends?|best friend|classmates?|cousins?|brother|sister|"
           "grandparents|grandma|grandpa|deskmate|teachers?|neighbours?|team|aunt|uncle|partner|coach")
_ING_NOT_VERB = "(?!thing\\b|something\\b|anything\\b|nothing\\b|everything\\b|morning\\b|evening\\b|spring\\b|building\\b)"
#: Who does something, said before a frequency adverb and its verb ("I usually", "My dad always").
_SUBJECT = "I|we|you|they|he|she|people|everyone|(?:my|our|his|her|their) \\w+"
#: Words after a frequency adverb that are no verb ("never to", "always next", "usually after").
_NOT_AFTER_ADVERB = "(?!don\\b|doesn\\b|didn\\b|to\\b|about\\b|after\\b|before\\b|half\\b|now\\b|enough\\b|next\\b|very\\b|so\\b|\\w+ly\\b)"
#: A verb in the past after a frequency adverb ("He never gave up"): no habit of now.
_PAST = "\\w+ed|gave|did|made|took|went|forgot|knew|had|got|came|told|said|saw|felt|ate|was|were|wanted|thought"
#: A feeling the student names ("I am really curious", "I feel a bit nervous").
FEELINGS = ("curious|nervous|excited|happy|glad|sad|proud|worried|scared|afraid|calm|relaxed|confident|lonely|"
            "surprised|disappointed|tired|bored|angry|upset|shy|grateful|thankful|lucky|sorry|hopeful|moved")
#: Words after which a clause starts ("because there are …", "I think there is …").
_BEFORE_CLAUSE = "and but because so that if when as since think know hope sure where now".split()
#: Words before a verb of liking that make it one ("I like", "She really loves", "don't enjoy").
_LIKER = "I we you they he she people everyone really also both all don't doesn't do does did didn't always usually".split()
#: Structures worth naming, each with ways to say what it does; the matched words are quoted.
_FEATURES: list[tuple[re.Pattern[str], tuple[str, ...]]] = [(re.compile(p, re.I), notes) for p, notes in (
    (r"\bbecause [^,.!?]+", ("用 because 说明了理由", "用 because 引出原因，理由具体", "because 后面的原因说得很清楚",
                             "能用 because 把理由讲出来，这一点很好")),
    (r"\bwe could (?!understand|see|hear|not)\w+(?: \w+)?", ("用 could 提出建议，语气委婉", "用 We could … 提出想法，很自然")),
    (r"\b(?:would like to|'d like to) \w+", ("用 would like to 表达愿望，语气得体", "用 would like to 代替 want to，语气更礼貌")),
    (r"\b(?:am|'m|are|'re|is) going to \w+", ("用 be going to 说打算", "be going to 表示计划，用得对")),
    # after its subject the adverb comes before the verb ("She always knows", never "is always full")
    (rf"\b(?:{_SUBJECT}) (?:usually|always|often|sometimes|never) {_NOT_AFTER_ADVERB}(?!{_PAST}\b)[a-z]+(?:'t)?",
     ("用频率副词说明平时的习惯", "频率副词放在了实义动词前面，位置正确")),
    (rf"\b(?:{_SUBJECT}) (?:always|never|often) (?:{_PAST})\b", ("频率副词放在了实义动词前面，位置正确",)),
    (rf"\b(?:will|would|can|could|should|'ll|'d) (?:always|never|often|usually|sometimes) {_NOT_AFTER_ADVERB}[a-z]+(?:'t)?",
     ("频率副词放在了实义动词前面，位置正确",)),
    (r"\bwhen (?:I|we|he|she|they) \w+", ("用 when 引导时间状语从句，句式有变化", "when 从句交代了时间")),
    (r"\bif (?:I|we|he|she|they|it|you) [^,.!?]+, (?:I|we|he|she|they|it|you) (?:will|would|can|could|'ll)\b",
     ("用 if 引导条件状语从句，主句用了情态动词，结构完整", "条件句用得正确")),
    # the verb after its subject, never the "like" of "skills … like working with people"
    ("(?:" + "|".join(rf"(?<=\b{w} )" for w in _LIKER) + rf")(?:enjoys?|enjoyed|loves?|loved|likes?|liked) "
     rf"{_ING_NOT_VERB}\w+ing\b",
     ("{w1} 后面接了动名词 {wl}，用法正确", "{w1} 后面用动名词 {wl}，很地道")),
    (r"\b(?!rather\b|other\b|paper\b|water\b|never\b|ever\b|whether\b|number\b|teacher\b|computer\b|player\b|"
     r"dinner\b|summer\b|winter\b|after\b|together\b|either\b|neither\b)\w+er than\b|\bmore \w+ than\b", ("用比较级作比较，表达清楚", "比较级 … than 用得正确")),
    (r"\b(?:makes?|made) (?:me|us|him|her|them) (?:feel \w+|laugh|smile|cry|think|want|relax|forget|happy|sad|calm|"
     r"proud|nervous|tired|excited|stronger|better)\b", ("用 make sb. do/feel 说明带来的影响", "make + 宾语 + 补语，结构正确")),
    (r"\b(?:first|then|after that|finally)\b[^.!?]*(?<!because )(?<!as )(?<!since )\b(?:then|after that|finally)\b", ("用 first / then 按顺序叙述，条理清楚",)),
    (rf"\b(?:I|we) (?:am|'m|are|'re|was|were|feel|felt|will feel) (?:really |very |so |a bit |a little |quite |too )?"
     rf"(?:{FEELINGS})\b", ("说出了自己的感受", "把自己的感受也说了出来，很自然")),
    (r"\bso that [^,.!?]+", ("用 so that 说明目的，表达清楚",)),
    (r"\bso (?:I|we|he|she|they|it|my|our) [^,.!?]+", ("用 so 连接前后两部分，逻辑清楚", "so 把原因和结果连起来了")),
    (r"\b(?:It|it) (?:is|was) (?:easy|hard|difficult|fun|important|good|nice|interesting|exciting|necessary|possible|"
     r"great|useful|dangerous|safe|boring|healthy|cheap|expensive|easier|harder|better) (?:for \w+ )?to \w+",
     ("用 It is … to do 句型，结构地道", "形式主语 it 用得很好")),
    (r"\bnot only\b[^.!?]*\bbut also\b", ("用 not only … but also 连接两点",)),
    (r"\b(?:last|this|next) (?:week|weekend|month|year|summer|winter|term|Sunday|Saturday|night)\b",
     ("加上了具体时间，内容更清楚", "时间状语让回答更具体")),
    (rf"\bwith (?:my|our) (?:{_PEOPLE})\b", ("说明了和谁一起，信息具体", "交代了和谁一起")),
    # "there" starting a clause with its dummy subject, never the adverb of "The fish there is very fresh"
    ("(?:^|(?<=[,.;:!?] )|" + "|".join(rf"(?<=\b{w} )" for w in _BEFORE_CLAUSE) + r")there (?:is|are|was|were) [^,.!?]+",
     ("用 there be 句型描述，用法正确", "there be 句型用得对")),
    (r"\bhelps? (?:me|us|him|her|them) (?!with\b|to\b|in\b|on\b|at\b|a\b|the\b|for\b|more\b|most\b|a lot\b|out\b|"
     r"a\b|so\b|very\b|when\b|because\b|and\b)\w+",
     ("用 help sb. do 说明作用，结构正确",)),
    (r"\b(?:have|has|'ve) (?:been|had|seen|done|made|learned|learnt|practised|played|tried|visited|chatted|argued)\b",
     ("用现在完成时说明到现在为止的情况", "现在完成时用得准确")),
    (r"(?<!get )(?<!got )(?<!gets )(?<!getting )(?<!be )(?<!am )(?<!is )(?<!are )(?<!was )(?<!were )(?<!'m )"
     r"(?<!'re )(?<!not )\bused to (?!the\b|a\b|an\b|it\b|my\b|our\b|\w+ing\b)\w+",
     ("用 used to 说过去的习惯", "used to do 表示过去常常做，用得对")),
    (r"\b(?:get|got|gets|getting|be|am|is|are|was|were|'m|'re) used to \w+",
     ("用 get used to 表示“习惯于”，后面接名词或动名词，用得很好",)),
    (r"\bthe (?:most (?!because|and|but|so|as|since|of|in|at)\w+|best|worst|biggest|hardest|easiest|quietest|fastest|longest|cheapest|highest|oldest|"
     r"youngest|nicest|greatest|largest|smallest|closest|funniest|happiest|strongest) (?!because\b|and\b|but\b|so\b|as\b|since\b)\w+", ("用最高级突出重点",)),
    (r"\bboth (?!\w+ \w+ly\b)\w+(?: \w+)? and \w+", ("用 both … and 连接两个部分",)),
    (r"\b(?:takes?|took) (?:me|us|him|her) (?:about |only |almost )?\w+ (?:minutes|hours|days|weeks)\b",
     ("用 It takes sb. time 说明花费的时间", "take 表示花时间，用法正确")),
)]
#: Words a high-school answer does well to use, praised when the student uses one.
GOOD_WORDS = frozenset((
    "delicious comfortable convenient unforgettable patient responsible confident nervous exhausted relaxing "
    "relaxed exciting excited interesting interested amazing wonderful beautiful peaceful crowded healthy "
    "traditional modern popular friendly thoughtful creative independent careful helpful useful valuable "
    "meaningful terrible disappointed surprised proud brave calm lonely curious honest polite generous "
    "prefer suggest decide practise practice improve protect reduce recycle explore celebrate organise "
    "organize prepare remind encourage imagine discover experience environment tradition atmosphere culture "
    "memory memories opportunity challenge advantage disadvantage schedule timetable volunteer neighbour "
    "neighbours responsibility confidence energy habit habits skill skills instead together especially "
    "definitely finally usually carefully slowly quickly"
).split())
#: Plain words and a richer word the student could use next time (each swap keeps the meaning).
UPGRADES = (("very good", "excellent"), ("very happy", "delighted"), ("very tired", "exhausted"),
            ("very big", "huge"), ("very small", "tiny"), ("very interesting", "fascinating"),
            ("very important", "essential"), ("very hungry", "starving"), ("very beautiful", "stunning"),
            ("very cold", "freezing"), ("very hot", "boiling hot"), ("very difficult", "really tough"),
            ("a lot of", "plenty of"), ("very nice", "lovely"))

_PREPOSITIONS = frozenset("in on at for with from to about after before during of by into".split())
FUNCTION_WORDS = frozenset("the a an to of in on at for with and or my our your his her their its very so but".split())


def _quoted(text: str, m: re.Match[str]) -> str:
    """What a feature quotes: the match carried on to the end of its clause ("We could give small" → "We could
    give small prizes to the classes"), at most seven words, never ending on a word like "the" or "to"."""
    end = re.search(r"[,.;!?]|$", text[m.end():])
    words = (m.group(0) + text[m.end(): m.end() + end.start()] if end else m.group(0)).split()
    least = len(m.group(0).split())
    if len(words) > max(least, 7):  # cut before a phrase it would break: "feel sleepy in the first" → "feel sleepy"
        whole, words = words, words[: max(least, 7)]
        cut = [i for i in range(least, len(words)) if words[i].lower() in _PREPOSITIONS]
        if cut:
            words = words[: cut[-1]]
        elif len(whole) > 10:  # nowhere to cut: the structure alone, never "buy her a warm" for "… a warm scarf"
            words = words[:least]
        else:
            words = whole
    while len(words) > least and words[-1].lower() in FUNCTION_WORDS:
        words.pop()
    if words and words[0].startswith("'"):  # "'m going to order" → "I'm going to order"
        before = re.findall(r"[A-Za-z]+$", text[: m.start()])
        words[0] = (before[0] if before else "") + words[0]
    return " ".join(words)


#: A because-clause that says what the choice will let happen ("because I can learn the basics early", "because
#: nobody gets stuck"): a purpose or a result rather than a cause, never praised as a clear reason.
_NOT_A_CAUSE = re.compile(r"\bbecause (?:then )?(?:(?:I|we|you|they|he|she|it|people|everyone) (?:can|could|will|'ll)\b|"
                          r"(?:nobody|no one|everyone|everybody) (?:gets|will|can|has to)\b)", re.I)
#: A main clause that plans or proposes ("I will take online courses", "We could change jobs"): what its
#: because-clause lets happen is its purpose. After a liking or a fact ("I like the recorded lessons, because I
#: can watch the hard parts again") the same words are a reason, and right as they are.
_PLAN = re.compile(r"\b(?:will|'ll|could|would|'d|should|shall|going to|plan to|plans to)\b", re.I)


def purpose_after_because(text: str) -> re.Match[str] | None:
    """The because-clause of ``text`` that says a purpose or a result, not a cause ("We could change jobs every
    week, because nobody gets stuck …"), or None."""
    m = _NOT_A_CAUSE.search(text)
    if m is None:
        return None
    head = re.split(r"[.!?;]", text[: m.start()])[-1]
    if not _PLAN.search(head):
        return None
    subject = re.match(r"\s*(?:(?:well|hmm|actually|to be honest|so|oh),?\s+)*(I|we)\b", head, re.I)
    after = re.sub(r"^then ", "", text[m.start() + len("because "):]).split(" ", 1)[0].lower()
    # the plan's own subject ("I will take online courses, because I can …") or a result for all ("nobody gets …")
    return m if subject and (after == subject.group(1).lower() or after in ("nobody", "everyone", "everybody")
                             or after == "no") else None


#: Words for one thing said twice in other words ("trees … forests", "birds … animals"): a reason that says its
#: answer again in them explains nothing.
_KIN = {"forest": "tree", "wood": "tree", "bird": "animal", "insect": "animal", "pet": "animal", "film": "movie",
        "cinema": "movie", "sport": "game", "match": "game", "study": "learn", "lesson": "class"}
_LITTLE = frozenset("that this there with from they them their have very much really also many some more most "
                    "because about what when will would could should like just want need make feel think good".split())


def _stems(text: str) -> set[str]:
    words = (w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 3 and w not in _LITTLE)
    stems = {w[:-3] + "y" if w.endswith("ies") else w[:-1] if w.endswith("s") and not w.endswith("ss")
             else re.sub(r"(?:ing|ed)$", "", w) for w in words}
    return {_KIN.get(w, w) for w in stems}


def circular_reason(text: str) -> bool:
    """Whether the because-clause of ``text`` says its main clause again ("Trees are homes for birds, because many
    animals need forests": trees and birds again, two of its words or their kin): a reason that explains nothing,
    never praised."""
    m = re.search(r"^(?P<main>[^.!?]*?),?\s+because\s+(?P<why>[^,.!?;]+)", text, re.I)
    return m is not None and len(_stems(m.group("main")) & _stems(m.group("why"))) >= 2


def features(text: str, rng: random.Random, most: int = 2, said: str | None = None) -> list[str]:
    """Structures ``text`` uses, each named with its words quoted (only words the student said, ``said``)."""
    found = []
    for pattern, notes in _FEATURES:
        m = pattern.search(text)
        if m and notes is _FEATURES[0][1] and (purpose_after_because(text) or circular_reason(text)):
            continue
        if m and said is not None and _quoted(text, m).strip().lower() not in said.lower():
            continue
        if m:
            words = m.group(0).split()
            note = rng.choice(notes).format(w1=words[0], wl=words[-1])
            found.append(f"{note}（\"{_quoted(text, m).strip()}\"）")
    rng.shuffle(found)
    found.sort(key=lambda f: "感受" not in f)  # a feeling the student said is always praised
    return found[:most]


def good_word(text: str, rng: random.Random) -> str | None:
    text = re.sub(r"\bto be honest\b", "", text, flags=re.I)  # a spoken opener, not a word the student chose
    words = sorted({w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in GOOD_WORDS})
    return rng.choice(words) if words else None


#: A reason already given, however it is linked: because, as, since, so, that's why, the reason is …
_GIVES_REASON = re.compile(r"\b(?:because|'cause|since|that's why|that is why|the reason|thanks to|due to)\b|"
                           r"(?:,|\bjust|\bespecially)\s+(?:as|so)\b|"
                           r"\bso (?:I|we|you|he|she|it|they|my|our|his|her|their|the|there|that|it's|I'm)\b|"
                           r"\bas (?:I|we|you|he|she|it|they|my|our|his|her|their|the|there|this|it's|I'm)\b", re.I)
def gives_reason(text: str) -> bool:
    """Whether an answer already gives a reason ("…, as she can make changes", "That's why …")."""
    return bool(_GIVES_REASON.search(text))


_SPOKEN_OPENER = re.compile(r"^(?:(?:actually|well|hmm|to be honest|honestly|em+|um+|oh|yes|yeah),?\s+)+", re.I)


def _plain(sentence: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", _SPOKEN_OPENER.sub("", sentence.strip()).lower()))


@cache
def _names() -> frozenset[str]:
    """Words the cards write with a capital inside a sentence ("Grandma", "Harry", "WeChat"): kept so when a
    sentence is joined to another."""
    from studio.llm.offline.cards import load_cards

    found: set[str] = set()
    lower: set[str] = set()
    for card in load_cards().values():
        for q in card.questions:
            for text in [q.ask, q.more, *(t.text for t in q.then), *(o.say for o in q.options),
                         *(w for o in q.options for w in o.why)]:
                found.update(re.findall(r"(?<=[a-z,] )[A-Z][A-Za-z']*", text))
                lower.update(re.findall(r"\b[a-z][a-z']*", text))
    # a word the cards also write in lower case ("The Little Prince", "the") is a name only as a family name
    return frozenset({w for w in found if w.lower() not in lower} | {"I", "I'm", "I'd", "I'll", "I've", "Grandma",
                                                                      "Grandpa", "Mum", "Dad"})


@cache
def _card_reasons() -> dict[str, frozenset[str]]:
    """Every card's sentences and the reasons it gives them (an answer's ``say`` and each ``why``, a follow-up
    answer "A, because B." as A and B), each as plain words."""
    from studio.llm.offline.cards import load_cards

    found: dict[str, set[str]] = {}
    for card in load_cards().values():
        for q in card.questions:
            for o in q.options:
                found.setdefault(_plain(o.say), set()).update(_plain(w) for w in o.why)
            for t in q.then:
                m = re.match(r"^(?P<head>[^,]+), because (?P<tail>[^,]+)\.$", t.text)
                if m:
                    found.setdefault(_plain(m.group("head")), set()).add(_plain(m.group("tail")))
    return {k: frozenset(v) for k, v in found.items()}


def reason_said_apart(text: str) -> tuple[str, str] | None:
    """When ``text`` is two sentences, the second its first one's reason said on its own ("Grandma will probably
    want to help. She loves cooking for the family."): that second sentence and the two joined with because
    ("Grandma will probably want to help, because she loves cooking for the family."); otherwise None."""
    parts = [p.strip() for p in re.findall(r"[^.!?]+[.!?]?", text.strip()) if p.strip()]
    if len(parts) != 2 or gives_reason(parts[0]) or not parts[0].endswith("."):
        return None
    first, second = parts
    if _plain(second) not in _card_reasons().get(_plain(first), ()):
        return None
    head = _SPOKEN_OPENER.sub("", first).rstrip(".")
    head = head[:1].upper() + head[1:]
    why = second.rstrip(".!")
    first = why.split(" ", 1)[0]
    why = why if first in _names() else why[:1].lower() + why[1:]
    return second, f"{head}, because {why}."


def second_sentence(text: str) -> bool:
    """Whether ``text`` says a second sentence after its answer, which adds something the teacher should not ask
    for again as if nothing had followed ("I liked the goodbye scene. It made me cry.")."""
    return len([p for p in re.findall(r"[^.!?]+", text) if len(p.split()) >= 2]) >= 2
