"""Recall and false-alarm rate of the risk phrases on a corpus of 200+ risky and 200+ harmless sentences.

Floors (docs/cases.md says why): recall at least 95 %, false alarms at most 3 %. Run with -s to see the
measured figures and the sentences that miss or alarm.
"""

import pytest

from cases.consult.risk_phrases import raises_alert, risk_categories
from tests.consult.risk_corpus import HARMLESS, RISKY

RECALL_FLOOR = 0.95
FALSE_ALARM_CEILING = 0.03


def test_the_corpus_is_large_and_has_no_repeats():
    assert len(RISKY) >= 200 and len(HARMLESS) >= 200
    assert len(set(RISKY)) == len(RISKY) and len(set(HARMLESS)) == len(HARMLESS)
    assert not set(RISKY) & set(HARMLESS)


def test_recall_and_false_alarm_rate_meet_their_floors():
    missed = [text for text in RISKY if not risk_categories(text)]
    alarms = [text for text in HARMLESS if risk_categories(text)]
    recall = 1 - len(missed) / len(RISKY)
    false_alarms = len(alarms) / len(HARMLESS)
    print(f"\nrecall {recall:.1%} ({len(RISKY) - len(missed)}/{len(RISKY)}); missed: {missed}")
    print(f"false alarms {false_alarms:.1%} ({len(alarms)}/{len(HARMLESS)}): {alarms}")
    assert recall >= RECALL_FLOOR, f"recall {recall:.1%} below {RECALL_FLOOR:.0%}; missed: {missed}"
    assert false_alarms <= FALSE_ALARM_CEILING, f"false alarms {false_alarms:.1%}: {alarms}"


@pytest.mark.parametrize(
    "text",
    [
        "活腻了",
        "想不开",
        "我撑不下去了",
        "好想从楼上跳下去",
        "我吃了一整瓶安眠药",
        "我想自殺",
        "最近總想輕生",
        "想紫砂",
        "kms",
        "I want to kill myself",
        "我不想活了，药已经准备好了",
        "I took a whole bottle of sleeping pills",
    ],
)
def test_the_common_ways_of_saying_it_raise_an_alert(text):
    assert raises_alert(risk_categories(text))


@pytest.mark.parametrize(
    "text", ["笑死我了", "累死了", "热死了", "饿死了", "this joke kills me", "紫砂壶泡茶", "跳楼价大甩卖"]
)
def test_harmless_idioms_stay_quiet(text):
    assert risk_categories(text) == []


def test_abuse_marks_the_conversation_without_a_crisis_alert():
    found = risk_categories("我在学校被欺负")
    assert found == ["abuse"] and not raises_alert(found)
