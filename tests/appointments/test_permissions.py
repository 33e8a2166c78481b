"""Who reaches which appointments page: every role against the staff pages and other people's objects."""

import pytest
from django.urls import reverse

from appointments.services.booking import appointment_book
from centers.models import Role
from centers.roster.services import duty_shift_create
from tests.appointments.factories import SlotFactory, at

pytestmark = pytest.mark.django_db

STAFF_PAGES = [
    "appointments:day",
    "appointments:staff_book",
    "appointments:availability",
    "appointments:roster",
    "appointments:waitlist_staff",
]


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.EXPERT, Role.OFFICIAL, Role.AUDITOR])
@pytest.mark.parametrize("url_name", [*STAFF_PAGES, "appointments:calendar"])
def test_roles_without_booking_work_get_404(client_for, make_staff, station, role, url_name):
    user = make_staff(role, station=station if role == Role.VOLUNTEER else None)
    assert client_for(user).get(reverse(url_name)).status_code == 404


@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.SUPERVISOR, Role.STATION_MANAGER])
def test_booking_staff_reach_their_pages(client_for, make_staff, station, role):
    user = make_staff(role, station=None if role == Role.SUPERVISOR else station)
    client = client_for(user)
    for url_name in (
        "appointments:day",
        "appointments:staff_book",
        "appointments:roster",
        "appointments:waitlist_staff",
    ):
        assert client.get(reverse(url_name)).status_code == 200, url_name


def test_another_centers_staff_get_404_on_our_objects(
    client_for, make_staff, other_center, station, resident, slot, supervisor, counselor
):
    appointment = appointment_book(slot=slot, resident=resident, booked_by=resident.user)
    shift = duty_shift_create(
        actor=supervisor,
        center=station.center,
        kind="onsite",
        user=counselor,
        station=station,
        starts_at=at(3, 9),
        ends_at=at(3, 17),
    )
    outsider = make_staff(Role.SUPERVISOR, center_=other_center)
    client = client_for(outsider)
    assert client.get(reverse("appointments:station_week", args=[station.pk])).status_code == 404
    for name in ("appointments:check_in", "appointments:complete", "appointments:no_show", "appointments:staff_cancel"):
        assert client.post(reverse(name, args=[appointment.pk])).status_code == 404
    assert client.post(reverse("appointments:roster_delete", args=[shift.pk])).status_code == 404
    assert client.get(reverse("appointments:day"), {"counselor": counselor.pk}).status_code == 404
    assert client.get(reverse("appointments:staff_book_confirm", args=[slot.pk]), follow=True).status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_a_station_manager_sees_only_their_stations_week(client_for, make_staff, station, other_station, center):
    manager = make_staff(Role.STATION_MANAGER, station=station)
    SlotFactory(center=center, station=other_station, starts_at=at(2, 9))
    client = client_for(manager)
    assert client.get(reverse("appointments:station_week", args=[station.pk])).status_code == 200
    assert client.get(reverse("appointments:station_week", args=[other_station.pk])).status_code == 404


def test_a_counselor_cannot_open_a_colleagues_day_but_the_supervisor_can(
    client_for, make_staff, station, counselor, supervisor
):
    colleague = make_staff(Role.COUNSELOR, station=station)
    assert client_for(colleague).get(reverse("appointments:day"), {"counselor": counselor.pk}).status_code == 404
    assert client_for(supervisor).get(reverse("appointments:day"), {"counselor": counselor.pk}).status_code == 200


def test_anonymous_visitors_are_asked_to_sign_in_to_book(client, slot):
    response = client.get(reverse("appointments:confirm", args=[slot.pk]))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
