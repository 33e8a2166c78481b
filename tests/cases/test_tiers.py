"""Tier rules from screenings (thresholds per center), counselor judgement, leaving high-risk."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from cases.instruments import ASQ, GAD7, PHQ9
from cases.models import EventKind, Tier
from cases.services import screenings as screening_services
from cases.services import tiers as tier_services
from tests.cases.conftest import ASQ_ACUTE, ASQ_NEGATIVE, ASQ_NON_ACUTE, gad7, phq9

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("instrument", "answers", "tier"),
    [
        (ASQ, ASQ_ACUTE, Tier.HIGH_RISK),
        (ASQ, ASQ_NON_ACUTE, Tier.SERIOUS),
        (ASQ, ASQ_NEGATIVE, Tier.GENERAL),
        (PHQ9, phq9(4, item9=2), Tier.HIGH_RISK),
        (PHQ9, phq9(4, item9=1), Tier.SERIOUS),
        (PHQ9, phq9(14, item9=0), Tier.GENERAL),
        (PHQ9, phq9(15, item9=0), Tier.SERIOUS),
        (GAD7, gad7(14), Tier.GENERAL),
        (GAD7, gad7(15), Tier.SERIOUS),
    ],
)
def test_tier_rules_from_screenings(center, instrument, answers, tier):
    result = instrument.score(answers)
    assert screening_services.tier_for_result(center=center, instrument=instrument.code, result=result)[0] == tier


def test_thresholds_are_per_center(center):
    center.phq9_serious_threshold = 10
    center.gad7_serious_threshold = 12
    assert (
        screening_services.tier_for_result(center=center, instrument="phq9", result=PHQ9.score(phq9(10)))[0]
        == Tier.SERIOUS
    )
    assert (
        screening_services.tier_for_result(center=center, instrument="gad7", result=GAD7.score(gad7(12)))[0]
        == Tier.SERIOUS
    )


def test_judgement_needs_a_reason(open_case, counselor):
    with pytest.raises(ValidationError, match="reason"):
        tier_services.case_set_tier(case=open_case, tier=Tier.SERIOUS, actor=counselor, reason="  ")
    open_case.refresh_from_db()
    assert open_case.tier == Tier.GENERAL


def test_lowering_from_serious_is_a_counselor_decision_with_reason(open_case, counselor):
    tier_services.case_set_tier(case=open_case, tier=Tier.SERIOUS, actor=counselor, reason="睡眠差")
    tier_services.case_set_tier(case=open_case, tier=Tier.GENERAL, actor=counselor, reason="好转")
    open_case.refresh_from_db()
    assert open_case.tier == Tier.GENERAL
    event = open_case.events.filter(kind=EventKind.TIER).first()
    assert (event.from_value, event.to_value, event.reason, event.actor) == ("2", "1", "好转", counselor)
    with translation.override("en"):
        assert (event.from_label, event.to_label) == ("Serious", "General")


def test_leaving_high_risk_needs_the_supervisor(open_case, counselor, supervisor, on_duty):
    tier_services.case_set_tier(case=open_case, tier=Tier.HIGH_RISK, actor=counselor, reason="自杀计划")
    tier_services.case_set_tier(case=open_case, tier=Tier.SERIOUS, actor=counselor, reason="危机已解除")
    open_case.refresh_from_db()
    assert open_case.tier == Tier.HIGH_RISK and open_case.pending_tier == Tier.SERIOUS
    with pytest.raises(ValidationError) as refused:  # the proposer: refused with who can confirm
        tier_services.case_confirm_tier(case=open_case, actor=counselor, approve=True)
    assert supervisor.display_name in refused.value.messages[0]
    tier_services.case_confirm_tier(case=open_case, actor=supervisor, approve=True, reason="同意")
    open_case.refresh_from_db()
    assert open_case.tier == Tier.SERIOUS and open_case.pending_tier is None
    assert open_case.crisis_phase == "after"


def test_the_supervisor_may_refuse(open_case, counselor, supervisor, on_duty):
    tier_services.case_set_tier(case=open_case, tier=Tier.HIGH_RISK, actor=counselor, reason="自杀计划")
    tier_services.case_set_tier(case=open_case, tier=Tier.GENERAL, actor=counselor, reason="好转")
    tier_services.case_confirm_tier(case=open_case, actor=supervisor, approve=False, reason="仍需观察")
    open_case.refresh_from_db()
    assert open_case.tier == Tier.HIGH_RISK and open_case.pending_tier is None


def test_signals_never_lower_a_tier(open_case, counselor, on_duty):
    tier_services.case_set_tier(case=open_case, tier=Tier.SERIOUS, actor=counselor, reason="x")
    screening_services.screening_submit(
        resident=open_case.resident, instrument="phq9", answers=phq9(2), actor=counselor, case=open_case
    )
    open_case.refresh_from_db()
    assert open_case.tier == Tier.SERIOUS


def test_a_counselor_of_another_station_cannot_change_the_tier(open_case, other_counselor):
    with pytest.raises(PermissionDenied):
        tier_services.case_set_tier(case=open_case, tier=Tier.SERIOUS, actor=other_counselor, reason="x")


def test_list_rows_name_tier_stage_and_kind_as_the_display_methods_do():
    """The rows' fast labels (choice_label) say what get_FOO_display() says, in Chinese, and show an
    unknown stored value as it is."""
    from django.utils import translation

    from cases.follow_ups.models import FollowUp
    from cases.models import Case, FollowUpKind, Stage, Tier, choice_label

    with translation.override("zh-hans"):
        case = Case(tier=Tier.HIGH_RISK, stage=Stage.ASSESS)
        assert (case.tier_label, case.stage_label) == (case.get_tier_display(), case.get_stage_display())
        assert str(case.tier_label) == "高危"
        follow_up = FollowUp(kind=FollowUpKind.REGULAR)
        assert follow_up.kind_label == follow_up.get_kind_display()
    assert choice_label(Stage, "retired_stage") == "retired_stage"
