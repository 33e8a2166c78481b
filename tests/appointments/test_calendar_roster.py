import datetime as dt
import hashlib
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import CalendarFeed
from appointments.services.booking import appointment_book
from centers.models import DutyShift, Role, ShiftKind
from centers.roster.services import duty_shift_create
from centers.selectors import DUTY_CRISIS_TEAM, on_duty
from tests.factories import give_confirmed_phone, put_on_duty

pytestmark = pytest.mark.django_db


def _feed_secret(page: str) -> str:
    """The secret of the feed address shown on the calendar page (only when it was just made)."""
    match = re.search(r"/feed/([\w-]+)\.ics", page)
    assert match, "the page shows the address"
    return match.group(1)


def test_the_counselor_feed_shows_appointments_without_names_or_reasons(client_for, client, counselor, resident, slot):
    appointment_book(slot=slot, resident=resident, booked_by=resident.user, reason="失眠")
    page = client_for(counselor).get(reverse("appointments:calendar")).content.decode()
    secret = _feed_secret(page)
    feed = CalendarFeed.objects.get(user=counselor)
    assert secret not in feed.token_hash and feed.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    client.logout()
    response = client.get(reverse("appointments:calendar_feed", args=[secret]))
    body = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in body and slot.starts_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ") in body
    assert "林小雨" not in body and "失眠" not in body and resident.phone not in body
    # The table's hash opens nothing.
    assert client.get(reverse("appointments:calendar_feed", args=[feed.token_hash])).status_code == 404


def test_the_address_is_shown_once_then_only_a_new_one_can_be_made(client_for, counselor):
    client = client_for(counselor)
    first = client.get(reverse("appointments:calendar")).content.decode()
    assert 'data-testid="feed-url"' in first
    again = client.get(reverse("appointments:calendar")).content.decode()
    assert 'data-testid="feed-url"' not in again and 'data-testid="feed-hidden"' in again
    assert _feed_secret(first) not in again


def test_revoking_the_feed_address_makes_the_old_one_stop_working(client_for, client, counselor):
    old = _feed_secret(client_for(counselor).get(reverse("appointments:calendar")).content.decode())
    response = client_for(counselor).post(reverse("appointments:calendar"))
    new = _feed_secret(response.content.decode())
    assert new != old
    client.logout()
    assert client.get(reverse("appointments:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("appointments:calendar_feed", args=[new])).status_code == 200


def test_a_resident_downloads_an_ics_of_their_appointment(client_for, resident_user, slot):
    appointment = appointment_book(slot=slot, resident=resident_user.resident, booked_by=resident_user)
    response = client_for(resident_user).get(reverse("appointments:ics", args=[appointment.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    body = response.content.decode()
    assert "王老师" in body and "BEGIN:VCALENDAR" in body and "\r\n" in body


def _at(days, hour):
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def test_the_supervisor_sees_gaps_in_24_hour_coverage(client_for, supervisor, counselor, center):
    give_confirmed_phone(supervisor, counselor)
    for day in range(0, 15):
        for start in (0, 8, 16):
            if (day, start) == (3, 16):
                continue  # nobody on the evening of day 3
            duty_shift_create(
                actor=supervisor,
                center=center,
                kind=ShiftKind.ONLINE_HOTLINE,
                user=counselor if start != 8 else supervisor,
                starts_at=_at(day, start),
                ends_at=_at(day, start) + dt.timedelta(hours=8),
                is_crisis_team=True,
            )
    page = client_for(supervisor).get(reverse("appointments:roster")).content.decode()
    assert 'data-testid="coverage-gaps"' in page
    assert _at(3, 16).strftime("%Y-%m-%d 16:00") in page
    assert on_duty(center=center, duty=DUTY_CRISIS_TEAM, at=_at(1, 9)) == [supervisor]


def test_full_coverage_reads_covered(client_for, supervisor, counselor, center):
    duty_shift_create(
        actor=supervisor,
        center=center,
        kind=ShiftKind.ONLINE_HOTLINE,
        user=counselor,
        starts_at=timezone.now() - dt.timedelta(hours=1),
        ends_at=timezone.now() + dt.timedelta(days=15),
    )
    assert 'data-testid="coverage-ok"' in client_for(supervisor).get(reverse("appointments:roster")).content.decode()


def test_roster_rules(client_for, supervisor, make_staff, station, other_station, counselor, center):
    manager = make_staff(Role.STATION_MANAGER, station=station)
    client = client_for(manager)
    start = _at(2, 9)
    form = {
        "kind": "onsite",
        "user": counselor.pk,
        "station": station.pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
    }
    client.post(reverse("appointments:roster_add"), form)
    assert DutyShift.objects.filter(station=station, user=counselor).exists()
    client.post(reverse("appointments:roster_add"), {**form, "station": other_station.pk})
    client.post(reverse("appointments:roster_add"), {**form, "kind": "online_hotline", "station": ""})
    assert DutyShift.objects.count() == 1
    # Double duty for one person is refused with a message.
    response = client_for(supervisor).post(reverse("appointments:roster_add"), {**form, "station": ""}, follow=True)
    assert "already on duty" in response.content.decode()
    assert DutyShift.objects.count() == 1


def test_a_station_manager_sees_remove_only_on_shifts_they_may_change(
    client_for, make_staff, supervisor, counselor, station, center
):
    manager = make_staff(Role.STATION_MANAGER, station=station)
    onsite = duty_shift_create(
        actor=supervisor,
        center=center,
        kind="onsite",
        user=counselor,
        station=station,
        starts_at=_at(2, 9),
        ends_at=_at(2, 17),
    )
    online = duty_shift_create(
        actor=supervisor,
        center=center,
        kind="online_hotline",
        user=supervisor,
        starts_at=_at(2, 9),
        ends_at=_at(2, 17),
    )
    page = client_for(manager).get(reverse("appointments:roster")).content.decode()
    assert reverse("appointments:roster_delete", args=[onsite.pk]) in page
    assert reverse("appointments:roster_delete", args=[online.pk]) not in page


def test_the_roster_warns_about_a_coming_shift_whose_person_an_alert_cannot_reach_on_the_phone(
    client_for, supervisor, make_staff, center
):
    reachable = make_staff(Role.COUNSELOR, display_name="有手机老师", phone="13700000021", phone_verified=True)
    unconfirmed = make_staff(Role.COUNSELOR, display_name="未确认老师", phone="13700000022", phone_verified=False)
    for person in (reachable, unconfirmed):
        put_on_duty(person, center, start=_at(1, 9))

    page = client_for(supervisor).get(reverse("appointments:roster")).content.decode()

    warnings = page.count('data-testid="shift-unreachable"')
    assert warnings == 1
    line = page[: page.index('data-testid="shift-unreachable"')].rsplit("<li", 1)[1]
    assert "未确认老师" in line and "有手机老师" not in line
