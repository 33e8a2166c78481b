"""The maintained list of risk phrases for online conversations (issue 10), Chinese and English.

A match only lifts the conversation to the top of the queue and marks it; the counselor, not this list,
decides the tier. The list errs towards flagging, but a single word is never enough: "笑死我了",
"killing time" or "dead line" must not raise an alarm. Two mechanisms keep harmless text quiet:

- phrases, not words: "想死" or "kill myself", never "死" or "kill" alone;
- harmless idioms (``HARMLESS``) are removed before matching, so "想死你了" (I miss you so much) or
  "kill them with kindness" do not match "想死" or "kill them".

To maintain: add a phrase to its category with a test in tests/consult/test_risk_phrases.py, and add any
harmless idiom it would wrongly catch to HARMLESS with a no-alarm test.
"""

from __future__ import annotations

import re
import unicodedata

from .consult_models import RiskCategory

# Chinese: plain substrings (Chinese has no word boundaries; each phrase is specific on its own).
ZH_PHRASES: dict[str, tuple[str, ...]] = {
    RiskCategory.SUICIDE: (
        "自杀",
        "想死",
        "不想活",
        "活不下去",
        "活着没意思",
        "活着没有意义",
        "轻生",
        "寻死",
        "结束生命",
        "结束自己的生命",
        "了结自己",
        "了断自己",
        "一了百了",
        "跳楼",
        "跳河",
        "上吊",
        "喝农药",
        "烧炭",
        "遗书",
        "安眠药全吃",
        "吞药",
        "不如死了",
        "死了算了",
        "去死",
    ),
    RiskCategory.SELF_HARM: ("自残", "自伤", "割腕", "伤害自己", "划自己", "割自己", "打自己"),
    RiskCategory.HARM_OTHERS: (
        "杀了他",
        "杀了她",
        "杀了他们",
        "杀了你",
        "弄死他",
        "弄死她",
        "捅死",
        "砍死",
        "同归于尽",
        "报复社会",
        "想杀人",
        "杀人",
    ),
    RiskCategory.ABUSE: (
        "家暴",
        "家庭暴力",
        "被打",
        "他打我",
        "她打我",
        "爸爸打我",
        "妈妈打我",
        "性侵",
        "强奸",
        "猥亵",
        "虐待",
        "被欺负",
        "霸凌",
    ),
}

# English: regular expressions on whole words (matched case-insensitively after normalising).
EN_PATTERNS: dict[str, tuple[str, ...]] = {
    RiskCategory.SUICIDE: (
        r"\bsuicid(?:e|al)\b",
        r"\bkill(?:ing)? myself\b",
        r"\b(?:want|wanna|going|gonna|plan(?:ning)?) (?:to )?die\b",
        r"\bend (?:my life|it all)\b",
        r"\btake my (?:own )?life\b",
        r"\b(?:do not|don't|dont) want to (?:live|be alive|wake up)\b",
        r"\bno reason to live\b",
        r"\bbetter off dead\b",
        r"\boverdos(?:e|ing)\b",
        r"\bhang myself\b",
        r"\bjump (?:off|from) (?:a|the) (?:bridge|building|roof)\b",
    ),
    RiskCategory.SELF_HARM: (
        r"\bself[- ]?harm(?:ing)?\b",
        r"\b(?:hurt|hurting|cut|cutting|burn|burning|harm|harming) myself\b",
    ),
    RiskCategory.HARM_OTHERS: (
        r"\bkill (?:him|her|them|you|my \w+)\b",
        r"\b(?:hurt|shoot|stab) (?:him|her|them|someone|people)\b",
        r"\bmake (?:him|her|them) pay\b",
    ),
    RiskCategory.ABUSE: (
        r"\babus(?:e|ed|es|ing|ive)\b",
        r"\b(?:he|she|they|dad|father|mum|mom|mother|husband|wife|boyfriend|girlfriend|partner) "
        r"(?:hits|hit|beats|beat|kicks|kicked|chokes|choked) me\b",
        r"\brap(?:e|ed)\b",
        r"\bmolest(?:ed|s|ing)?\b",
        r"\bdomestic violence\b",
    ),
}

# Harmless idioms removed before matching (Chinese substrings; English regular expressions).
HARMLESS_ZH: tuple[str, ...] = (
    "想死你",  # 想死你了: I miss you so much
    "想死我了",  # (someone) misses me so much
    "杀人游戏",  # a party game
    "自杀式袭击",  # news about attacks, not the writer
    "被打扰",  # disturbed
    "被打动",  # moved (by a story)
    "被打败",  # beaten (in a game)
    "被打断",  # interrupted
    "被打击",  # discouraged
    "打自己的脸",  # contradict oneself
    "打自己脸",
)
HARMLESS_EN: tuple[str, ...] = (
    r"\bkill them with kindness\b",
    r"\bkill(?:ing)? time\b",
    r"\bsuicide squad\b",
    r"\bdrug abuse awareness\b",
    r"\bkill you with kindness\b",
    r"\b(?:going|gonna) to die (?:of|from) (?:embarrassment|boredom|laughter|laughing)\b",
)

_EN = {category: tuple(re.compile(p) for p in patterns) for category, patterns in EN_PATTERNS.items()}
_HARMLESS_EN = tuple(re.compile(p) for p in HARMLESS_EN)


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, straight apostrophes, single spaces; no spaces between Chinese."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("\u2019", "'")
    text = re.sub(r"\s+", " ", text)
    # "想 死" or "自-杀" still read as the phrase: drop spaces and joiners between CJK characters.
    return re.sub(r"(?<=[\u4e00-\u9fff])[\s\-_.·*]+(?=[\u4e00-\u9fff])", "", text)


def risk_categories(text: str) -> list[str]:
    """The risk categories a message touches (in the order of RiskCategory), or [] for none."""
    text = normalise(text)
    for idiom in HARMLESS_ZH:
        text = text.replace(idiom, " ")
    for pattern in _HARMLESS_EN:
        text = pattern.sub(" ", text)
    found = []
    for category in RiskCategory.values:
        if any(phrase in text for phrase in ZH_PHRASES.get(category, ())) or any(
            pattern.search(text) for pattern in _EN.get(category, ())
        ):
            found.append(category)
    return found
