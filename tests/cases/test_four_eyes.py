"""Four eyes on the riskiest decisions: no closure while high-risk, and leaving high-risk or signing off a
once-high-risk closure needs a second person (another supervisor, or the deputy of a single-supervisor center)."""

from __future__ import annotations

import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from cases.alerts.models import Notification
from cases.models import Case, EventKind, Stage, Tier
from cases.services import alerts as alert_services
from cases.services import closure as closure_services
from cases.services import tiers as tier_services
from cases.services import workflow as workflow_services
from centers.audit.models import AuditEvent
from centers.middleware import LAST_SEEN_KEY
from centers.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages(english):
    """The refusals are matched in English; the default language is Chinese."""


@pytest.fixture
def second_supervisor(make_staff):
    return make_staff(Role.SUPERVISOR, display_name="吴督导", email="wu@example.cn")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time())
    session.save()
    return client


def _high_risk_in_follow_up(case, counselor, on_duty) -> Case:
    """A case made high-risk by judgement, its alert acknowledged, walked to follow-up (访)."""
    tier_services.case_set_tier(case=case, tier=Tier.HIGH_RISK, actor=counselor, reason="有自杀计划")
    alert_services.alert_acknowledge(alert=case.alerts.get(), actor=on_duty)
    for stage in (Stage.ASSESS, Stage.DISPATCH, Stage.INTERVENE, Stage.FOLLOW_UP):
        case = workflow_services.case_transition(case=Case.objects.get(pk=case.pk), to_stage=stage, actor=counselor)
    return Case.objects.get(pk=case.pk)


def _lowered(case, proposer, confirmer) -> Case:
    tier_services.case_set_tier(case=case, tier=Tier.SERIOUS, actor=proposer, reason="危机已解除")
    tier_services.case_confirm_tier(case=Case.objects.get(pk=case.pk), actor=confirmer, approve=True, reason="同意")
    return Case.objects.get(pk=case.pk)


# --- closing while high-risk ------------------------------------------------------------------------------


def test_a_high_risk_case_cannot_be_closed_and_the_refusal_names_who_can_lower_it(
    open_case, counselor, supervisor, second_supervisor, on_duty
):
    case = _high_risk_in_follow_up(open_case, counselor, on_duty)
    closure_services.reassessment_record(case=case, actor=counselor, judged_tier=Tier.GENERAL, rationale="好转")
    with pytest.raises(ValidationError) as refused:
        closure_services.case_close(case=case, actor=supervisor, summary="稳定")
    text = " ".join(refused.value.messages)
    assert "still high-risk" in text and "吴督导" in text and "周督导" not in text  # not the one asking
    assert Case.objects.get(pk=case.pk).stage == Stage.FOLLOW_UP


def test_a_latest_reassessment_of_high_risk_blocks_closure(open_case, counselor, supervisor, on_duty):
    case = _lowered(_high_risk_in_follow_up(open_case, counselor, on_duty), counselor, supervisor)
    closure_services.reassessment_record(case=case, actor=counselor, judged_tier=Tier.GENERAL, rationale="好转")
    closure_services.reassessment_record(case=case, actor=counselor, judged_tier=Tier.HIGH_RISK, rationale="又出现计划")
    with pytest.raises(ValidationError, match="latest re-assessment judged the person high-risk"):
        closure_services.case_close(case=case, actor=counselor, summary="x")
    closure_services.reassessment_record(case=case, actor=counselor, judged_tier=Tier.GENERAL, rationale="稳定两周")
    assert closure_services.case_close(case=case, actor=counselor, summary="x").closure_requested_at is not None


def test_closing_a_high_risk_case_through_the_page_is_refused_with_the_reason(
    open_case, counselor, supervisor, on_duty
):
    case = _high_risk_in_follow_up(open_case, counselor, on_duty)
    closure_services.reassessment_record(case=case, actor=counselor, judged_tier=Tier.GENERAL, rationale="好转")
    response = _client(counselor).post(reverse("cases:case_close", args=[case.pk]), {"summary": "结束"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "still high-risk" in page and "周督导" in page
    assert Case.objects.get(pk=case.pk).stage == Stage.FOLLOW_UP
    assert "结束" in page  # what the counselor typed is kept


# --- leaving high-risk ---------------------------------------------------------------------------------------


def test_a_supervisor_cannot_lower_high_risk_alone_and_a_second_supervisor_can(
    open_case, counselor, supervisor, second_supervisor, on_duty
):
    case = _high_risk_in_follow_up(open_case, counselor, on_duty)
    case = tier_services.case_set_tier(case=case, tier=Tier.GENERAL, actor=supervisor, reason="好转")
    case.refresh_from_db()
    assert case.tier == Tier.HIGH_RISK and case.pending_tier == Tier.GENERAL  # a proposal, not a change
    with pytest.raises(ValidationError) as refused:
        tier_services.case_confirm_tier(case=case, actor=supervisor, approve=True)
    assert "You proposed leaving high-risk yourself" in refused.value.messages[0]
    assert "吴督导" in refused.value.messages[0]
    assert Case.objects.get(pk=case.pk).tier == Tier.HIGH_RISK
    tier_services.case_confirm_tier(case=case, actor=second_supervisor, approve=True, reason="复核同意")
    case.refresh_from_db()
    assert case.tier == Tier.GENERAL and case.pending_tier is None
    tier_event = case.events.filter(kind=EventKind.TIER).first()
    assert tier_event.actor == second_supervisor


def test_leaving_high_risk_through_the_pages_with_two_supervisors(
    open_case, counselor, supervisor, second_supervisor, on_duty
):
    case = _high_risk_in_follow_up(open_case, counselor, on_duty)
    first, second = _client(supervisor), _client(second_supervisor)
    first.post(reverse("cases:case_tier", args=[case.pk]), {"tier": Tier.SERIOUS, "reason": "危机解除"})
    page = first.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert 'data-testid="tier-signers"' in page and "吴督导" in page
    assert reverse("cases:case_tier_confirm", args=[case.pk]) not in page  # no button for the proposer
    refused = first.post(reverse("cases:case_tier_confirm", args=[case.pk]), {"approve": "1", "reason": ""})
    assert refused.status_code == 400
    assert "You proposed leaving high-risk yourself" in refused.content.decode()
    assert Case.objects.get(pk=case.pk).tier == Tier.HIGH_RISK
    page = second.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert reverse("cases:case_tier_confirm", args=[case.pk]) in page
    accepted = second.post(reverse("cases:case_tier_confirm", args=[case.pk]), {"approve": "1", "reason": "同意"})
    assert accepted.status_code == 302
    assert Case.objects.get(pk=case.pk).tier == Tier.SERIOUS


# --- sign-off of a once-high-risk closure ------------------------------------------------------------------


def test_self_sign_off_is_refused_and_a_second_supervisor_signs_off(
    open_case, counselor, supervisor, second_supervisor, on_duty
):
    case = _lowered(_high_risk_in_follow_up(open_case, counselor, on_duty), counselor, second_supervisor)
    closure_services.reassessment_record(case=case, actor=supervisor, judged_tier=Tier.GENERAL, rationale="稳定")
    case = closure_services.case_close(case=case, actor=supervisor, summary="稳定三个月")
    assert case.stage == Stage.FOLLOW_UP and case.closure_requested_by == supervisor  # a supervisor too waits
    with pytest.raises(ValidationError) as refused:
        closure_services.case_sign_off(case=case, actor=supervisor)
    assert "You closed this case yourself" in refused.value.messages[0] and "吴督导" in refused.value.messages[0]
    assert Case.objects.get(pk=case.pk).stage == Stage.FOLLOW_UP
    case = closure_services.case_sign_off(case=case, actor=second_supervisor)
    assert case.stage == Stage.CLOSED and case.signed_off_by == second_supervisor
    assert AuditEvent.objects.filter(action="case.close", actor=second_supervisor).exists()


def test_sign_off_through_the_pages_with_two_supervisors(open_case, counselor, supervisor, second_supervisor, on_duty):
    case = _lowered(_high_risk_in_follow_up(open_case, counselor, on_duty), counselor, second_supervisor)
    closure_services.reassessment_record(case=case, actor=counselor, judged_tier=Tier.GENERAL, rationale="稳定")
    first, second = _client(supervisor), _client(second_supervisor)
    assert first.post(reverse("cases:case_close", args=[case.pk]), {"summary": "结案"}).status_code == 302
    refused = first.post(reverse("cases:case_sign_off", args=[case.pk]))
    assert refused.status_code == 400
    text = refused.content.decode()
    assert 'data-testid="four-eyes-error"' in text and "You closed this case yourself" in text and "吴督导" in text
    assert Case.objects.get(pk=case.pk).stage == Stage.FOLLOW_UP
    assert second.post(reverse("cases:case_sign_off", args=[case.pk])).status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED and case.signed_off_by == second_supervisor
    page = second.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "signed off by" in page and "吴督导" in page


# --- a center with a single supervisor ---------------------------------------------------------------------


def test_a_single_supervisor_center_is_told_to_name_a_deputy_and_the_deputy_confirms(
    open_case, counselor, supervisor, make_staff, center, on_duty
):
    deputy = make_staff(Role.COUNSELOR, display_name="副组长钱老师")  # center-wide counselor
    case = _high_risk_in_follow_up(open_case, counselor, on_duty)
    tier_services.case_set_tier(case=case, tier=Tier.SERIOUS, actor=supervisor, reason="好转")
    with pytest.raises(ValidationError, match="name a deputy"):
        tier_services.case_confirm_tier(case=Case.objects.get(pk=case.pk), actor=supervisor, approve=True)
    # Not yet the deputy: a counselor without a station does not reach a case assigned to someone else.
    with pytest.raises(PermissionDenied):
        tier_services.case_confirm_tier(case=Case.objects.get(pk=case.pk), actor=deputy, approve=True)
    center.deputy_supervisor = deputy
    center.full_clean()
    center.save()
    page = _client(supervisor).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "副组长钱老师" in page
    response = _client(deputy).post(
        reverse("cases:case_tier_confirm", args=[case.pk]), {"approve": "1", "reason": "同意"}
    )
    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).tier == Tier.SERIOUS


def test_the_deputy_must_be_a_center_wide_counselor_or_supervisor(center, make_staff, station, counselor):
    official = make_staff(Role.OFFICIAL, display_name="街道干部")
    for person in (official, counselor):  # `counselor` works at one station only
        center.deputy_supervisor = person
        with pytest.raises(ValidationError, match="deputy must be an active counselor or supervisor"):
            center.full_clean()


def test_those_who_may_decide_are_told_and_the_proposer_is_not(
    open_case, counselor, supervisor, second_supervisor, on_duty
):
    case = _high_risk_in_follow_up(open_case, counselor, on_duty)
    tier_services.case_set_tier(case=case, tier=Tier.SERIOUS, actor=supervisor, reason="好转")
    asked = Notification.objects.filter(subject__contains=case.reference, subject__icontains="leaving high-risk")
    assert {row.user for row in asked} == {second_supervisor}
    assert set(asked.values_list("channel", flat=True)) == {"workspace", "email"}
    tier_services.case_confirm_tier(case=Case.objects.get(pk=case.pk), actor=second_supervisor, approve=True)
    closure_services.reassessment_record(case=case, actor=counselor, judged_tier=Tier.GENERAL, rationale="稳定")
    closure_services.case_close(case=Case.objects.get(pk=case.pk), actor=counselor, summary="结案")
    sign_off = Notification.objects.filter(subject__contains=case.reference, subject__icontains="sign-off")
    assert {row.user for row in sign_off} == {supervisor, second_supervisor}  # the counselor closed it
