"""Risk phrases in Chinese and English: a phrase marks a conversation; a harmless word never does."""

import pytest

from cases.consult.risk_phrases import risk_categories


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("我真的不想活了", "suicide"),
        ("最近总想自杀", "suicide"),
        ("活不下去了，想一了百了", "suicide"),
        ("我想 死", "suicide"),  # spaces between characters do not hide it
        ("昨晚又割腕了", "self_harm"),
        ("忍不住伤害自己", "self_harm"),
        ("我想杀了他", "harm_others"),
        ("想和他们同归于尽", "harm_others"),
        ("爸爸打我，经常家暴", "abuse"),
        ("I want to kill myself", "suicide"),
        ("I've been feeling SUICIDAL lately", "suicide"),
        ("I just want to end it all", "suicide"),
        ("I don't want to live anymore", "suicide"),
        ("ｉ ｗａｎｔ ｔｏ ｄｉｅ", "suicide"),  # full-width letters
        ("I keep cutting myself", "self_harm"),
        ("self-harm again last night", "self_harm"),
        ("I could kill him for this", "harm_others"),
        ("my husband beats me", "abuse"),
        ("I was abused as a child", "abuse"),
    ],
)
def test_a_risk_phrase_is_found(text, category):
    assert category in risk_categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "笑死我了",
        "好久不见，想死你了！",
        "今天累死了，热死了",
        "周末玩杀人游戏",
        "不好意思被打扰了",
        "这部电影让我被打动了",
        "I am just killing time before my appointment",
        "the dead line is on Friday",
        "the deadline is killing me, haha",
        "Kill them with kindness, my grandma says",
        "we watched Suicide Squad",
        "I'm going to die of embarrassment",
        "my brother beat me at chess",
        "",
    ],
)
def test_harmless_text_raises_no_alarm(text):
    assert risk_categories(text) == []


def test_several_categories_at_once():
    assert risk_categories("他打我，我想自杀") == ["suicide", "abuse"]
