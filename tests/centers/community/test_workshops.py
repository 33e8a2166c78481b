"""Registration, waiting list, cancellation, capacity and attendance of workshops."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from centers.audit.models import AuditEvent
from centers.community.models import Attendance, DutyStatus, RegistrationStatus, WorkshopRegistration
from centers.community.registrations import services as registration_services
from centers.community.selectors import groups_for_assignment
from centers.community.tasks import workshop_promotion_sweep, workshop_reminder_sweep
from centers.community.workshops import services as workshop_services
from centers.models import Role, ServiceGroup
from fucheng.celery import app
from tests.centers.community.factories import RegistrationFactory, WorkshopFactory
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def resident_with_account(center, station, **kw):
    return ResidentFactory(center=center, station=station, user=UserFactory(), **kw)


def register(workshop, resident, actor=None):
    return registration_services.workshop_register(workshop=workshop, resident=resident, actor=actor or resident.user)


def test_places_are_confirmed_until_full_then_the_waiting_list(workshop, center, station):
    people = [resident_with_account(center, station) for _ in range(4)]
    statuses = [register(workshop, person).status for person in people]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert AuditEvent.objects.filter(action="workshop.register").count() == 4


def test_a_resident_cannot_register_twice(workshop, resident):
    register(workshop, resident)
    with pytest.raises(ValidationError, match="already registered"):
        register(workshop, resident)
    assert WorkshopRegistration.objects.count() == 1


def test_a_guardian_registers_a_child_but_not_a_stranger(workshop, resident, center, station):
    child = ResidentFactory(center=center, station=station, guardian=resident, full_name="林小树")
    assert register(workshop, child, actor=resident.user).status == "confirmed"
    stranger = ResidentFactory(center=center, station=station)
    with pytest.raises(PermissionDenied):
        register(workshop, stranger, actor=resident.user)


def test_residents_of_another_center_and_closed_workshops_are_refused(workshop, other_center, resident, center):
    outsider = ResidentFactory(center=other_center, station=None, user=UserFactory())
    with pytest.raises(ValidationError, match="another center"):
        register(workshop, outsider)
    started = WorkshopFactory(center=center, starts_at=timezone.now() - dt.timedelta(minutes=5))
    with pytest.raises(ValidationError, match="already started"):
        register(started, resident)
    cancelled = WorkshopFactory(center=center, is_cancelled=True)
    with pytest.raises(ValidationError, match="cancelled"):
        register(cancelled, resident)


def test_cancelling_a_place_gives_it_to_the_first_on_the_waiting_list_and_texts_them(
    workshop, center, station, sms, django_capture_on_commit_callbacks, queued_notices
):
    first, second, waiting1, waiting2 = [
        resident_with_account(center, station, phone=f"1380000100{i}") for i in range(4)
    ]
    places = [register(workshop, p) for p in (first, second, waiting1, waiting2)]
    with django_capture_on_commit_callbacks(execute=True):
        registration_services.workshop_registration_cancel(registration=places[0], actor=first.user)
    statuses = dict(WorkshopRegistration.objects.values_list("resident_id", "status"))
    assert statuses[first.pk] == RegistrationStatus.CANCELLED
    assert statuses[waiting1.pk] == RegistrationStatus.CONFIRMED
    assert statuses[waiting2.pk] == RegistrationStatus.WAITLISTED
    promoted = WorkshopRegistration.objects.get(resident=waiting1)
    assert queued_notices == [promoted.pk] and sms == []  # queued after commit, sent by the worker
    assert workshop_promotion_sweep() == 1
    assert [m["phone"] for m in sms] == ["13800001002"]
    assert workshop.title in sms[0]["text"]
    assert workshop_promotion_sweep() == 0  # the sweep and a late task never text twice
    assert registration_services.workshop_promotion_notify(registration_id=promoted.pk) is False
    assert len(sms) == 1
    # the resident may register again after cancelling: a new row, at the back of the queue
    assert register(workshop, first).status == RegistrationStatus.WAITLISTED


def test_leaving_the_waiting_list_promotes_nobody(workshop, center, station, sms):
    people = [resident_with_account(center, station) for _ in range(3)]
    places = [register(workshop, p) for p in people]
    registration_services.workshop_registration_cancel(registration=places[2], actor=people[2].user)
    assert WorkshopRegistration.objects.filter(status="confirmed").count() == 2
    with pytest.raises(ValidationError, match="already cancelled"):
        registration_services.workshop_registration_cancel(registration=places[2], actor=people[2].user)


def test_only_the_resident_their_guardian_or_the_stations_staff_may_cancel(
    workshop, resident, make_staff, other_station, center, station
):
    place = register(workshop, resident)
    stranger = resident_with_account(center, station)
    with pytest.raises(PermissionDenied):
        registration_services.workshop_registration_cancel(registration=place, actor=stranger.user)
    with pytest.raises(PermissionDenied):
        registration_services.workshop_registration_cancel(
            registration=place, actor=make_staff(Role.STATION_MANAGER, station=other_station)
        )
    assert registration_services.workshop_registration_cancel(
        registration=place, actor=make_staff(Role.COUNSELOR, station=station)
    )


def test_more_places_fill_from_the_waiting_list(workshop, manager, center, station):
    people = [resident_with_account(center, station) for _ in range(4)]
    for p in people:
        register(workshop, p)
    workshop_services.workshop_capacity_change(actor=manager, workshop=workshop, capacity=3)
    assert WorkshopRegistration.objects.filter(status="confirmed").count() == 3
    with pytest.raises(ValidationError, match="already confirmed"):
        workshop_services.workshop_capacity_change(actor=manager, workshop=workshop, capacity=2)


def test_attendance_after_the_start_counts_person_times_and_duties(manager, volunteer, center, station):
    workshop = WorkshopFactory(center=center, station=station, capacity=3)
    duty = workshop_services.workshop_duty_assign(actor=manager, workshop=workshop, volunteer=volunteer)
    came, missed = RegistrationFactory(workshop=workshop), RegistrationFactory(workshop=workshop)
    waiting = RegistrationFactory(workshop=workshop, status=RegistrationStatus.WAITLISTED, confirmed_at=None)
    with pytest.raises(ValidationError, match="once the workshop has started"):
        workshop_services.workshop_attendance_record(actor=manager, workshop=workshop, attended_ids=[came.pk])
    workshop.starts_at = timezone.now() - dt.timedelta(hours=1)
    workshop.ends_at = timezone.now() + dt.timedelta(hours=1)
    workshop.save()
    with pytest.raises(ValidationError, match="confirmed place"):
        workshop_services.workshop_attendance_record(actor=manager, workshop=workshop, attended_ids=[waiting.pk])
    workshop_services.workshop_attendance_record(
        actor=manager, workshop=workshop, attended_ids=[came.pk], duty_done_ids=[duty.pk]
    )
    came.refresh_from_db(), missed.refresh_from_db(), duty.refresh_from_db(), workshop.refresh_from_db()
    assert (came.attendance, missed.attendance) == (Attendance.ATTENDED, Attendance.ABSENT)
    assert duty.status == DutyStatus.DONE
    assert workshop.attendance_taken_at is not None
    assert AuditEvent.objects.filter(action="workshop.attendance", object_id=str(workshop.pk)).exists()


def test_calling_off_a_workshop_texts_everyone_and_withdraws_duties(
    manager, volunteer, workshop, center, station, sms, django_capture_on_commit_callbacks
):
    duty = workshop_services.workshop_duty_assign(actor=manager, workshop=workshop, volunteer=volunteer)
    for i in range(3):
        register(workshop, resident_with_account(center, station, phone=f"1370000000{i}"))
    with django_capture_on_commit_callbacks(execute=True):
        workshop_services.workshop_cancel(actor=manager, workshop=workshop)
    assert len(sms) == 3 and "cancelled" in sms[0]["text"]
    duty.refresh_from_db()
    assert duty.status == DutyStatus.CANCELLED


def test_workshop_create_checks_the_station_and_the_time(manager, center, station, other_station):
    start = timezone.now() + dt.timedelta(days=5)
    common = {
        "kind": "lecture",
        "title": "讲座",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=1),
        "capacity": 30,
    }
    assert workshop_services.workshop_create(actor=manager, center=center, station=station, **common).pk
    with pytest.raises(PermissionDenied):
        workshop_services.workshop_create(actor=manager, center=center, station=other_station, **common)
    with pytest.raises(ValidationError, match="end after it starts"):
        workshop_services.workshop_create(actor=manager, center=center, station=station, **{**common, "ends_at": start})
    with pytest.raises(ValidationError, match="start in the future"):
        workshop_services.workshop_create(
            actor=manager,
            center=center,
            station=station,
            **{**common, "starts_at": timezone.now() - dt.timedelta(hours=1)},
        )


def test_an_anonymised_person_cannot_be_registered(workshop, manager, center, station):
    person = ResidentFactory(center=center, station=station, anonymised_at=timezone.now())
    with pytest.raises(ValidationError, match="anonymised"):
        register(workshop, person, actor=manager)


def test_groups_a_case_can_be_given_to(center, station, other_station):
    here = ServiceGroup.objects.create(center=center, station=station, name="A", need="youth")
    ServiceGroup.objects.create(center=center, station=other_station, name="B", need="youth")
    ServiceGroup.objects.create(center=center, station=station, name="C", need="youth", is_active=False)
    assert list(groups_for_assignment(center=center, station=station)) == [here]
    assert groups_for_assignment(center=center).count() == 2


def test_a_notice_for_a_place_that_is_gone_again_is_not_sent(workshop, center, station, sms):
    people = [resident_with_account(center, station) for _ in range(3)]
    places = [register(workshop, p) for p in people]
    registration_services.workshop_registration_cancel(registration=places[0], actor=people[0].user)
    registration_services.workshop_registration_cancel(
        registration=places[2], actor=people[2].user
    )  # moved up, then cancelled
    assert workshop_promotion_sweep() == 0
    assert sms == []


def test_the_sweep_is_in_the_beat_schedule():
    entry = app.conf.beat_schedule["centers-workshop-promotion-sweep"]
    assert entry["task"] == workshop_promotion_sweep.name
    assert entry["schedule"] == 60.0
    assert app.conf.beat_schedule["centers-workshop-reminder-sweep"]["task"] == workshop_reminder_sweep.name


def test_people_with_a_place_are_reminded_the_day_before_once(center, station, sms):
    soon = WorkshopFactory(center=center, station=station, starts_at=timezone.now() + dt.timedelta(hours=20))
    later = WorkshopFactory(center=center, station=station, starts_at=timezone.now() + dt.timedelta(days=3))
    RegistrationFactory(workshop=soon, resident=ResidentFactory(center=center, station=station, phone="13700001111"))
    RegistrationFactory(workshop=soon, status=RegistrationStatus.WAITLISTED, confirmed_at=None)
    RegistrationFactory(workshop=later)
    assert workshop_reminder_sweep() == 1
    assert [m["phone"] for m in sms] == ["13700001111"] and soon.title in sms[0]["text"]
    assert workshop_reminder_sweep() == 0
    assert len(sms) == 1
