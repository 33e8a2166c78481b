"""The pages: a resident registers from a phone, staff take attendance and manage volunteers and training,
and nobody reaches another station's or center's objects."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from centers.audit.models import AuditEvent
from centers.community.models import DutyStatus, RegistrationStatus, TrainingRecord, VolunteerTask
from centers.models import Membership, Role
from tests.centers.community.factories import (
    RegistrationFactory,
    TrainingSessionFactory,
    VolunteerTaskFactory,
    WorkshopFactory,
)
from tests.factories import ResidentFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- Residents ----------------------------------------------------------------------------


def test_anyone_sees_upcoming_workshops_with_places(client, workshop, center):
    RegistrationFactory(workshop=workshop)
    WorkshopFactory(center=center, title="已结束的讲座", starts_at=timezone.now() - dt.timedelta(days=1))
    html = client.get(reverse("centers:workshop_list")).content.decode()
    assert "亲子沟通工作坊" in html and "1 of 2 places taken" in html
    assert "已结束的讲座" not in html
    detail = client.get(reverse("centers:workshop_detail", args=[workshop.pk])).content.decode()
    assert "Sign in to register" in detail


def test_a_resident_registers_then_sees_it_and_cancels(client_for, resident_user, workshop):
    client = client_for(resident_user)
    page = client.get(reverse("centers:workshop_detail", args=[workshop.pk])).content.decode()
    assert 'data-testid="register"' in page
    response = client.post(
        reverse("centers:workshop_register", args=[workshop.pk]),
        {"resident": resident_user.resident.pk, "note": "第一次参加"},
        follow=True,
    )
    html = response.content.decode()
    assert "Your place is confirmed" in html and "亲子沟通工作坊" in html
    registration = resident_user.resident.workshop_registrations.get()
    assert registration.status == RegistrationStatus.CONFIRMED and registration.note == "第一次参加"
    response = client.post(reverse("centers:registration_cancel", args=[registration.pk]), follow=True)
    assert "Your registration is cancelled." in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_a_full_workshop_puts_the_resident_on_the_waiting_list_with_a_position(client_for, resident_user, workshop):
    RegistrationFactory(workshop=workshop)
    RegistrationFactory(workshop=workshop)
    RegistrationFactory(workshop=workshop, status=RegistrationStatus.WAITLISTED, confirmed_at=None)
    client = client_for(resident_user)
    assert (
        "Join the waiting list" in client.get(reverse("centers:workshop_detail", args=[workshop.pk])).content.decode()
    )
    response = client.post(
        reverse("centers:workshop_register", args=[workshop.pk]), {"resident": resident_user.resident.pk}, follow=True
    )
    html = response.content.decode()
    assert "You are number 2 on the waiting list" in html
    assert "number 2 on the waiting list" in client.get(reverse("centers:my_workshops")).content.decode()


def test_registering_twice_shows_a_message_and_writes_nothing(client_for, resident_user, workshop):
    client = client_for(resident_user)
    url = reverse("centers:workshop_register", args=[workshop.pk])
    client.post(url, {"resident": resident_user.resident.pk})
    response = client.post(url, {"resident": resident_user.resident.pk})
    assert response.status_code == 400
    assert "is already registered for this workshop" in response.content.decode()
    assert workshop.registrations.count() == 1


def test_a_parent_registers_a_child(client_for, resident_user, workshop, center, station):
    child = ResidentFactory(center=center, station=station, guardian=resident_user.resident, full_name="林小树")
    client = client_for(resident_user)
    assert "林小树" in client.get(reverse("centers:workshop_detail", args=[workshop.pk])).content.decode()
    client.post(reverse("centers:workshop_register", args=[workshop.pk]), {"resident": child.pk})
    assert "林小树" in client.get(reverse("centers:my_workshops")).content.decode()


def test_a_resident_cannot_register_someone_else_or_cancel_their_place(
    client_for, resident_user, workshop, center, station
):
    stranger = ResidentFactory(center=center, station=station, user=UserFactory())
    client = client_for(resident_user)
    response = client.post(reverse("centers:workshop_register", args=[workshop.pk]), {"resident": stranger.pk})
    assert response.status_code == 400 and not workshop.registrations.exists()
    theirs = RegistrationFactory(workshop=workshop, resident=stranger)
    assert client.post(reverse("centers:registration_cancel", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == RegistrationStatus.CONFIRMED


def test_resident_pages_fit_a_phone(client_for, resident_user, workshop):
    """No tables or fixed widths on the resident pages: cards that wrap at 375px (checked in the browser test too)."""
    client = client_for(resident_user)
    RegistrationFactory(workshop=workshop, resident=resident_user.resident)
    for url in (
        reverse("centers:workshop_list"),
        reverse("centers:workshop_detail", args=[workshop.pk]),
        reverse("centers:my_workshops"),
    ):
        html = client.get(url).content.decode()
        assert "<table" not in html.split('id="main"')[1]
        assert 'name="viewport" content="width=device-width' in html


# --- Staff: workshops -----------------------------------------------------------------------


def test_staff_announce_a_workshop_at_their_station(client_for, manager, station, other_station):
    start = (timezone.localtime() + dt.timedelta(days=7)).replace(hour=14, minute=0, second=0, microsecond=0)
    data = {
        "kind": "lecture",
        "title": "睡眠与情绪讲座",
        "station": station.pk,
        "place": "活动室",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": 40,
    }
    client = client_for(manager)
    response = client.post(reverse("centers:staff_workshop_create"), data, follow=True)
    assert "睡眠与情绪讲座" in response.content.decode()
    assert "睡眠与情绪讲座" in client.get(reverse("centers:workshop_list")).content.decode()
    response = client.post(
        reverse("centers:staff_workshop_create"), {**data, "station": other_station.pk, "title": "别站"}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_staff_take_attendance_after_the_start(client_for, manager, center, station):
    start = timezone.now() - dt.timedelta(hours=1)
    workshop = WorkshopFactory(center=center, station=station, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    came, missed = RegistrationFactory(workshop=workshop), RegistrationFactory(workshop=workshop)
    client = client_for(manager)
    page = client.get(reverse("centers:staff_workshop_attendance", args=[workshop.pk])).content.decode()
    assert came.resident.full_name in page and missed.resident.full_name in page
    response = client.post(
        reverse("centers:staff_workshop_attendance", args=[workshop.pk]), {"attended": [came.pk]}, follow=True
    )
    assert "Attendance saved: 1 attended." in response.content.decode()
    came.refresh_from_db(), missed.refresh_from_db()
    assert (came.attendance, missed.attendance) == ("attended", "absent")


def test_the_staff_workshop_page_masks_phones_and_is_audited(client_for, manager, workshop):
    registration = RegistrationFactory(workshop=workshop)
    html = client_for(manager).get(reverse("centers:staff_workshop_detail", args=[workshop.pk])).content.decode()
    assert registration.resident.full_name in html
    assert registration.resident.masked_phone in html and registration.resident.phone not in html
    assert AuditEvent.objects.filter(action="workshop.registrations_view", object_id=str(workshop.pk)).exists()


def test_the_duty_form_refuses_a_lapsed_volunteer_with_a_message(
    client_for, manager, workshop, lapsed_volunteer, volunteer
):
    client = client_for(manager)
    url = reverse("centers:staff_workshop_duty", args=[workshop.pk])
    response = client.post(url, {"volunteer": lapsed_volunteer.pk}, follow=True)
    assert "training is not current" in response.content.decode()
    assert not VolunteerTask.objects.exists()
    response = client.post(url, {"volunteer": volunteer.pk}, follow=True)
    assert "Duty assigned." in response.content.decode()


def test_staff_change_places_and_call_off(client_for, manager, workshop, sms):
    RegistrationFactory(workshop=workshop)
    client = client_for(manager)
    client.post(reverse("centers:staff_workshop_capacity", args=[workshop.pk]), {"capacity": 5})
    workshop.refresh_from_db()
    assert workshop.capacity == 5
    response = client.post(reverse("centers:staff_workshop_cancel", args=[workshop.pk]), follow=True)
    assert "Workshop cancelled" in response.content.decode()


# --- Staff: volunteers and training ---------------------------------------------------------


def test_volunteer_list_shows_current_and_lapsed_training(client_for, manager, volunteer, lapsed_volunteer):
    html = client_for(manager).get(reverse("centers:volunteer_list")).content.decode()
    assert "吴芳" in html and "郑伟" in html
    assert html.count('data-testid="cleared"') == 1 and html.count('data-testid="lapsed"') == 1


def test_register_a_volunteer_then_record_training_then_give_a_task(client_for, manager, station):
    client = client_for(manager)
    response = client.post(
        reverse("centers:volunteer_register"),
        {"display_name": "新志愿者", "phone": "13922223333", "station": station.pk},
        follow=True,
    )
    html = response.content.decode()
    assert "Volunteer registered." in html and "Training not current" in html
    membership = Membership.objects.get(user__phone="13922223333", role=Role.VOLUNTEER)
    due = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    task = {"kind": "home_visit", "title": "陪同家访", "station": station.pk, "due_at": due, "hours": "2"}
    response = client.post(reverse("centers:volunteer_task_assign", args=[membership.pk]), task)
    assert response.status_code == 400 and "training is not current" in response.content.decode()
    today = timezone.localdate()
    client.post(
        reverse("centers:volunteer_training_add", args=[membership.pk]),
        {
            "course": "心理志愿者基础培训",
            "hours": "8",
            "completed_on": today.isoformat(),
            "certificate_number": "FC-1",
            "certificate_expires_on": (today + dt.timedelta(days=365)).isoformat(),
        },
    )
    assert TrainingRecord.objects.filter(user=membership.user).exists()
    response = client.post(reverse("centers:volunteer_task_assign", args=[membership.pk]), task, follow=True)
    assert "Task assigned." in response.content.decode()
    task_row = VolunteerTask.objects.get()
    response = client.post(reverse("centers:volunteer_task_done", args=[task_row.pk]), follow=True)
    html = response.content.decode()
    assert "Task marked done" in html, re.findall(r"hours-total[^<]*<", html)
    assert re.findall(r"hours-total\">([^<]*)<", html) == ["10"]


def test_a_bad_training_record_keeps_the_input_and_writes_nothing(client_for, manager, volunteer):
    membership = Membership.objects.get(user=volunteer)
    today = timezone.localdate()
    response = client_for(manager).post(
        reverse("centers:volunteer_training_add", args=[membership.pk]),
        {
            "course": "复训",
            "hours": "3",
            "completed_on": today.isoformat(),
            "certificate_expires_on": (today - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "must expire after" in response.content.decode()
    assert 'value="复训"' in response.content.decode()
    assert TrainingRecord.objects.filter(user=volunteer).count() == 1


def test_training_session_and_attendance(client_for, supervisor, lapsed_volunteer, center):
    client = client_for(supervisor)
    start = (timezone.localtime() - dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("centers:training_create"),
        {
            "topic": "危机识别与转介",
            "trainer": "孙教授",
            "station": "",
            "starts_at": start,
            "hours": "3",
            "certificate_months": 12,
        },
        follow=True,
    )
    assert "Training scheduled." in response.content.decode()
    session = center.training_sessions.get()
    response = client.post(
        reverse("centers:training_detail", args=[session.pk]), {"attendees": [lapsed_volunteer.pk]}, follow=True
    )
    assert "Attendance saved." in response.content.decode() and "郑伟" in response.content.decode()
    membership = Membership.objects.get(user=lapsed_volunteer)
    assert "Training current" in client.get(reverse("centers:volunteer_detail", args=[membership.pk])).content.decode()


def test_a_volunteer_sees_their_own_duties_and_hours(client_for, volunteer, center, station):
    VolunteerTaskFactory(center=center, station=station, volunteer=volunteer, title="社区宣传日")
    VolunteerTaskFactory(
        center=center,
        station=station,
        volunteer=volunteer,
        title="已完成的家访",
        hours=Decimal("1.5"),
        status=DutyStatus.DONE,
        done_at=timezone.now(),
        due_at=timezone.now() - dt.timedelta(days=1),
    )
    html = client_for(volunteer).get(reverse("centers:volunteer_duty_record")).content.decode()
    assert "社区宣传日" in html and "已完成的家访" in html
    assert "9.5 hours in all" in html
    assert "Your training is current until" in html


def test_the_duty_record_is_for_volunteers_only(client_for, resident_user, counselor):
    assert client_for(resident_user).get(reverse("centers:volunteer_duty_record")).status_code == 404


# --- Scope: another station's or center's object is a 404 ----------------------------------------

STAFF_PAGES = [
    "centers:staff_workshop_list",
    "centers:staff_workshop_create",
    "centers:volunteer_list",
    "centers:volunteer_register",
    "centers:training_list",
    "centers:training_create",
    "centers:group_list",
]


@pytest.mark.parametrize("url_name", STAFF_PAGES)
def test_residents_volunteers_officials_and_auditors_cannot_open_staff_pages(
    client_for, resident_user, volunteer, official, auditor, url_name
):
    for user in (resident_user, volunteer, official, auditor):
        client = client_for(user)
        assert client.get(reverse(url_name)).status_code == 404, (user, url_name)


@pytest.mark.parametrize("url_name", STAFF_PAGES)
def test_staff_pages_open_for_the_supervisor(client_for, supervisor, url_name):
    assert client_for(supervisor).get(reverse(url_name)).status_code == 200


def test_another_stations_and_centers_objects_are_404(
    client_for, make_staff, other_station, other_center, workshop, volunteer, center
):
    session = TrainingSessionFactory(center=center, station=workshop.station)
    task = VolunteerTaskFactory(center=center, station=workshop.station, volunteer=volunteer)
    membership = Membership.objects.get(user=volunteer)
    outsiders = [
        make_staff(Role.STATION_MANAGER, station=other_station),
        make_staff(Role.COUNSELOR, station=other_station),
        make_staff(Role.SUPERVISOR, center_=other_center),
    ]
    gets = [
        reverse("centers:staff_workshop_detail", args=[workshop.pk]),
        reverse("centers:staff_workshop_attendance", args=[workshop.pk]),
        reverse("centers:volunteer_detail", args=[membership.pk]),
        reverse("centers:training_detail", args=[session.pk]),
    ]
    posts = [
        reverse("centers:staff_workshop_cancel", args=[workshop.pk]),
        reverse("centers:staff_workshop_capacity", args=[workshop.pk]),
        reverse("centers:volunteer_task_done", args=[task.pk]),
        reverse("centers:volunteer_training_add", args=[membership.pk]),
    ]
    for user in outsiders:
        client = client_for(user)
        for url in gets:
            assert client.get(url).status_code == 404, (user, url)
        for url in posts:
            assert client.post(url, {"capacity": 9}).status_code == 404, (user, url)
    workshop.refresh_from_db()
    assert not workshop.is_cancelled and workshop.capacity == 2


# --- Query counts on list pages at two data sizes ------------------------------------------------


def _queries(client, url):
    client.get(url)  # warm up sessions and caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _grow(center, station, volunteer, resident, n):
    for _ in range(n):
        workshop = WorkshopFactory(center=center, station=station)
        RegistrationFactory(workshop=workshop, resident=resident)
        VolunteerTaskFactory(center=center, station=station, volunteer=volunteer)
        TrainingSessionFactory(center=center, station=station)
        user = UserFactory()
        Membership.objects.create(user=user, center=center, station=station, role=Role.VOLUNTEER)


@pytest.mark.parametrize(
    ("who", "url_name"),
    [
        ("resident", "centers:workshop_list"),
        ("resident", "centers:my_workshops"),
        ("volunteer", "centers:volunteer_duty_record"),
        ("supervisor", "centers:staff_workshop_list"),
        ("supervisor", "centers:volunteer_list"),
        ("supervisor", "centers:training_list"),
        ("supervisor", "centers:group_list"),
    ],
)
def test_list_pages_do_not_grow_their_queries_with_the_data(
    client_for, center, station, volunteer, resident, supervisor, who, url_name
):
    user = {"resident": resident.user, "volunteer": volunteer, "supervisor": supervisor}[who]
    client = client_for(user)
    url = reverse(url_name)
    _grow(center, station, volunteer, resident, 2)
    small = _queries(client, url)
    _grow(center, station, volunteer, resident, 12)
    assert _queries(client, url) == small


def test_staff_register_a_caller_by_mobile_number(client_for, manager, workshop, resident):
    client = client_for(manager)
    url = reverse("centers:staff_workshop_register", args=[workshop.pk])
    response = client.post(url, {"phone": "13899998888"}, follow=True)
    assert "No resident of this center has that mobile number" in response.content.decode()
    response = client.post(url, {"phone": resident.phone}, follow=True)
    assert "林小雨: Place confirmed." in response.content.decode()
    registration = workshop.registrations.get()
    assert registration.registered_by == manager
    response = client.post(url, {"phone": resident.phone}, follow=True)
    assert "already registered" in response.content.decode()


def test_the_navbar_leads_staff_and_volunteers_to_their_community_pages(client_for, manager, volunteer, resident_user):
    html = client_for(manager).get(reverse("centers:workshop_list")).content.decode()
    assert reverse("centers:staff_workshop_list") in html
    html = client_for(volunteer).get(reverse("centers:workshop_list")).content.decode()
    assert reverse("centers:volunteer_duty_record") in html and reverse("centers:staff_workshop_list") not in html
    html = client_for(resident_user).get(reverse("centers:home")).content.decode()
    assert reverse("centers:workshop_list") in html and reverse("centers:staff_workshop_list") not in html


def _grow_one_workshop(workshop, volunteer, n):
    for _ in range(n):
        RegistrationFactory(workshop=workshop)
        RegistrationFactory(workshop=workshop, status=RegistrationStatus.WAITLISTED, confirmed_at=None)
        VolunteerTaskFactory(center=workshop.center, station=workshop.station, volunteer=volunteer)


@pytest.mark.parametrize(
    "url_name", ["centers:staff_workshop_detail", "centers:staff_workshop_attendance", "centers:volunteer_detail"]
)
def test_detail_pages_do_not_grow_their_queries_with_the_data(
    client_for, supervisor, center, station, volunteer, url_name
):
    start = timezone.now() - dt.timedelta(hours=1)
    workshop = WorkshopFactory(
        center=center, station=station, starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=100
    )
    pk = Membership.objects.get(user=volunteer).pk if url_name == "centers:volunteer_detail" else workshop.pk
    client = client_for(supervisor)
    url = reverse(url_name, args=[pk])
    _grow_one_workshop(workshop, volunteer, 2)
    small = _queries(client, url)
    _grow_one_workshop(workshop, volunteer, 10)
    assert _queries(client, url) == small


def test_my_workshops_shows_waitlist_positions_without_a_query_per_row(client_for, resident_user, center, station):
    client = client_for(resident_user)

    def grow(n):
        for _ in range(n):
            workshop = WorkshopFactory(center=center, station=station, capacity=1)
            RegistrationFactory(workshop=workshop)
            RegistrationFactory(workshop=workshop, status=RegistrationStatus.WAITLISTED, confirmed_at=None)
            RegistrationFactory(
                workshop=workshop,
                resident=resident_user.resident,
                status=RegistrationStatus.WAITLISTED,
                confirmed_at=None,
            )

    grow(2)
    small = _queries(client, reverse("centers:my_workshops"))
    grow(8)
    assert _queries(client, reverse("centers:my_workshops")) == small
    assert client.get(reverse("centers:my_workshops")).content.decode().count("number 2 on the waiting list") == 10


def test_staff_cancel_a_registration_for_a_caller(client_for, manager, workshop, make_staff, other_station):
    place = RegistrationFactory(workshop=workshop)
    waiting = RegistrationFactory(workshop=workshop, status=RegistrationStatus.WAITLISTED, confirmed_at=None)
    RegistrationFactory(workshop=workshop)
    url = reverse("centers:staff_registration_cancel", args=[workshop.pk, place.pk])
    outsider = make_staff(Role.STATION_MANAGER, station=other_station)
    assert client_for(outsider).post(url).status_code == 404
    response = client_for(manager).post(url, follow=True)
    assert f"Registration of {place.resident.full_name} cancelled." in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED
    other_workshop = WorkshopFactory(center=workshop.center, station=workshop.station)
    wrong = reverse("centers:staff_registration_cancel", args=[other_workshop.pk, waiting.pk])
    assert client_for(manager).post(wrong).status_code == 404


# role → the staff pages it may open (every other staff page is a 404 for it)
ROLE_PAGES = {
    Role.SUPERVISOR: set(STAFF_PAGES) | {"centers:group_create"},
    Role.STATION_MANAGER: set(STAFF_PAGES),
    Role.COUNSELOR: {"centers:staff_workshop_list", "centers:staff_workshop_create", "centers:group_list"},
    Role.VOLUNTEER: {"centers:volunteer_duty_record"},
    Role.EXPERT: set(),
    Role.OFFICIAL: set(),
    Role.AUDITOR: set(),
}
ALL_COMMUNITY_STAFF_PAGES = set(STAFF_PAGES) | {"centers:group_create", "centers:volunteer_duty_record"}


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_permission_matrix_of_the_community_staff_pages(client_for, make_staff, station, role):
    at_station = role in (Role.COUNSELOR, Role.VOLUNTEER, Role.STATION_MANAGER)
    client = client_for(make_staff(role, station=station if at_station else None))
    for url_name in sorted(ALL_COMMUNITY_STAFF_PAGES):
        expected = 200 if url_name in ROLE_PAGES[role] else 404
        assert client.get(reverse(url_name)).status_code == expected, (role, url_name)


@pytest.mark.parametrize("url_name", sorted(ALL_COMMUNITY_STAFF_PAGES | {"centers:my_workshops"}))
def test_anonymous_visitors_are_asked_to_sign_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_past_workshop_shows_no_registration_form(client_for, resident_user, center, station):
    past = WorkshopFactory(center=center, station=station, starts_at=timezone.now() - dt.timedelta(days=1))
    html = client_for(resident_user).get(reverse("centers:workshop_detail", args=[past.pk])).content.decode()
    assert 'data-testid="closed"' in html and 'data-testid="register"' not in html
