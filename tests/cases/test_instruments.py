"""Instruments are scored by code: every band edge, PHQ-9 item 9, ASQ acuity, and refused input."""

import pytest
from django.core.exceptions import ValidationError

from cases.instruments import ASQ, GAD7, INSTRUMENTS, PHQ9
from tests.cases.conftest import ASQ_ACUTE, ASQ_NEGATIVE, ASQ_NON_ACUTE, gad7, phq9


@pytest.fixture(autouse=True)
def _english_messages(english):
    """These tests match the English wording of service messages; the default language is Chinese."""


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_bands_at_each_edge(score, band):
    result = PHQ9.score(phq9(score))
    assert (result.score, result.band) == (score, band)


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_bands_at_each_edge(score, band):
    result = GAD7.score(gad7(score))
    assert (result.score, result.band) == (score, band)


@pytest.mark.parametrize("item9", [0, 1, 2])
def test_phq9_item9_is_reported(item9):
    assert PHQ9.score(phq9(3 + item9, item9=item9)).item9 == item9


def test_asq_negative_non_acute_and_acute():
    negative = ASQ.score(ASQ_NEGATIVE)
    non_acute = ASQ.score(ASQ_NON_ACUTE)
    acute = ASQ.score(ASQ_ACUTE)
    assert (negative.positive, negative.acute, negative.band) == (False, False, "negative")
    assert (non_acute.positive, non_acute.acute, non_acute.band) == (True, False, "positive")
    assert (acute.positive, acute.acute, acute.band) == (True, True, "acute")


def test_asq_yes_without_the_acuity_answer_is_refused():
    with pytest.raises(ValidationError, match="last question"):
        ASQ.score({"q1": 1, "q2": 0, "q3": 0, "q4": 0})


def test_missing_answers_are_named():
    answers = phq9(5)
    del answers["q3"]
    del answers["q7"]
    with pytest.raises(ValidationError) as exc:
        PHQ9.score(answers)
    assert "3, 7" in str(exc.value)


@pytest.mark.parametrize("bad", [4, -1, "x", 2.5])
def test_out_of_range_answers_are_refused(bad):
    answers = phq9(0)
    answers["q2"] = bad
    with pytest.raises(ValidationError, match="not among the choices"):
        PHQ9.score(answers)


def test_every_instrument_has_chinese_and_english_wording():
    for instrument in INSTRUMENTS.values():
        assert instrument.name.zh and instrument.name.en
        for item in instrument.items:
            assert item.text.zh and item.text.en and item.text.zh != item.text.en
