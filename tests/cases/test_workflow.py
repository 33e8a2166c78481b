"""The 疏评转介访 state machine, crisis phase, special populations, closure with re-assessment and sign-off."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from cases.follow_ups.models import FollowUp
from cases.models import TRANSITIONS, Case, Channel, EventKind, FollowUpKind, Stage, Tier
from cases.services import alerts as alert_services
from cases.services import closure as closure_services
from cases.services import consultations as consultation_services
from cases.services import intake as intake_services
from cases.services import screenings as screening_services
from cases.services import tiers as tier_services
from cases.services import workflow as workflow_services
from centers.audit.models import AuditEvent


@pytest.fixture(autouse=True)
def _english_messages(english):
    """These tests match the English wording of service messages; the default language is Chinese."""


pytestmark = pytest.mark.django_db

PATH = [Stage.ASSESS, Stage.DISPATCH, Stage.INTERVENE, Stage.FOLLOW_UP]


def _walk(case, actor, stages=PATH):
    for stage in stages:
        case = workflow_services.case_transition(case=case, to_stage=stage, actor=actor, reason=f"to {stage}")
    return case


def test_the_full_path_records_each_transition(open_case, counselor):
    case = _walk(open_case, counselor)
    assert case.stage == Stage.FOLLOW_UP
    events = list(case.events.filter(kind=EventKind.STAGE).order_by("at", "pk"))
    assert [(e.from_value, e.to_value) for e in events] == [
        ("relieve", "assess"),
        ("assess", "dispatch"),
        ("dispatch", "intervene"),
        ("intervene", "follow_up"),
    ]
    assert all(e.actor == counselor and e.reason.startswith("to ") for e in events)
    assert AuditEvent.objects.filter(action="case.stage").count() == 4


ALL = [s.value for s in Stage]
ILLEGAL = [(a, b) for a in ALL for b in ALL if b not in TRANSITIONS[a]]


@pytest.mark.parametrize(("from_stage", "to_stage"), ILLEGAL)
def test_illegal_transitions_are_refused(open_case, counselor, from_stage, to_stage):
    Case.objects.filter(pk=open_case.pk).update(
        stage=from_stage, closed_at=timezone.now() if from_stage == Stage.CLOSED else None
    )
    open_case.refresh_from_db()
    with pytest.raises(ValidationError):
        workflow_services.case_transition(case=open_case, to_stage=to_stage, actor=counselor)
    open_case.refresh_from_db()
    assert open_case.stage == from_stage


def test_crisis_phase_shows_and_changes(open_case, counselor, client_for):
    workflow_services.case_set_phase(case=open_case, phase="after", actor=counselor)
    page = client_for(counselor).get(open_case.get_absolute_url()).content.decode()
    assert 'data-testid="phase"' in page
    assert open_case.events.filter(kind=EventKind.PHASE, to_value="after").exists()


def test_special_populations_show_and_shorten_the_rhythm(open_case, counselor, client_for):
    assert FollowUp.objects.open().get(case=open_case).due_at - timezone.now() > dt.timedelta(days=29)
    workflow_services.case_set_tags(case=open_case, tags=["community_correction"], actor=counselor)
    follow_up = FollowUp.objects.open().get(case=open_case)
    assert dt.timedelta(days=13) < follow_up.due_at - timezone.now() <= dt.timedelta(days=14)
    page = client_for(counselor).get(open_case.get_absolute_url()).content.decode()
    assert 'data-testid="tag"' in page
    with pytest.raises(ValidationError):
        workflow_services.case_set_tags(case=open_case, tags=["vip"], actor=counselor)


def test_closure_needs_reassessment_and_summary(open_case, counselor):
    case = _walk(open_case, counselor)
    with pytest.raises(ValidationError) as exc:
        closure_services.case_close(case=case, actor=counselor, summary="")
    assert len(exc.value.messages) == 2
    closure_services.reassessment_record(case=case, actor=counselor, judged_tier=Tier.GENERAL, rationale="情绪稳定")
    case = closure_services.case_close(case=case, actor=counselor, summary="目标达成")
    assert case.stage == Stage.CLOSED and case.closed_at
    assert not FollowUp.objects.open().filter(case=case).exists()  # a general case has no post-closure follow-ups


def test_only_a_case_in_follow_up_closes(open_case, counselor):
    closure_services.reassessment_record(case=open_case, actor=counselor, judged_tier=Tier.GENERAL, rationale="x")
    with pytest.raises(ValidationError, match="follow-up"):
        closure_services.case_close(case=open_case, actor=counselor, summary="x")


def test_a_high_risk_case_needs_the_supervisor_sign_off_and_is_tracked_after(open_case, counselor, supervisor, on_duty):
    tier_services.case_set_tier(case=open_case, tier=Tier.HIGH_RISK, actor=counselor, reason="自杀意念")
    alert = open_case.alerts.get()
    alert_services.alert_acknowledge(alert=alert, actor=on_duty)
    case = _walk(Case.objects.get(pk=open_case.pk), counselor)
    tier_services.case_set_tier(case=case, tier=Tier.SERIOUS, actor=counselor, reason="危机解除")
    tier_services.case_confirm_tier(case=case, actor=supervisor, approve=True, reason="同意")
    case = Case.objects.get(pk=case.pk)
    closure_services.reassessment_record(case=case, actor=counselor, judged_tier=Tier.GENERAL, rationale="危机解除")
    case = closure_services.case_close(case=case, actor=counselor, summary="稳定")
    assert case.stage == Stage.FOLLOW_UP and case.closure_requested_at
    with pytest.raises(ValidationError, match="You closed this case yourself"):
        closure_services.case_sign_off(case=case, actor=counselor)
    case = closure_services.case_sign_off(case=case, actor=supervisor)
    assert case.stage == Stage.CLOSED and case.signed_off_by == supervisor
    post = FollowUp.objects.open().filter(case=case, kind=FollowUpKind.POST_CLOSURE).order_by("due_at")
    assert [round((f.due_at - case.closed_at).days) for f in post] == [30, 90]


def test_an_open_alert_blocks_closure(open_case, counselor, on_duty):
    tier_services.case_set_tier(case=open_case, tier=Tier.HIGH_RISK, actor=counselor, reason="x")
    case = _walk(Case.objects.get(pk=open_case.pk), counselor)
    closure_services.reassessment_record(case=case, actor=counselor, judged_tier=Tier.GENERAL, rationale="x")
    with pytest.raises(ValidationError, match="alert"):
        closure_services.case_close(case=case, actor=counselor, summary="x")


def test_new_risk_after_closure_reopens_and_needs_a_fresh_reassessment(open_case, counselor, center):
    case = _walk(open_case, counselor)
    closure_services.reassessment_record(case=case, actor=counselor, judged_tier=Tier.GENERAL, rationale="x")
    closure_services.case_close(case=case, actor=counselor, summary="x")
    again, created = intake_services.case_intake(
        resident=case.resident, center=center, channel=Channel.HOTLINE, source="", actor=counselor, tier=Tier.SERIOUS
    )
    assert not created and again.pk == case.pk and again.stage == Stage.ASSESS
    again = _walk(again, counselor, [Stage.DISPATCH, Stage.INTERVENE, Stage.FOLLOW_UP])
    with pytest.raises(ValidationError, match="Re-assess"):
        closure_services.case_close(case=again, actor=counselor, summary="x")


def test_closing_through_the_pages(client_for, counselor, open_case):
    from django.urls import reverse

    case = _walk(open_case, counselor)
    client = client_for(counselor)
    response = client.post(reverse("cases:case_close", args=[case.pk]), {"summary": "结束"})
    assert response.status_code == 400 and 'data-testid="close-errors"' in response.content.decode()
    client.post(
        reverse("cases:case_reassess", args=[case.pk]),
        {"judged_tier": Tier.GENERAL, "rationale": "稳定", "functioning_improved": "on"},
    )
    response = client.post(reverse("cases:case_close", args=[case.pk]), {"summary": "结束"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.stage == Stage.CLOSED


def test_first_contact_on_a_serious_case(client_for, open_case, counselor):
    from django.urls import reverse

    tier_services.case_set_tier(case=open_case, tier=Tier.SERIOUS, actor=counselor, reason="x")
    open_case.refresh_from_db()
    assert not open_case.response_done
    response = client_for(counselor).post(reverse("cases:case_contact", args=[open_case.pk]), {"reason": "电话联系"})
    assert response.status_code == 302
    open_case.refresh_from_db()
    assert open_case.first_contact_at and open_case.response_done
    assert AuditEvent.objects.filter(action="case.contact", detail__in_time=True).exists()
    with pytest.raises(ValidationError):
        alert_services.case_record_contact(case=open_case, actor=counselor)


def test_an_overdue_response_shows_in_the_queue(client_for, open_case, counselor):
    Case.objects.filter(pk=open_case.pk).update(assigned_at=None, respond_by=timezone.now() - dt.timedelta(hours=1))
    page = client_for(counselor).get(reverse_list()).content.decode()
    assert "已逾期" in page or "overdue" in page


def reverse_list():
    from django.urls import reverse

    return reverse("cases:case_list")


def test_missing_expert_review_surfaces_on_the_console(client_for, open_case, counselor, supervisor, expert):
    from django.urls import reverse

    tier_services.case_set_tier(case=open_case, tier=Tier.SERIOUS, actor=counselor, reason="x")
    Case.objects.filter(pk=open_case.pk).update(expert_review_by=timezone.now() - dt.timedelta(minutes=1))
    page = client_for(supervisor).get(reverse("cases:console")).content.decode()
    assert 'data-testid="expert-overdue"' in page and open_case.reference in page
    consultation_services.consultation_request(case=open_case, expert=expert, question="?", actor=counselor)
    page = client_for(supervisor).get(reverse("cases:console")).content.decode()
    assert 'data-testid="expert-overdue"' not in page


def test_giving_a_case_to_a_service_group(client_for, open_case, counselor, center, station):
    from django.urls import reverse

    from centers.models import ServiceGroup

    group = ServiceGroup.objects.create(center=center, station=station, name="青苗小组", need="youth")
    response = client_for(counselor).post(reverse("cases:case_group", args=[open_case.pk]), {"group": group.pk})
    assert response.status_code == 302
    open_case.refresh_from_db()
    assert open_case.service_group == group


def test_a_new_screening_in_follow_up_counts_as_the_reassessment(open_case, counselor):
    from tests.cases.conftest import phq9

    screening_services.screening_submit(
        resident=open_case.resident, instrument="phq9", answers=phq9(8), actor=counselor, case=open_case
    )
    case = _walk(open_case, counselor)
    with pytest.raises(ValidationError, match="Re-assess"):
        closure_services.case_close(case=case, actor=counselor, summary="x")  # the intake screening does not count
    screening_services.screening_submit(
        resident=case.resident, instrument="phq9", answers=phq9(3), actor=counselor, case=case
    )
    case = closure_services.case_close(case=Case.objects.get(pk=case.pk), actor=counselor, summary="复评 PHQ-9 3 分")
    assert case.stage == Stage.CLOSED


def test_the_timeline_shows_labels_not_codes(client_for, open_case, counselor):

    _walk(open_case, counselor, [Stage.ASSESS])
    with translation.override("en"):
        page = client_for(counselor).get(open_case.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    timeline = page.split('data-testid="timeline"')[1]
    assert "relieve" not in timeline and "station_counselors" not in timeline


def test_a_closed_case_takes_no_new_screening_or_alert(open_case, counselor):
    from tests.cases.conftest import phq9

    Case.objects.filter(pk=open_case.pk).update(stage=Stage.CLOSED, closed_at=timezone.now())
    open_case.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        screening_services.screening_submit(
            resident=open_case.resident, instrument="phq9", answers=phq9(22), actor=counselor, case=open_case
        )
    with pytest.raises(ValidationError, match="closed"):
        tier_services.alert_raise(case=open_case, actor=counselor, reason="x")
    assert not open_case.alerts.exists()
