"""Referrals (consent or emergency, partner feedback by link), follow-ups (rhythm, volunteers, escalation), experts."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import policies, selectors
from cases.alerts.models import Notification
from cases.follow_ups.models import FollowUp
from cases.models import FollowUpKind, ReferralStatus, Tier
from cases.referrals.models import Referral
from cases.services import consultations as consultation_services
from cases.services import follow_ups as follow_up_services
from cases.services import notes as note_services
from cases.services import referrals as referral_services
from cases.services import tiers as tier_services
from centers.audit.models import AuditEvent
from centers.models import Role
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(center):
    return PartnerFactory(center=center, name="区精神卫生中心")


def test_a_referral_needs_consent_or_a_recorded_emergency(open_case, counselor, partner):
    with pytest.raises(ValidationError):
        referral_services.referral_create(
            case=open_case, partner=partner, basis="emergency", reason="住院评估", actor=counselor
        )
    with pytest.raises(ValidationError):
        referral_services.referral_create(case=open_case, partner=partner, basis="gossip", reason="x", actor=counselor)
    assert not Referral.objects.exists()
    referral_services.referral_create(
        case=open_case,
        partner=partner,
        basis="emergency",
        emergency_reason="有自伤行为",
        reason="住院评估",
        actor=counselor,
    )
    referral = Referral.objects.get()
    assert referral.status == ReferralStatus.SENT
    assert AuditEvent.objects.filter(action="case.disclose", detail__basis="emergency").exists()


def test_a_partner_of_another_center_is_refused(open_case, counselor, other_center):
    far = PartnerFactory(center=other_center)
    with pytest.raises(ValidationError):
        referral_services.referral_create(case=open_case, partner=far, basis="consent", reason="x", actor=counselor)


def test_referral_status_follows_its_path(open_case, counselor, partner):
    referral = referral_services.referral_create(
        case=open_case, partner=partner, basis="consent", reason="x", actor=counselor
    )
    with pytest.raises(ValidationError):
        referral_services.referral_update(referral=referral, actor=counselor, status=ReferralStatus.COMPLETED)
    referral_services.referral_update(referral=referral, actor=counselor, status=ReferralStatus.ACCEPTED)
    referral_services.referral_update(
        referral=referral, actor=counselor, status=ReferralStatus.COMPLETED, feedback="已完成评估"
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.COMPLETED and referral.completed_at and referral.feedback == "已完成评估"
    # Feedback triggers a re-assessment task for the case's counselors.
    task = FollowUp.objects.open().get(case=open_case, kind=FollowUpKind.REASSESSMENT)
    assert task.assigned_to == counselor


def test_the_partner_link_works_once_and_shows_only_that_referral(client, client_for, open_case, counselor, partner):
    referral = referral_services.referral_create(
        case=open_case, partner=partner, basis="consent", reason="请评估用药", actor=counselor
    )
    response = client_for(counselor).post(reverse("cases:referral_update", args=[referral.pk]), {"make_link": "1"})
    page = response.content.decode()
    url = page.split('<code class="text-break">')[1].split("</code>")[0]
    path = url.replace("http://testserver", "")
    client.logout()
    response = client.get(path)
    assert "no-store" in response["Cache-Control"]  # an anonymous page with a person's referral
    page = response.content.decode()
    assert "请评估用药" in page and "陈小明" not in page and "13611112222" not in page
    response = client.post(path, {"status": ReferralStatus.ACCEPTED, "feedback": "已接收，下周复诊"})
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED and referral.feedback_via_link
    assert FollowUp.objects.open().filter(case=open_case, kind=FollowUpKind.REASSESSMENT).exists()
    assert client.get(path).status_code == 404
    assert client.post(path, {"status": ReferralStatus.COMPLETED, "feedback": "again"}).status_code == 404


def test_the_partner_link_expires(client, open_case, counselor, partner):
    referral = referral_services.referral_create(
        case=open_case, partner=partner, basis="consent", reason="x", actor=counselor
    )
    _link, token = referral_services.referral_link_create(referral=referral, actor=counselor)
    with time_machine.travel(timezone.now() + dt.timedelta(days=8)):
        assert client.get(reverse("cases:partner_feedback", args=[token])).status_code == 404
    assert client.get(reverse("cases:partner_feedback", args=["made-up-token"])).status_code == 404


def test_an_unused_partner_link_dies_when_the_referral_is_finished(client, open_case, counselor, partner):
    referral = referral_services.referral_create(
        case=open_case, partner=partner, basis="consent", reason="x", actor=counselor
    )
    referral_services.referral_update(
        referral=referral, status=ReferralStatus.ACCEPTED, feedback="电话确认已接收", actor=counselor
    )
    _link, token = referral_services.referral_link_create(referral=referral, actor=counselor)
    assert client.get(reverse("cases:partner_feedback", args=[token])).status_code == 200
    # The counselor records the completion by phone: the link the partner never used stops working.
    referral_services.referral_update(
        referral=referral, status=ReferralStatus.COMPLETED, feedback="已完成评估", actor=counselor
    )
    assert client.get(reverse("cases:partner_feedback", args=[token])).status_code == 404
    response = client.post(reverse("cases:partner_feedback", args=[token]), {"status": "completed", "feedback": "晚到"})
    assert response.status_code == 404
    referral.refresh_from_db()
    assert "晚到" not in referral.feedback


def test_partner_feedback_must_not_be_empty(client, open_case, counselor, partner):
    referral = referral_services.referral_create(
        case=open_case, partner=partner, basis="consent", reason="x", actor=counselor
    )
    _link, token = referral_services.referral_link_create(referral=referral, actor=counselor)
    response = client.post(reverse("cases:partner_feedback", args=[token]), {"status": "accepted", "feedback": ""})
    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SENT


@pytest.mark.parametrize(("tier", "days"), [(Tier.GENERAL, 30), (Tier.SERIOUS, 14), (Tier.HIGH_RISK, 7)])
def test_follow_ups_by_tier_and_next_after_done(open_case, counselor, on_duty, tier, days):
    if tier != Tier.GENERAL:
        tier_services.case_set_tier(case=open_case, tier=tier, actor=counselor, reason="x")
    follow_up = FollowUp.objects.open().get(case=open_case, kind=FollowUpKind.REGULAR)
    assert dt.timedelta(days=days - 1) < follow_up.due_at - timezone.now() <= dt.timedelta(days=days)
    follow_up_services.follow_up_complete(follow_up=follow_up, actor=counselor, reached=True, outcome="电话随访")
    nxt = FollowUp.objects.open().get(case=open_case, kind=FollowUpKind.REGULAR)
    assert nxt.pk != follow_up.pk and dt.timedelta(days=days - 1) < nxt.due_at - timezone.now()


def test_a_volunteer_takes_a_follow_up_and_sees_contact_data_not_clinical_notes(
    client_for, open_case, counselor, volunteer
):
    note_services.note_add(case=open_case, actor=counselor, body="童年创伤")
    assert policies.can_take_follow_up(volunteer, open_case)
    follow_up = FollowUp.objects.open().get(case=open_case)
    follow_up_services.follow_up_assign(follow_up=follow_up, assignee=volunteer, actor=counselor)
    client = client_for(volunteer)
    tasks = client.get(reverse("cases:volunteer_tasks")).content.decode()
    assert "陈小明" in tasks and "13611112222" in tasks
    page = client.get(reverse("cases:follow_up_done", args=[follow_up.pk])).content.decode()
    assert "13611112222" in page and "童年创伤" not in page and "失眠" not in page
    assert client.get(open_case.get_absolute_url()).status_code == 404
    response = client.post(
        reverse("cases:follow_up_done", args=[follow_up.pk]), {"reached": "1", "outcome": "已联系，状态平稳"}
    )
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.done_by == volunteer


def test_a_volunteer_of_another_station_may_not_take_it(open_case, counselor, make_staff, other_station):
    stranger = make_staff(Role.VOLUNTEER, station=other_station)
    assert not policies.can_take_follow_up(stranger, open_case)
    follow_up = FollowUp.objects.open().get(case=open_case)
    with pytest.raises(ValidationError):
        follow_up_services.follow_up_assign(follow_up=follow_up, assignee=stranger, actor=counselor)
    with pytest.raises(PermissionDenied):
        follow_up_services.follow_up_complete(follow_up=follow_up, actor=stranger, reached=True)


def test_overdue_follow_ups_surface_and_escalate_once(client_for, open_case, counselor, supervisor):
    follow_up = FollowUp.objects.open().get(case=open_case)
    FollowUp.objects.filter(pk=follow_up.pk).update(due_at=timezone.now() - dt.timedelta(days=2))
    page = client_for(counselor).get(reverse("cases:workspace")).content.decode()
    assert "overdue" in page or "逾期" in page
    assert follow_up_services.follow_ups_escalate_due() == 1
    assert follow_up_services.follow_ups_escalate_due() == 0
    assert Notification.objects.filter(follow_up=follow_up, user=supervisor, channel="workspace").count() == 1


def test_experts_see_only_the_cases_they_are_consulted_on(client_for, open_case, counselor, expert, person, center):
    client = client_for(expert)
    assert client.get(open_case.get_absolute_url()).status_code == 404
    consultation = consultation_services.consultation_request(
        case=open_case, expert=expert, question="风险评估？", actor=counselor
    )
    assert client.get(open_case.get_absolute_url()).status_code == 200
    assert open_case.reference in client.get(reverse("cases:consultations")).content.decode()
    client.post(reverse("cases:consultation_advise", args=[consultation.pk]), {"advice": "建议转介精神专科"})
    consultation.refresh_from_db()
    assert consultation.advice == "建议转介精神专科"
    page = client_for(counselor).get(open_case.get_absolute_url()).content.decode()
    assert "建议转介精神专科" in page
    assert "已提请" in page and "已出具意见" in page, "the timeline names both steps in Chinese"
    assert "requested" not in page and "advised" not in page
    assert list(selectors.case_list(user=expert)) == []


def test_only_an_expert_of_the_center_can_be_consulted(open_case, counselor, other_counselor):
    with pytest.raises(ValidationError):
        consultation_services.consultation_request(
            case=open_case, expert=other_counselor, question="x", actor=counselor
        )
