import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from appointments.models import Availability, Place, Service, Slot, SlotStatus
from appointments.services.availability import availability_exception_add, availability_publish, slots_generate
from centers.models import Role

pytestmark = pytest.mark.django_db


def next_weekday(weekday: int) -> dt.date:
    day = timezone.localdate() + dt.timedelta(days=1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return day


def test_publishing_a_window_generates_50_minute_face_to_face_slots(counselor, center, station):
    availability_publish(
        actor=counselor,
        counselor=counselor,
        center=center,
        place=Place.STATION,
        station=station,
        weekday=0,
        start_time=dt.time(9),
        end_time=dt.time(12),
    )
    monday = next_weekday(0)
    slots = [s for s in Slot.objects.filter(counselor=counselor) if timezone.localdate(s.starts_at) == monday]
    assert [timezone.localtime(s.starts_at).strftime("%H:%M") for s in slots] == ["09:00", "10:00", "11:00"]
    assert all(s.ends_at - s.starts_at == dt.timedelta(minutes=50) for s in slots)
    assert {s.service for s in slots} == {Service.FACE_TO_FACE}


def test_phone_slots_use_the_centers_phone_length(counselor, center):
    center.phone_minutes = 30
    center.save()
    availability_publish(
        actor=counselor,
        counselor=counselor,
        center=center,
        place=Place.REMOTE,
        weekday=2,
        start_time=dt.time(14),
        end_time=dt.time(15, 30),
        gap_minutes=0,
    )
    wednesday = next_weekday(2)
    slots = [s for s in Slot.objects.filter(service=Service.PHONE) if timezone.localdate(s.starts_at) == wednesday]
    assert len(slots) == 3 and all(s.ends_at - s.starts_at == dt.timedelta(minutes=30) for s in slots)


def test_generation_is_idempotent_and_skips_leave(counselor, center, station):
    availability_publish(
        actor=counselor,
        counselor=counselor,
        center=center,
        place=Place.STATION,
        station=station,
        weekday=next_weekday(3).weekday(),
        start_time=dt.time(9),
        end_time=dt.time(10),
    )
    count = Slot.objects.count()
    today = timezone.localdate()
    assert slots_generate(center=center, start=today, end=today + dt.timedelta(days=28)) == 0
    assert Slot.objects.count() == count
    thursday = next_weekday(3)
    availability_exception_add(
        actor=counselor, center=center, counselor=counselor, kind="leave", starts_on=thursday, ends_on=thursday
    )
    withdrawn = Slot.objects.get(starts_at__date=thursday)
    assert withdrawn.status == SlotStatus.CANCELLED


def test_a_supervisor_publishes_for_a_counselor_but_another_counselor_cannot(
    counselor, supervisor, make_staff, center, station
):
    availability_publish(
        actor=supervisor,
        counselor=counselor,
        center=center,
        place=Place.CENTER,
        weekday=1,
        start_time=dt.time(9),
        end_time=dt.time(10),
    )
    other = make_staff(Role.COUNSELOR, station=station)
    with pytest.raises(PermissionDenied):
        availability_publish(
            actor=other,
            counselor=counselor,
            center=center,
            place=Place.CENTER,
            weekday=2,
            start_time=dt.time(9),
            end_time=dt.time(10),
        )


def test_overlapping_windows_and_bad_places_are_refused_with_a_message(
    counselor, center, station, other_center_station
):
    availability_publish(
        actor=counselor,
        counselor=counselor,
        center=center,
        place=Place.CENTER,
        weekday=1,
        start_time=dt.time(9),
        end_time=dt.time(12),
    )
    with pytest.raises(ValidationError, match="overlaps"):
        availability_publish(
            actor=counselor,
            counselor=counselor,
            center=center,
            place=Place.STATION,
            station=station,
            weekday=1,
            start_time=dt.time(11),
            end_time=dt.time(13),
        )
    with pytest.raises(ValidationError) as info:
        availability_publish(
            actor=counselor,
            counselor=counselor,
            center=center,
            place=Place.STATION,
            station=other_center_station,
            weekday=3,
            start_time=dt.time(9),
            end_time=dt.time(10),
        )
    assert "another center" in str(info.value)
    assert Availability.objects.count() == 1


def test_the_availability_page_publishes_a_window(client_for, counselor, station):
    client = client_for(counselor)
    response = client.post(
        reverse("appointments:availability"),
        {
            "counselor": counselor.pk,
            "place": "station",
            "station": station.pk,
            "weekday": 4,
            "start_time": "09:00",
            "end_time": "11:00",
            "gap_minutes": 10,
            "valid_from": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("appointments:availability")).content.decode()
    assert "09:00–11:00" in page
    assert Slot.objects.filter(counselor=counselor).exists()


def test_leave_shows_on_the_availability_page_and_holidays_need_the_supervisor(client_for, counselor, supervisor):
    client = client_for(counselor)
    day = next_weekday(1).isoformat()
    client.post(
        reverse("appointments:exception_add"),
        {"counselor": counselor.pk, "kind": "leave", "starts_on": day, "ends_on": day},
    )
    response = client.post(
        reverse("appointments:exception_add"),
        {"counselor": "", "kind": "holiday", "starts_on": day, "ends_on": day},
        follow=True,
    )
    assert "Only the supervisor" in response.content.decode()
    page = client.get(reverse("appointments:availability")).content.decode()
    assert 'data-testid="exceptions"' in page and page.count("<li>Leave") == 1
    client_for(supervisor).post(
        reverse("appointments:exception_add"), {"counselor": "", "kind": "holiday", "starts_on": day, "ends_on": day}
    )
    assert "whole center" in client_for(counselor).get(reverse("appointments:availability")).content.decode()


def test_the_stations_link_opens_a_week_the_user_may_see(client_for, counselor, station):
    response = client_for(counselor).get(reverse("appointments:stations"))
    assert response["Location"] == reverse("appointments:station_week", args=[station.pk])


def test_a_supervisor_manages_a_counselors_availability_on_the_page(client_for, supervisor, counselor):
    client = client_for(supervisor)
    assert counselor.public_name in client.get(reverse("appointments:availability")).content.decode()
    day = next_weekday(2).isoformat()
    response = client.post(
        reverse("appointments:exception_add"),
        {"counselor": counselor.pk, "kind": "leave", "starts_on": day, "ends_on": day},
    )
    assert response["Location"].endswith(f"?counselor={counselor.pk}")
    assert client.get(response["Location"]).status_code == 200


def test_a_room_is_not_given_to_two_windows_at_once(counselor, make_staff, center, station):
    from tests.factories import RoomFactory

    room = RoomFactory(center=center, station=station)
    colleague = make_staff(Role.COUNSELOR, station=station)
    availability_publish(
        actor=counselor,
        counselor=counselor,
        center=center,
        place=Place.STATION,
        station=station,
        room=room,
        weekday=1,
        start_time=dt.time(9),
        end_time=dt.time(12),
    )
    with pytest.raises(ValidationError) as info:
        availability_publish(
            actor=colleague,
            counselor=colleague,
            center=center,
            place=Place.STATION,
            station=station,
            room=room,
            weekday=1,
            start_time=dt.time(11),
            end_time=dt.time(13),
        )
    assert "room" in info.value.message_dict


def test_ending_a_window_withdraws_later_free_slots_but_keeps_bookings(
    client_for, counselor, center, station, resident
):
    from appointments.services.booking import appointment_book

    window = availability_publish(
        actor=counselor,
        counselor=counselor,
        center=center,
        place=Place.STATION,
        station=station,
        weekday=next_weekday(2).weekday(),
        start_time=dt.time(9),
        end_time=dt.time(11),
    )
    slots = list(Slot.objects.filter(availability=window).order_by("starts_at"))
    booked = next(s for s in slots if s.starts_at > timezone.now() + dt.timedelta(hours=13))
    appointment_book(slot=booked, resident=resident, booked_by=resident.user)
    client_for(counselor).post(reverse("appointments:availability_end", args=[window.pk]))
    window.refresh_from_db()
    assert window.valid_until == timezone.localdate()
    open_after = Slot.objects.filter(
        availability=window, status=SlotStatus.OPEN, starts_at__date__gt=timezone.localdate()
    )
    assert list(open_after) == [booked]
