"""Least privilege inside a center: a counselor opens and changes the appointments of their station(s) and
their own, not every appointment of the center; a staff search for a person covers their station, needs
two characters of a name or the whole number, and never matches the last digits of a phone."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from appointments.models import Appointment, AppointmentStatus
from appointments.services.booking import appointment_book, appointment_cancel
from centers.models import Role
from tests.appointments.factories import SlotFactory, at
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db

CONFIRMED = {"confirmed": "yes"}  # the cancellation's confirmation page answered "yes"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def booking(center, station, counselor, *, hour: int, name: str) -> Appointment:
    person = ResidentFactory(center=center, station=station, user=UserFactory(), full_name=name)
    slot = SlotFactory(center=center, station=station, counselor=counselor, starts_at=at(3, hour))
    return appointment_book(slot=slot, resident=person, booked_by=person.user)


@pytest.fixture
def east_and_west(make_staff, station, other_station):
    """A counselor of each station."""
    return (
        make_staff(Role.COUNSELOR, station=station, display_name="东站老师"),
        make_staff(Role.COUNSELOR, station=other_station, display_name="西站老师"),
    )


def test_a_counselor_changes_the_appointments_of_their_station_and_their_own_only(
    east_and_west, center, station, other_station, supervisor
):
    east, west = east_and_west
    at_west = booking(center, other_station, west, hour=9, name="西站居民")
    west_at_east = booking(center, station, west, hour=11, name="东站居民")  # west's own session, at east

    east_client, west_client = signed_in(east), signed_in(west)
    # East: another station's appointment is a 404, on every staff action, and nothing changes.
    page = east_client.get(reverse("appointments:staff_reschedule", args=[at_west.pk]))
    assert page.status_code == 404 and "西站居民" not in page.content.decode()
    assert east_client.post(reverse("appointments:staff_cancel", args=[at_west.pk])).status_code == 404
    assert Appointment.objects.get(pk=at_west.pk).status == AppointmentStatus.BOOKED
    with pytest.raises(PermissionDenied):
        appointment_cancel(appointment=at_west, actor=east)
    # East opens the one at their station; west opens their own at east's station and their station's.
    assert east_client.get(reverse("appointments:staff_reschedule", args=[west_at_east.pk])).status_code == 200
    assert west_client.get(reverse("appointments:staff_reschedule", args=[west_at_east.pk])).status_code == 200
    assert west_client.post(reverse("appointments:staff_cancel", args=[at_west.pk]), CONFIRMED).status_code == 302
    assert Appointment.objects.get(pk=at_west.pk).status == AppointmentStatus.CANCELLED
    # The supervisor keeps the whole center.
    assert (
        signed_in(supervisor).post(reverse("appointments:staff_cancel", args=[west_at_east.pk]), CONFIRMED).status_code
        == 302
    )


def test_a_counselor_without_a_station_changes_only_their_own_appointments(make_staff, center, station):
    first, second = (make_staff(Role.COUNSELOR, display_name=n) for n in ("中心甲老师", "中心乙老师"))
    mine = booking(center, station, first, hour=9, name="甲的来访者")
    assert signed_in(second).post(reverse("appointments:staff_cancel", args=[mine.pk])).status_code == 404
    assert Appointment.objects.get(pk=mine.pk).status == AppointmentStatus.BOOKED
    assert signed_in(first).post(reverse("appointments:staff_cancel", args=[mine.pk]), CONFIRMED).status_code == 302
    assert Appointment.objects.get(pk=mine.pk).status == AppointmentStatus.CANCELLED


def test_a_withdrawn_counselor_no_longer_runs_their_sessions(east_and_west, center, station, other_station):
    from centers.models import Membership

    east, west = east_and_west
    east_booking = booking(center, station, east, hour=9, name="东站来访者")
    west_booking = booking(center, other_station, west, hour=10, name="西站来访者")
    Membership.objects.filter(user=east).update(is_active=False)
    assert signed_in(east).post(reverse("appointments:check_in", args=[east_booking.pk])).status_code == 404
    assert (
        signed_in(west).post(reverse("appointments:staff_cancel", args=[west_booking.pk]), CONFIRMED).status_code == 302
    )


@pytest.fixture
def people(center, station, other_station):
    """A person at each station with the same surname and the same last four digits."""
    return (
        ResidentFactory(center=center, station=station, full_name="林东东", phone="13800004321"),
        ResidentFactory(center=center, station=other_station, full_name="林西西", phone="13900004321"),
    )


def _search(client, slot, query: str) -> str:
    return client.get(reverse("appointments:staff_book_confirm", args=[slot.pk]), {"q": query}).content.decode()


def test_the_resident_search_covers_the_station_by_name_or_whole_number(
    east_and_west, people, center, station, other_station, supervisor
):
    east, west = east_and_west
    east_person, west_person = people
    east_slot = SlotFactory(center=center, station=station, counselor=east, starts_at=at(3, 9))
    west_slot = SlotFactory(center=center, station=other_station, counselor=west, starts_at=at(3, 10))

    east_page = _search(signed_in(east), east_slot, "林")  # one character: asked for more, nobody listed
    assert "Type at least two characters of the name, or the whole mobile number." in east_page
    assert "林东东" not in east_page and "林西西" not in east_page
    east_page = _search(signed_in(east), west_slot, "林东")
    assert "林东东" in east_page and "138****4321" in east_page
    assert "林西西" not in _search(signed_in(east), east_slot, "林西")
    west_page = _search(signed_in(west), west_slot, "林西")
    assert "林西西" in west_page and "林东东" not in west_page

    for client in (signed_in(east), signed_in(west)):
        for suffix in ("4321", "04321", "1"):  # the last digits never find anyone
            page = _search(client, east_slot, suffix)
            assert "林东东" not in page and "林西西" not in page
    assert "林东东" in _search(signed_in(east), east_slot, "13800004321")
    assert "林东东" not in _search(signed_in(west), west_slot, "13800004321")  # another station's person
    # The supervisor searches the whole center, by the same rules.
    page = _search(signed_in(supervisor), east_slot, "林")
    assert "林东东" not in page
    page = _search(signed_in(supervisor), east_slot, "13900004321")
    assert "林西西" in page


def test_a_person_of_another_station_cannot_be_booked_by_picking_their_id(east_and_west, people, center, station):
    east, _west = east_and_west
    _east_person, west_person = people
    slot = SlotFactory(center=center, station=station, counselor=east, starts_at=at(3, 9))
    response = signed_in(east).post(
        reverse("appointments:staff_book_confirm", args=[slot.pk]), {"resident": west_person.pk, "channel": "phone"}
    )
    assert response.status_code == 200
    assert not Appointment.objects.filter(resident=west_person).exists()


def test_another_stations_week_shows_its_free_times_but_not_who_booked(east_and_west, center, station, other_station):
    east, west = east_and_west
    at_west = booking(center, other_station, west, hour=9, name="西站来访者")
    week = at_west.starts_at.date()
    url = reverse("appointments:station_week", args=[other_station.pk]) + f"?week={week}"
    east_page = signed_in(east).get(url).content.decode()
    assert "西站来访者" not in east_page and "booked" in east_page
    assert "西站来访者" in signed_in(west).get(url).content.decode()
