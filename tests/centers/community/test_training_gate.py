"""Only volunteers whose training is current can be given tasks; a renewal clears them again."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from centers.audit.models import AuditEvent
from centers.community.models import DutyStatus, TrainingRecord, VolunteerTask, VolunteerTaskKind
from centers.community.policies import volunteer_is_cleared
from centers.community.selectors import cleared_volunteers, volunteer_hours
from centers.community.training import services as training_services
from centers.community.volunteers import services as volunteer_services
from centers.community.workshops import services as workshop_services
from centers.infra.dates import add_months
from centers.models import Membership, Role
from tests.centers.community.factories import TrainingRecordFactory, TrainingSessionFactory, WorkshopFactory

pytestmark = pytest.mark.django_db


def assign(actor, volunteer, center, station, **kw):
    return volunteer_services.volunteer_task_assign(
        actor=actor,
        volunteer=volunteer,
        center=center,
        station=station,
        kind=kw.get("kind", VolunteerTaskKind.HOME_VISIT),
        title=kw.get("title", "陪同家访"),
        due_at=kw.get("due_at", timezone.now() + dt.timedelta(days=2)),
        hours=kw.get("hours", Decimal("2")),
    )


def test_current_and_lapsed_training(volunteer, lapsed_volunteer, center, other_center):
    assert volunteer_is_cleared(volunteer)
    assert volunteer_is_cleared(volunteer, center=center)
    assert not volunteer_is_cleared(volunteer, center=other_center)
    assert not volunteer_is_cleared(lapsed_volunteer)
    # on the day the certificate still held, the lapsed one was cleared
    assert volunteer_is_cleared(lapsed_volunteer, at=timezone.now() - dt.timedelta(days=8))


def test_a_person_without_volunteer_role_or_certificate_is_not_cleared(counselor, make_staff, station, center):
    TrainingRecordFactory(center=center, user=counselor)
    assert not volunteer_is_cleared(counselor)  # not a volunteer
    fresh = make_staff(Role.VOLUNTEER, station=station)
    assert not volunteer_is_cleared(fresh)
    TrainingRecordFactory(center=center, user=fresh, certificate_expires_on=None)
    assert not volunteer_is_cleared(fresh)  # training without a certificate does not clear


def test_a_withdrawn_volunteer_is_no_longer_cleared(volunteer):
    Membership.objects.filter(user=volunteer).update(is_active=False)
    assert not volunteer_is_cleared(volunteer)


def test_a_lapsed_volunteer_cannot_be_given_a_task_until_renewed(manager, lapsed_volunteer, center, station):
    with pytest.raises(ValidationError, match="training is not current"):
        assign(manager, lapsed_volunteer, center, station)
    assert not VolunteerTask.objects.exists()
    training_services.training_record_add(
        actor=manager,
        center=center,
        user=lapsed_volunteer,
        course="志愿者复训",
        hours=Decimal("4"),
        completed_on=timezone.localdate(),
        certificate_number="FC-2026-17",
        certificate_expires_on=timezone.localdate() + dt.timedelta(days=365),
    )
    task = assign(manager, lapsed_volunteer, center, station)
    assert task.status == DutyStatus.ASSIGNED
    assert AuditEvent.objects.filter(action="training.record").exists()
    assert AuditEvent.objects.filter(action="volunteer_task.assign", object_id=str(task.pk)).exists()


def test_a_certificate_lapsing_before_the_task_refuses_it(manager, make_staff, station, center):
    user = make_staff(Role.VOLUNTEER, station=station)
    TrainingRecordFactory(center=center, user=user, certificate_expires_on=timezone.localdate() + dt.timedelta(days=3))
    with pytest.raises(ValidationError, match="lapses before this task"):
        assign(manager, user, center, station, due_at=timezone.now() + dt.timedelta(days=10))
    assert assign(manager, user, center, station, due_at=timezone.now() + dt.timedelta(days=2))


def test_a_workshop_duty_is_gated_too(manager, lapsed_volunteer, volunteer, workshop):
    with pytest.raises(ValidationError, match="training is not current"):
        workshop_services.workshop_duty_assign(actor=manager, workshop=workshop, volunteer=lapsed_volunteer)
    duty = workshop_services.workshop_duty_assign(actor=manager, workshop=workshop, volunteer=volunteer)
    assert duty.hours == Decimal("2.0") and duty.kind == VolunteerTaskKind.WORKSHOP_DUTY
    with pytest.raises(ValidationError, match="already has a duty"):
        workshop_services.workshop_duty_assign(actor=manager, workshop=workshop, volunteer=volunteer)


def test_attending_a_certifying_training_renews_clearance(supervisor, lapsed_volunteer, center):
    session = TrainingSessionFactory(center=center, certificate_months=12)
    records = training_services.training_attendance_set(actor=supervisor, session=session, attendees=[lapsed_volunteer])
    assert len(records) == 1
    assert records[0].certificate_expires_on == add_months(timezone.localdate(session.starts_at), 12)
    assert volunteer_is_cleared(lapsed_volunteer)
    # un-ticking removes the record again
    training_services.training_attendance_set(actor=supervisor, session=session, attendees=[])
    assert not volunteer_is_cleared(lapsed_volunteer)


def test_training_attendance_only_for_the_centers_people_and_after_the_start(
    supervisor, make_staff, other_center, center
):
    outsider = make_staff(Role.VOLUNTEER, center_=other_center)
    session = TrainingSessionFactory(center=center)
    with pytest.raises(ValidationError, match="Only staff and volunteers of this center"):
        training_services.training_attendance_set(actor=supervisor, session=session, attendees=[outsider])
    future = TrainingSessionFactory(center=center, starts_at=timezone.now() + dt.timedelta(days=2))
    with pytest.raises(ValidationError, match="once the training has started"):
        training_services.training_attendance_set(actor=supervisor, session=future, attendees=[])


def test_add_months_clips_to_the_end_of_the_month():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 12) == dt.date(2027, 11, 15)


def test_a_manager_of_another_station_cannot_manage_the_volunteer(
    make_staff, other_station, volunteer, center, station
):
    other_manager = make_staff(Role.STATION_MANAGER, station=other_station)
    with pytest.raises(PermissionDenied):
        assign(other_manager, volunteer, center, station)


def test_cleared_volunteers_lists_only_current_ones(volunteer, lapsed_volunteer, center, station, other_station):
    assert list(cleared_volunteers(center=center)) == [volunteer]
    assert list(cleared_volunteers(center=center, station=station)) == [volunteer]
    assert list(cleared_volunteers(center=center, station=other_station)) == []


def test_hours_count_tasks_duties_and_training(manager, volunteer, center, station):
    task = assign(manager, volunteer, center, station, hours=Decimal("2.5"))
    workshop = WorkshopFactory(center=center, station=station)
    duty = workshop_services.workshop_duty_assign(actor=manager, workshop=workshop, volunteer=volunteer)
    assert volunteer_hours(volunteer=volunteer)["total"] == Decimal("8")  # training only, nothing done yet
    volunteer_services.volunteer_task_complete(actor=manager, task=task)
    VolunteerTask.objects.filter(pk=duty.pk).update(status=DutyStatus.DONE, done_at=timezone.now())
    hours = volunteer_hours(volunteer=volunteer)
    assert hours["tasks"] == Decimal("2.5")
    assert hours["workshop_duties"] == Decimal("2.0")
    assert hours["training"] == Decimal("8")
    assert hours["total"] == Decimal("12.5")
    with pytest.raises(ValidationError):
        volunteer_services.volunteer_task_complete(actor=manager, task=task)


def test_training_record_rules(manager, volunteer, center):
    with pytest.raises(ValidationError) as info:
        training_services.training_record_add(
            actor=manager,
            center=center,
            user=volunteer,
            course="x",
            hours=Decimal("2"),
            completed_on=timezone.localdate(),
            certificate_expires_on=timezone.localdate() - dt.timedelta(days=1),
        )
    assert "must expire after" in str(info.value)
    assert TrainingRecord.objects.filter(user=volunteer).count() == 1


def test_volunteer_register_creates_an_account_with_the_role(manager, center, station):
    user = volunteer_services.volunteer_register(
        actor=manager, center=center, station=station, display_name="新志愿者", phone="13911112222"
    )
    assert Membership.objects.filter(user=user, role=Role.VOLUNTEER, station=station, is_active=True).exists()
    assert not user.has_usable_password()
    assert not volunteer_is_cleared(user)
    with pytest.raises(ValidationError, match="mobile number already exists"):
        volunteer_services.volunteer_register(
            actor=manager, center=center, station=station, display_name="x", phone="13911112222"
        )
    with pytest.raises(ValidationError, match="email address or a mobile number"):
        volunteer_services.volunteer_register(actor=manager, center=center, station=station, display_name="x")


def test_a_station_manager_gives_tasks_only_at_their_station(manager, volunteer, center, other_station):
    with pytest.raises(PermissionDenied):
        assign(manager, volunteer, center, other_station)
    assert not VolunteerTask.objects.exists()
