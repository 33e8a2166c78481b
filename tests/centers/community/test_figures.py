"""What each station's evaluation reads (station_figures), and a person's export and erasure."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from centers import hooks
from centers.community.models import Attendance, DutyStatus, RegistrationStatus, WorkshopRegistration
from tests.centers.community.factories import RegistrationFactory, VolunteerTaskFactory, WorkshopFactory

pytestmark = pytest.mark.django_db


def held_workshop(center, station, attended, absent, days_ago=3, taken=True):
    start = timezone.now() - dt.timedelta(days=days_ago)
    workshop = WorkshopFactory(center=center, station=station, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    for i in range(attended + absent):
        RegistrationFactory(workshop=workshop, attendance=Attendance.ATTENDED if i < attended else Attendance.ABSENT)
    if taken:
        workshop.attendance_taken_at = start + dt.timedelta(hours=2)
        workshop.save()
    return workshop


def test_station_figures_count_workshops_participants_and_volunteer_hours(center, station, other_station, volunteer):
    now = timezone.now()
    start, end = now - dt.timedelta(days=30), now
    held_workshop(center, station, attended=6, absent=2)
    held_workshop(center, station, attended=4, absent=0, days_ago=10)
    held_workshop(center, station, attended=9, absent=0, days_ago=40)  # before the period
    held_workshop(center, other_station, attended=5, absent=0)  # another station
    held_workshop(center, station, attended=0, absent=0, taken=False)  # attendance not taken: not counted
    cancelled = held_workshop(center, station, attended=3, absent=0)
    cancelled.is_cancelled = True
    cancelled.save()
    VolunteerTaskFactory(
        center=center,
        station=station,
        volunteer=volunteer,
        hours=Decimal("2.5"),
        due_at=now - dt.timedelta(days=2),
        status=DutyStatus.DONE,
        done_at=now,
    )
    VolunteerTaskFactory(
        center=center, station=station, volunteer=volunteer, hours=Decimal("9"), due_at=now - dt.timedelta(days=2)
    )
    VolunteerTaskFactory(
        center=center,
        station=other_station,
        volunteer=volunteer,
        hours=Decimal("1"),
        due_at=now - dt.timedelta(days=2),
        status=DutyStatus.DONE,
        done_at=now,
    )
    figures = hooks.collect_dict("station_figures", station=station, start=start, end=end)
    assert figures["workshops_held"] == 2
    assert figures["workshop_participants"] == 10
    assert figures["volunteer_hours"] == Decimal("2.5")
    assert figures["volunteer_training_hours"] == Decimal("8")  # the volunteer's course 30 days ago
    assert (
        hooks.collect_dict("station_figures", station=other_station, start=start, end=end)["workshop_participants"] == 5
    )


def test_a_persons_export_lists_their_registrations(resident, workshop):
    RegistrationFactory(workshop=workshop, resident=resident, note="孩子 8 岁")
    data = hooks.collect_dict("person_export", resident=resident)
    assert data["workshop_registrations"][0]["workshop"] == "亲子沟通工作坊"
    assert data["workshop_registrations"][0]["note"] == "孩子 8 岁"


def test_anonymising_gives_up_future_places_and_blanks_notes(resident, workshop, center, station, supervisor):
    mine = RegistrationFactory(workshop=workshop, resident=resident, note="孩子 8 岁")
    RegistrationFactory(workshop=workshop)
    waiting = RegistrationFactory(workshop=workshop, status=RegistrationStatus.WAITLISTED, confirmed_at=None)
    past = held_workshop(center, station, attended=0, absent=0)
    old = RegistrationFactory(workshop=past, resident=resident, attendance=Attendance.ATTENDED, note="x")
    for provider in hooks.providers("person_anonymise"):
        provider(resident=resident, actor=supervisor)
    mine.refresh_from_db(), waiting.refresh_from_db(), old.refresh_from_db()
    assert mine.status == RegistrationStatus.CANCELLED and mine.note == ""
    assert waiting.status == RegistrationStatus.CONFIRMED
    assert old.attendance == Attendance.ATTENDED and old.note == ""  # the person-time stays counted
    assert WorkshopRegistration.objects.filter(workshop=workshop, status="confirmed").count() == 2


def test_a_volunteers_assigned_tasks_are_open_work_when_their_role_is_withdrawn(volunteer, center, station):
    VolunteerTaskFactory(center=center, station=station, volunteer=volunteer, title="社区宣传日")
    VolunteerTaskFactory(
        center=center,
        station=station,
        volunteer=volunteer,
        title="已完成",
        status=DutyStatus.DONE,
        done_at=timezone.now(),
    )
    assert [item["label"] for item in hooks.collect_list("user_open_work", user=volunteer)] == ["社区宣传日"]


def test_the_admin_shows_community_rows_read_only(admin_client, workshop):
    RegistrationFactory(workshop=workshop)
    assert "亲子沟通工作坊" in admin_client.get("/admin/centers/workshop/").content.decode()
    assert admin_client.get("/admin/centers/workshopregistration/").status_code == 200
    assert admin_client.get("/admin/centers/workshop/add/").status_code == 403
