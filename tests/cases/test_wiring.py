"""Where cases meets the other apps: a first booking online opens a case; only trained volunteers take follow-ups."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from appointments.services.booking import appointment_book
from cases import policies, tasks
from cases.follow_ups.models import FollowUp
from cases.models import Case, CaseEvent, Channel, EventKind
from cases.services import follow_ups, intake
from centers.community.training.services import training_record_add
from centers.models import Role
from tests.appointments.factories import SlotFactory, at
from tests.centers.community.factories import TrainingRecordFactory


@pytest.fixture(autouse=True)
def _english_messages(english):
    """These tests match the English wording of service messages; the default language is Chinese."""


@pytest.fixture
def booked(center, station, counselor, resident):
    slot = SlotFactory(center=center, station=station, counselor=counselor, starts_at=at(days=3))
    return appointment_book(slot=slot, resident=resident, booked_by=resident.user)


def test_a_first_session_booked_online_opens_a_case_once(booked, resident, station):
    assert tasks.sweep()["bookings_taken_in"] == 1
    case = Case.objects.get(resident=resident)
    assert case.channel == Channel.ONLINE_BOOKING and case.station == station
    # The next sweep finds nothing new: one case, one opening event.
    assert tasks.sweep()["bookings_taken_in"] == 0
    assert Case.objects.filter(resident=resident).count() == 1
    assert CaseEvent.objects.filter(case=case, kind=EventKind.OPENED).count() == 1


def test_a_first_booking_joins_the_case_a_screening_already_opened(booked, resident, center):
    case, created = intake.case_intake(
        resident=resident, center=center, channel=Channel.SCREENING, source="PHQ-9", actor=None
    )
    assert created
    assert intake.case_intake_from_bookings() == 1
    assert intake.case_intake_from_bookings() == 0
    assert Case.objects.filter(resident=resident).count() == 1
    assert CaseEvent.objects.filter(case=case, kind=EventKind.JOINED, to_value=Channel.ONLINE_BOOKING).count() == 1


def test_a_second_booking_is_no_new_intake(booked, resident, center, station, counselor):
    intake.case_intake_from_bookings()
    later = SlotFactory(center=center, station=station, counselor=counselor, starts_at=at(days=10))
    appointment_book(slot=later, resident=resident, booked_by=resident.user)
    assert intake.case_intake_from_bookings() == 0
    assert CaseEvent.objects.filter(case__resident=resident, kind=EventKind.JOINED).count() == 0


def test_a_volunteer_with_lapsed_training_gets_no_follow_up_until_renewed(
    open_case, counselor, make_staff, station, center, supervisor
):
    today = timezone.localdate()
    volunteer = make_staff(Role.VOLUNTEER, station=station)
    TrainingRecordFactory(
        center=center,
        user=volunteer,
        completed_on=today - dt.timedelta(days=400),
        certificate_expires_on=today - dt.timedelta(days=1),
    )
    follow_up = FollowUp.objects.open().get(case=open_case)
    assigned_before = follow_up.assigned_to
    assert not policies.can_take_follow_up(volunteer, open_case)
    with pytest.raises(ValidationError, match="training is not current"):
        follow_ups.follow_up_assign(follow_up=follow_up, assignee=volunteer, actor=counselor)
    follow_up.refresh_from_db()
    assert follow_up.assigned_to == assigned_before

    training_record_add(
        actor=supervisor,
        center=center,
        user=volunteer,
        course="心理志愿者复训",
        hours=4,
        completed_on=today,
        certificate_expires_on=today + dt.timedelta(days=365),
    )
    follow_ups.follow_up_assign(follow_up=follow_up, assignee=volunteer, actor=counselor)
    follow_up.refresh_from_db()
    assert follow_up.assigned_to == volunteer


def test_a_first_booking_cancelled_and_booked_again_is_taken_in_once(booked, resident, center, station, counselor):
    from appointments.services.booking import appointment_cancel

    intake.case_intake_from_bookings()
    appointment_cancel(appointment=booked, actor=resident.user)
    again = SlotFactory(center=center, station=station, counselor=counselor, starts_at=at(days=5))
    appointment_book(slot=again, resident=resident, booked_by=resident.user)
    assert intake.case_intake_from_bookings() == 0
    assert Case.objects.filter(resident=resident).count() == 1
