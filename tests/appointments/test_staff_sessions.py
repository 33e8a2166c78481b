"""Staff journeys around a session: a walk-in booked by a station manager ends on a page they may open, a phone
session gives the counselor the number to call (the guardian's for a child) and the person's cases, completing
needs a note (encrypted) and is offered only once the session has started; menus hold staff links only; a
volunteer whose training lapsed is told why they get no tasks."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus, Channel, Place, Service
from centers.models import Role
from tests.appointments.factories import AppointmentFactory, SlotFactory
from tests.cases.factories import CaseFactory
from tests.centers.community.factories import TrainingRecordFactory
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_staff, station):
    return make_staff(Role.STATION_MANAGER, station=station, display_name="周站长")


def _phone_session(center, counselor, resident, *, minutes_from_now: int):
    slot = SlotFactory(
        center=center,
        station=None,
        counselor=counselor,
        place=Place.REMOTE,
        service=Service.PHONE,
        starts_at=timezone.now() + dt.timedelta(minutes=minutes_from_now),
    )
    return AppointmentFactory(slot=slot, resident=resident, booked_by=resident.user, channel=Channel.PHONE)


def test_a_station_manager_books_two_walk_ins_and_each_ends_on_a_page_with_the_confirmation(
    client_for, manager, make_slot, counselor
):
    client = client_for(manager)
    for hour, name, phone in ((10, "赵大妈", "13900001111"), (14, "钱大爷", "13900002222")):
        slot = make_slot(hour=hour)
        response = client.post(
            reverse("appointments:staff_book_confirm", args=[slot.pk]),
            {"new_name": name, "new_phone": phone, "channel": "walk_in"},
            follow=True,
        )
        appointment = Appointment.objects.get(resident__full_name=name)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == reverse("appointments:session", args=[appointment.pk])
        page = response.content.decode()
        assert f"Booked for {name}" in page and name in page
        assert phone not in page  # a station manager sees the number masked, and no number-to-call card
        assert 'data-testid="number-to-call"' not in page
    # Where the booking used to end: the counselor's day, which a station manager may not open.
    assert client.get(reverse("appointments:day") + f"?counselor={counselor.pk}").status_code == 404


def test_the_phone_session_shows_the_adults_own_number_and_their_case(client_for, center, counselor, resident):
    case = CaseFactory(center=center, resident=resident, station=resident.station)
    case.counselors.add(counselor)
    appointment = _phone_session(center, counselor, resident, minutes_from_now=60)
    page = client_for(counselor).get(reverse("appointments:session", args=[appointment.pk])).content.decode()
    assert 'href="tel:13812341234"' in page and "call their guardian" not in page
    assert case.get_absolute_url() in page


def test_the_phone_session_of_a_child_shows_the_guardians_number(client_for, center, counselor, resident, child):
    appointment = _phone_session(center, counselor, child, minutes_from_now=60)
    page = client_for(counselor).get(reverse("appointments:session", args=[appointment.pk])).content.decode()
    assert 'href="tel:13812341234"' in page  # the guardian's (林小雨), the child has none
    assert "The guardian, 林小雨" in page and "call their guardian" in page


def test_completing_is_offered_only_once_started_and_needs_a_note_kept_encrypted(
    client_for, center, counselor, resident
):
    later = _phone_session(center, counselor, resident, minutes_from_now=120)
    client = client_for(counselor)
    page = client.get(reverse("appointments:session", args=[later.pk])).content.decode()
    assert 'data-testid="complete-form"' not in page and 'data-testid="complete-later"' in page
    refused = client.post(reverse("appointments:complete", args=[later.pk]), {"note": "还没开始"})
    assert refused.status_code == 400 and "only after it has started" in refused.content.decode()
    assert Appointment.objects.get(pk=later.pk).status == AppointmentStatus.BOOKED

    other = ResidentFactory(center=center, station=resident.station, full_name="孙小月", phone="13700003333")
    started = _phone_session(center, counselor, other, minutes_from_now=-10)
    page = client.get(reverse("appointments:session", args=[started.pk])).content.decode()
    assert 'data-testid="complete-form"' in page and 'href="tel:13700003333"' in page
    empty = client.post(reverse("appointments:complete", args=[started.pk]), {"note": "  "})
    assert empty.status_code == 400 and "Please write a short note" in empty.content.decode()
    too_long = client.post(reverse("appointments:complete", args=[started.pk]), {"note": "长" * 2001})
    assert too_long.status_code == 400 and "长" * 2001 in too_long.content.decode()  # what was typed stays
    done = client.post(reverse("appointments:complete", args=[started.pk]), {"note": "谈了睡眠，下周再约"}, follow=True)
    assert "Session completed." in done.content.decode() and "谈了睡眠，下周再约" in done.content.decode()
    started.refresh_from_db()
    assert started.status == AppointmentStatus.COMPLETED and started.session_note == "谈了睡眠，下周再约"
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_note FROM appointments_appointment WHERE id = %s", [started.pk])
        stored = cursor.fetchone()[0]
    assert "睡眠" not in stored


@time_machine.travel(dt.datetime(2026, 12, 8, 4, 0, tzinfo=dt.UTC), tick=False)  # noon in China: all on one day
def test_the_day_offers_complete_only_for_started_sessions(client_for, center, counselor, resident):
    _phone_session(center, counselor, resident, minutes_from_now=120)
    page = client_for(counselor).get(reverse("appointments:day")).content.decode()
    assert 'data-testid="complete-link"' not in page
    other = ResidentFactory(center=center, station=resident.station)
    _phone_session(center, counselor, other, minutes_from_now=-10)
    page = client_for(counselor).get(reverse("appointments:day")).content.decode()
    assert page.count('data-testid="complete-link"') == 1


def test_staff_menus_hold_staff_links_only(client_for, counselor, manager, resident_user):
    resident_links = (reverse("appointments:book"), reverse("appointments:mine"), reverse("cases:self_check"))
    for staff in (counselor, manager):
        nav = client_for(staff).get(reverse("centers:crisis")).content.decode().split("</nav>")[0]
        assert not any(f'href="{link}"' in nav for link in resident_links)
    nav = client_for(manager).get(reverse("centers:crisis")).content.decode().split("</nav>")[0]
    assert f'href="{reverse("appointments:stations")}"' in nav
    nav = client_for(resident_user).get(reverse("centers:crisis")).content.decode().split("</nav>")[0]
    assert all(f'href="{link}"' in nav for link in resident_links)


def test_a_volunteer_whose_training_lapsed_is_told_why_they_have_no_tasks(make_staff, station, center, client_for):
    lapsed = make_staff(Role.VOLUNTEER, station=station, display_name="过期志愿者")
    TrainingRecordFactory(
        center=center,
        user=lapsed,
        completed_on=timezone.localdate() - dt.timedelta(days=400),
        certificate_expires_on=timezone.localdate() - dt.timedelta(days=35),
    )
    current = make_staff(Role.VOLUNTEER, station=station, display_name="在岗志愿者")
    TrainingRecordFactory(center=center, user=current)
    page = client_for(lapsed).get(reverse("cases:volunteer_tasks")).content.decode()
    until = (timezone.localdate() - dt.timedelta(days=35)).isoformat()
    assert 'data-testid="training-lapsed"' in page and f"ran out on {until}" in page
    assert (
        'data-testid="training-lapsed"'
        not in client_for(current).get(reverse("cases:volunteer_tasks")).content.decode()
    )
