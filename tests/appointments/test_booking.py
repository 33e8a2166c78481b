import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus, Channel, Reminder, Slot, SlotStatus
from appointments.services.booking import (
    SlotTaken,
    appointment_book,
    appointment_book_by_staff,
    appointment_cancel,
    appointment_reschedule,
)
from centers.audit.models import AuditEvent
from centers.models import Resident, Role
from tests.appointments.factories import SlotFactory, at
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_resident_books_and_sees_where_when_with_whom_and_how_to_cancel(client_for, resident_user, slot, center):
    client = client_for(resident_user)
    page = client.get(reverse("appointments:confirm", args=[slot.pk])).content.decode()
    assert "王老师" in page and 'for="id_reason"' in page
    response = client.post(
        reverse("appointments:confirm", args=[slot.pk]), {"for_whom": resident_user.resident.pk, "reason": "睡不好"}
    )
    appointment = Appointment.objects.get()
    assert response["Location"] == reverse("appointments:detail", args=[appointment.pk])
    page = client.get(response["Location"]).content.decode()
    assert "东社区心理服务站" in page and "测试路 1 号" in page and "王老师" in page
    assert timezone.localtime(slot.starts_at).strftime("%H:%M") in page
    assert "12" in page and center.hotline in page and reverse("appointments:cancel", args=[appointment.pk]) in page
    assert appointment.channel == Channel.ONLINE and appointment.reason == "睡不好"
    assert AuditEvent.objects.filter(action="appointment.book", object_id=str(appointment.pk)).exists()


def test_the_booking_page_lists_free_times_for_anyone(client, slot, make_slot, resident):
    taken = make_slot(hour=14)
    appointment_book(slot=taken, resident=resident, booked_by=resident.user)
    response = client.get(
        reverse("appointments:book"),
        {"service": "face_to_face", "where": f"s{slot.station_id}", "day": timezone.localdate(slot.starts_at)},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert reverse("appointments:confirm", args=[slot.pk]) in page
    assert reverse("appointments:confirm", args=[taken.pk]) not in page


def test_a_guardian_books_for_their_child_but_not_for_a_stranger(client_for, resident_user, child, slot, make_slot):
    client = client_for(resident_user)
    client.post(reverse("appointments:confirm", args=[slot.pk]), {"for_whom": child.pk})
    assert Appointment.objects.get().resident == child
    stranger = ResidentFactory(center=child.center, station=child.station)
    other = make_slot(hour=15)
    response = client.post(reverse("appointments:confirm", args=[other.pk]), {"for_whom": stranger.pk})
    assert "You can only book for yourself or for a child in your care." in response.content.decode()
    with pytest.raises(ValidationError, match="child in your care"):
        appointment_book(slot=other, resident=stranger, booked_by=resident_user)
    assert Appointment.objects.count() == 1


def test_bad_input_gets_a_clear_message_and_writes_nothing(resident, make_slot, other_center_station, counselor):
    past = make_slot(days=-1)
    with pytest.raises(ValidationError, match="already passed"):
        appointment_book(slot=past, resident=resident, booked_by=resident.user)
    soon = make_slot(days=0, hour=23, minute=59)
    soon.starts_at = timezone.now() + dt.timedelta(hours=3)
    soon.ends_at = soon.starts_at + dt.timedelta(minutes=50)
    soon.save()
    with pytest.raises(ValidationError, match="closes 12 hours before"):
        appointment_book(slot=soon, resident=resident, booked_by=resident.user)
    elsewhere = SlotFactory(center=other_center_station.center, station=other_center_station, starts_at=at(3, 9))
    with pytest.raises(ValidationError, match="another center"):
        appointment_book(slot=elsewhere, resident=resident, booked_by=resident.user)
    withdrawn = make_slot(hour=16, status=SlotStatus.CANCELLED)
    with pytest.raises(ValidationError, match="no longer offered"):
        appointment_book(slot=withdrawn, resident=resident, booked_by=resident.user)
    assert Appointment.objects.count() == 0 and Reminder.objects.count() == 0


def test_a_tampered_slot_id_or_another_centers_slot_reads_a_message_on_the_page(
    client_for, resident_user, other_center_station
):
    client = client_for(resident_user)
    response = client.get(reverse("appointments:confirm", args=[999999]), follow=True)
    assert "This time does not exist" in response.content.decode()
    elsewhere = SlotFactory(center=other_center_station.center, station=other_center_station, starts_at=at(3, 9))
    response = client.get(reverse("appointments:confirm", args=[elsewhere.pk]), follow=True)
    assert "another center" in response.content.decode()


def test_the_loser_of_a_race_sees_the_nearest_free_times(client_for, resident_user, slot, make_slot, center, station):
    near = make_slot(hour=12)
    rival = ResidentFactory(center=center, station=station)
    rival_user = UserFactory()
    rival.user = rival_user
    rival.save()
    appointment_book(slot=slot, resident=rival, booked_by=rival_user)
    response = client_for(resident_user).post(
        reverse("appointments:confirm", args=[slot.pk]), {"for_whom": resident_user.resident.pk}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="slot-taken"' in page
    assert reverse("appointments:confirm", args=[near.pk]) in page
    assert Appointment.objects.count() == 1


def test_no_double_booking_of_counselor_or_resident(resident, make_slot, counselor, center, station):
    first = make_slot(hour=10)
    appointment_book(slot=first, resident=resident, booked_by=resident.user)
    with pytest.raises(SlotTaken):
        appointment_book(slot=first, resident=resident, booked_by=resident.user)
    # Same counselor, overlapping time on another slot (e.g. phone and face-to-face published together).
    overlapping = make_slot(hour=10, minute=30, place="remote", service="phone", station=None, status=SlotStatus.OPEN)
    other = ResidentFactory(center=center, station=station, user=UserFactory())
    with pytest.raises(SlotTaken):
        appointment_book(slot=overlapping, resident=other, booked_by=other.user)
    # Same resident, another counselor at an overlapping time.
    colleague_slot = SlotFactory(center=center, station=station, starts_at=first.starts_at + dt.timedelta(minutes=20))
    with pytest.raises(ValidationError, match="already has an appointment"):
        appointment_book(slot=colleague_slot, resident=resident, booked_by=resident.user)
    assert Appointment.objects.count() == 1


def test_the_database_refuses_a_second_active_appointment_on_a_slot(resident, slot, center, station):
    from django.db import IntegrityError, transaction

    appointment_book(slot=slot, resident=resident, booked_by=resident.user)
    other = ResidentFactory(center=center, station=station)
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(
            slot=slot,
            center=center,
            station=station,
            counselor=slot.counselor,
            resident=other,
            service=slot.service,
            place=slot.place,
            starts_at=slot.starts_at + dt.timedelta(minutes=1),
            ends_at=slot.ends_at,
            channel=Channel.PHONE,
        )


def test_cancel_up_to_the_cutoff_frees_the_slot_and_drops_reminders(client_for, resident_user, slot, center):
    appointment = appointment_book(slot=slot, resident=resident_user.resident, booked_by=resident_user)
    assert appointment.reminders.filter(status="pending").exists()
    client = client_for(resident_user)
    asked = client.post(reverse("appointments:cancel", args=[appointment.pk])).content.decode()
    appointment.refresh_from_db()
    assert 'data-testid="confirm"' in asked and appointment.status == AppointmentStatus.BOOKED  # asked first
    client.post(reverse("appointments:cancel", args=[appointment.pk]), {"confirmed": "yes"})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert not appointment.reminders.filter(status="pending", kind__in=["24h", "2h", "confirm"]).exists()
    again = appointment_book(slot=slot, resident=resident_user.resident, booked_by=resident_user)
    assert again.pk != appointment.pk


def test_cancel_inside_the_cutoff_is_refused_for_residents_but_staff_may(resident, make_slot, counselor, center):
    slot = make_slot(days=1, hour=9)
    now = slot.starts_at - dt.timedelta(hours=20)
    appointment = appointment_book(slot=slot, resident=resident, booked_by=resident.user, now=now)
    with pytest.raises(ValidationError, match="up to 12 hours before"):
        appointment_cancel(appointment=appointment, actor=resident.user, now=slot.starts_at - dt.timedelta(hours=5))
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED
    appointment_cancel(appointment=appointment, actor=counselor, now=slot.starts_at - dt.timedelta(hours=5))
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED


def test_reschedule_moves_the_booking_and_a_refused_move_changes_nothing(
    client_for, resident_user, make_slot, center, station
):
    first, second, taken = make_slot(hour=9), make_slot(days=3, hour=9), make_slot(days=3, hour=11)
    client = client_for(resident_user)
    appointment = appointment_book(slot=first, resident=resident_user.resident, booked_by=resident_user)
    page = client.get(
        reverse("appointments:reschedule", args=[appointment.pk]), {"day": timezone.localdate(second.starts_at)}
    )
    assert f'value="{second.pk}"' in page.content.decode()
    response = client.post(reverse("appointments:reschedule", args=[appointment.pk]), {"slot": second.pk})
    moved = Appointment.objects.get(slot=second)
    assert response["Location"] == moved.get_absolute_url()
    assert moved.rescheduled_from_id == appointment.pk
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    rival = ResidentFactory(center=center, station=station, user=UserFactory())
    appointment_book(slot=taken, resident=rival, booked_by=rival.user)
    with pytest.raises(SlotTaken):
        appointment_reschedule(appointment=moved, new_slot=taken, actor=resident_user)
    moved.refresh_from_db()
    assert moved.status == AppointmentStatus.BOOKED


def test_another_residents_appointment_is_a_404(client_for, resident, slot, center, station):
    appointment = appointment_book(slot=slot, resident=resident, booked_by=resident.user)
    stranger = ResidentFactory(center=center, station=station, user=UserFactory())
    client = client_for(stranger.user)
    for name in ("appointments:detail", "appointments:reschedule", "appointments:ics"):
        assert client.get(reverse(name, args=[appointment.pk])).status_code == 404
    assert client.post(reverse("appointments:cancel", args=[appointment.pk])).status_code == 404
    assert Appointment.objects.get().status == AppointmentStatus.BOOKED


def test_staff_book_a_walk_in_without_an_account(client_for, counselor, slot, center):
    client = client_for(counselor)
    page = client.get(reverse("appointments:staff_book_confirm", args=[slot.pk])).content.decode()
    assert 'for="id_new_name"' in page and 'for="id_channel"' in page
    response = client.post(
        reverse("appointments:staff_book_confirm", args=[slot.pk]),
        {"new_name": "赵大妈", "new_phone": "13900001111", "channel": "walk_in"},
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.channel == Channel.WALK_IN and appointment.booked_by == counselor
    assert appointment.resident.full_name == "赵大妈" and appointment.resident.user is None


def test_staff_booking_a_taken_time_leaves_no_stray_person(counselor, slot, resident):
    appointment_book(slot=slot, resident=resident, booked_by=resident.user)
    before = Resident.objects.count()
    with pytest.raises(SlotTaken):
        appointment_book_by_staff(slot=slot, actor=counselor, channel=Channel.HOTLINE, new_name="新来电")
    assert Resident.objects.count() == before


def test_staff_may_book_inside_the_online_cutoff(counselor, resident, make_slot):
    slot = make_slot(days=0, hour=23, minute=0)
    slot.starts_at = timezone.now() + dt.timedelta(hours=2)
    slot.ends_at = slot.starts_at + dt.timedelta(minutes=50)
    slot.save()
    appointment = appointment_book_by_staff(slot=slot, actor=counselor, channel=Channel.PHONE, resident=resident)
    assert appointment.channel == Channel.PHONE


def test_staff_of_another_center_cannot_book_here(make_staff, other_center, slot, resident):
    stranger = make_staff(Role.COUNSELOR, center_=other_center)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        appointment_book_by_staff(slot=slot, actor=stranger, channel=Channel.PHONE, resident=resident)
    assert not Slot.objects.get(pk=slot.pk).appointments.exists()


def test_staff_find_a_person_by_name_and_see_only_a_masked_phone(client_for, counselor, slot, resident):
    page = (
        client_for(counselor)
        .get(reverse("appointments:staff_book_confirm", args=[slot.pk]), {"q": "林小"})
        .content.decode()
    )
    assert "林小雨 138****1234" in page and "13812341234" not in page
    assert AuditEvent.objects.filter(action="resident.search", actor=counselor).exists()


def test_choosing_another_day_with_htmx_returns_only_the_free_times(client, slot):
    params = {"service": "face_to_face", "where": f"s{slot.station_id}", "day": timezone.localdate(slot.starts_at)}
    response = client.get(reverse("appointments:book"), params, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert reverse("appointments:confirm", args=[slot.pk]) in page
    assert "<html" not in page and 'hx-target="#free-times"' in page


def test_staff_move_a_booking_and_the_person_is_told(
    client_for, counselor, resident, make_slot, django_capture_on_commit_callbacks
):
    first, second = make_slot(hour=9), make_slot(hour=11)
    appointment = appointment_book(slot=first, resident=resident, booked_by=resident.user)
    client = client_for(counselor)
    page = client.get(reverse("appointments:staff_reschedule", args=[appointment.pk])).content.decode()
    assert f'value="{second.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("appointments:staff_reschedule", args=[appointment.pk]), {"slot": second.pk})
    moved = Appointment.objects.get(slot=second)
    assert moved.rescheduled_from_id == appointment.pk and moved.channel == Channel.ONLINE
    assert moved.reminders.filter(kind="confirm", status="sent").exists()


def test_the_upcoming_summary_tag_for_the_resident_home_page(rf, resident_user, slot):
    from django.template import Context, Template

    appointment_book(slot=slot, resident=resident_user.resident, booked_by=resident_user)
    request = rf.get("/")
    request.user = resident_user
    html = Template("{% load appointment_tags %}{% my_upcoming_appointments %}").render(Context({"request": request}))
    assert "王老师" in html and reverse("appointments:mine") in html


def test_the_booking_page_starts_at_the_residents_own_station(client_for, resident_user, station):
    page = client_for(resident_user).get(reverse("appointments:book")).content.decode()
    assert f'<option value="s{station.pk}" selected>' in page
