"""Intake: every channel opens a case, a new signal joins the open case, new risk reopens a closed one."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.alerts.models import CrisisAlert
from cases.follow_ups.models import FollowUp
from cases.models import Case, CaseEvent, Channel, EventKind, Stage, Tier
from cases.services import intake, tiers
from centers.audit.models import AuditEvent
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("channel", [c for c in Channel.values if c != Channel.HELP_NOW])
def test_every_channel_opens_a_case_with_channel_and_source(channel, person, counselor, center):
    case, created = intake.case_intake(
        resident=person, center=center, channel=channel, source="东风社区网格员", actor=counselor
    )
    assert created
    assert (case.channel, case.source, case.stage, case.tier) == (
        channel,
        "东风社区网格员",
        Stage.RELIEVE,
        Tier.GENERAL,
    )
    assert case.station == person.station
    assert case.events.filter(kind=EventKind.OPENED, to_value=channel).exists()
    assert AuditEvent.objects.filter(action="case.open", object_id=str(case.pk)).exists()


def test_online_booking_intake_as_the_lead_will_call_it(person, center):
    """The booking app calls case_intake for a first session booked online, the resident being the actor."""
    case, created = intake.case_intake(
        resident=person, center=center, channel=Channel.ONLINE_BOOKING, source="appointment 17", actor=person.user
    )
    assert created and case.channel == Channel.ONLINE_BOOKING


def test_help_now_intake_is_routed_as_high_risk(person, center, on_duty):
    case, created = intake.case_intake(
        resident=person, center=center, channel=Channel.HELP_NOW, source="", actor=None, callback_phone="13611112222"
    )
    assert created and case.tier == Tier.HIGH_RISK
    alert = CrisisAlert.objects.get(case=case)
    assert alert.callback_phone == "13611112222"


@pytest.mark.parametrize("second", Channel.values)
def test_a_new_signal_joins_the_open_case(second, person, counselor, center, on_duty):
    first, _ = intake.case_intake(resident=person, center=center, channel=Channel.HOTLINE, source="", actor=counselor)
    again, created = intake.case_intake(resident=person, center=center, channel=second, source="", actor=counselor)
    assert not created and again.pk == first.pk
    assert Case.objects.filter(resident=person).count() == 1
    assert first.events.filter(kind=EventKind.JOINED, to_value=second).exists()


def test_the_database_refuses_a_second_open_case(person, center):
    Case.objects.create(center=center, resident=person, channel=Channel.WALK_IN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(center=center, resident=person, channel=Channel.HOTLINE)


def test_a_person_may_have_open_cases_at_two_centers(person, counselor, center, other_center, far_counselor):
    far = ResidentFactory(center=other_center, station=None, full_name="陈小明")
    intake.case_intake(resident=person, center=center, channel=Channel.WALK_IN, source="", actor=counselor)
    _case, created = intake.case_intake(
        resident=far, center=other_center, channel=Channel.WALK_IN, source="", actor=far_counselor
    )
    assert created


def test_intake_refuses_a_person_of_another_center(person, other_center, counselor):
    with pytest.raises(ValidationError):
        intake.case_intake(resident=person, center=other_center, channel=Channel.WALK_IN, source="", actor=counselor)
    assert not Case.objects.exists()


def test_intake_refuses_an_unknown_channel(person, center, counselor):
    with pytest.raises(ValidationError):
        intake.case_intake(resident=person, center=center, channel="carrier_pigeon", source="", actor=counselor)


def test_new_risk_reopens_a_closed_case(open_case, counselor, center, on_duty):
    Case.objects.filter(pk=open_case.pk).update(stage=Stage.CLOSED, closed_at=timezone.now() - dt.timedelta(days=20))
    case, created = intake.case_intake(
        resident=open_case.resident,
        center=center,
        channel=Channel.SCREENING,
        source="",
        actor=counselor,
        tier=Tier.SERIOUS,
    )
    assert not created and case.pk == open_case.pk
    case.refresh_from_db()
    assert case.stage == Stage.ASSESS and case.tier == Tier.SERIOUS and case.closed_at is None
    assert case.events.filter(kind=EventKind.REOPENED).exists()


def test_a_general_contact_after_closure_opens_a_new_case(open_case, counselor, center):
    Case.objects.filter(pk=open_case.pk).update(stage=Stage.CLOSED, closed_at=timezone.now())
    case, created = intake.case_intake(
        resident=open_case.resident, center=center, channel=Channel.ONLINE_BOOKING, source="", actor=counselor
    )
    assert created and case.pk != open_case.pk


def test_routing_general_serious_high_risk(person, center, counselor, on_duty):
    now = timezone.now()
    case, _ = intake.case_intake(resident=person, center=center, channel=Channel.WALK_IN, source="", actor=counselor)
    assert abs((case.respond_by - case.opened_at) - dt.timedelta(hours=72)) < dt.timedelta(seconds=1)
    assert case.events.filter(kind=EventKind.ROUTED, to_value="station_counselors").exists()
    assert FollowUp.objects.get(case=case).due_at.date() == (now + dt.timedelta(days=30)).date()

    tiers.case_set_tier(case=case, tier=Tier.SERIOUS, actor=counselor, reason="情绪恶化")
    case.refresh_from_db()
    assert case.respond_by - now < dt.timedelta(hours=24, minutes=1)
    assert case.expert_review_by - now < dt.timedelta(hours=72, minutes=1)
    assert case.events.filter(kind=EventKind.ROUTED, to_value="center_counselors").exists()
    assert FollowUp.objects.open().get(case=case).due_at.date() == (now + dt.timedelta(days=14)).date()

    tiers.case_set_tier(case=case, tier=Tier.HIGH_RISK, actor=counselor, reason="表达自杀计划")
    case.refresh_from_db()
    assert case.respond_by - now < dt.timedelta(hours=1, minutes=1)
    assert case.crisis_phase == "during"
    assert CrisisAlert.objects.filter(case=case, acknowledged_at__isnull=True).count() == 1
    assert FollowUp.objects.open().get(case=case).due_at.date() == (now + dt.timedelta(days=7)).date()
    assert CaseEvent.objects.filter(case=case, kind=EventKind.TIER).count() == 2
