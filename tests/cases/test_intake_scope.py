"""Intake stays in scope (issue 25, item 3): a counselor of another station who types a resident's number touches
nothing of theirs and learns nothing of them; the contact is passed to the station responsible, whose counselors
take it up into the person's record."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases.alerts.models import Notification
from cases.models import Case, CaseEvent, Channel, EventKind, Stage
from cases.referrals.models import StationRequest
from centers.models import Resident, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def west_counselor(make_staff, other_station):
    return make_staff(Role.COUNSELOR, station=other_station, display_name="西站老师")


def _intake(client, **fields):
    return client.post(reverse("cases:case_new"), {"channel": Channel.HOTLINE, **fields})


def test_another_stations_counselor_touches_nothing_and_learns_nothing(
    client_for, west_counselor, counselor, open_case, person, other_station
):
    before = (open_case.summary, open_case.tier, open_case.events.count())
    client = client_for(west_counselor)
    fields = {"full_name": "来电人", "station": other_station.pk, "summary": "说自己睡不着"}
    response = _intake(client, phone=person.phone, **fields)
    page = client.get(response["Location"]).content.decode()

    open_case.refresh_from_db()
    assert (open_case.summary, open_case.tier, open_case.events.count()) == before  # nothing appended or raised
    assert open_case.reference not in page and person.full_name not in page
    # What the counselor saw is what a number nobody has gives: a record of the caller's own, a new case.
    mine = Case.objects.get(resident__full_name="来电人")
    assert response["Location"] == mine.get_absolute_url() and mine.station == other_station
    unknown = _intake(client, phone="13599990000", full_name="另一来电人", station=other_station.pk)
    assert unknown.status_code == response.status_code == 302

    # The contact waits for the person's own station, with the record it leads to.
    passed = StationRequest.objects.get(resident=person)
    assert passed.station == person.station and passed.summary == "说自己睡不着" and passed.sender_case == mine
    told = Notification.objects.filter(user=counselor, key=f"station-request:{passed.pk}")
    assert set(told.values_list("channel", flat=True)) >= {"workspace", "email"}
    assert not Notification.objects.filter(user=west_counselor, key__startswith="station-request:").exists()
    # Their counselor takes it up: the contact joins the person's open case.
    own = client_for(counselor)
    listing = own.get(reverse("cases:station_requests")).content.decode()
    assert person.full_name in listing and "说自己睡不着" in listing
    taken = own.post(reverse("cases:station_request_take", args=[passed.pk]))
    assert taken["Location"] == open_case.get_absolute_url()
    open_case.refresh_from_db()
    assert "说自己睡不着" in open_case.summary
    assert CaseEvent.objects.filter(case=open_case, kind=EventKind.JOINED, from_value=f"station-request:{passed.pk}")
    passed.refresh_from_db()
    assert passed.taken_up_by == counselor and passed.case == open_case
    # Taken once: a second try is refused with a reason, not a second join.
    again = own.post(reverse("cases:station_request_take", args=[passed.pk]))
    assert again.status_code == 404


def test_a_closed_case_elsewhere_is_not_reopened_nor_its_person_named_as_a_lookalike(
    client_for, west_counselor, open_case, person, other_station
):
    open_case.stage = Stage.CLOSED
    open_case.closed_at = open_case.opened_at
    open_case.save(update_fields=["stage", "closed_at"])
    client = client_for(west_counselor)
    # No name: the answer for a stranger's number is the answer for nobody's number.
    blank = _intake(client, phone=person.phone, station=other_station.pk)
    nobody = _intake(client, phone="13599991111", station=other_station.pk)
    assert blank.status_code == nobody.status_code == 400
    shown = blank.content.decode()
    assert person.full_name not in shown and person.full_name[0] + "**" not in shown  # not even the masked name
    assert not StationRequest.objects.exists()  # a refused form files nothing
    _intake(client, phone=person.phone, full_name="来电人", station=other_station.pk)
    open_case.refresh_from_db()
    assert open_case.stage == Stage.CLOSED


def test_a_station_outside_ones_scope_gets_the_contact_passed_on_whoever_the_number_is(
    client_for, west_counselor, person, station
):
    client = client_for(west_counselor)
    known = _intake(client, phone=person.phone, full_name="某人", station=station.pk, summary="邻居报告")
    unknown = _intake(client, phone="13599992222", full_name="某人", station=station.pk, summary="邻居报告")
    assert known["Location"] == unknown["Location"] == reverse("cases:workspace")
    assert not Case.objects.exists() and Resident.objects.filter(full_name="某人").count() == 0
    rows = list(StationRequest.objects.order_by("pk"))
    assert [r.station for r in rows] == [station, station]
    assert rows[0].resident == person and rows[1].resident is None
    message = client.get(reverse("cases:workspace")).content.decode()
    assert station.name in message and person.full_name not in message


def test_a_contact_for_nobody_registered_becomes_a_record_when_taken_up(client_for, west_counselor, counselor, station):
    _intake(client_for(west_counselor), phone="13599993333", full_name="新来电人", station=station.pk)
    passed = StationRequest.objects.get()
    response = client_for(counselor).post(reverse("cases:station_request_take", args=[passed.pk]))
    case = Case.objects.get(resident__full_name="新来电人")
    assert response["Location"] == case.get_absolute_url() and case.station == station


def test_the_supervisor_and_the_center_hotline_still_find_everyone(client_for, supervisor, open_case, person):
    response = _intake(client_for(supervisor), phone=person.phone, summary="督导接到电话")
    assert response["Location"] == open_case.get_absolute_url()
    open_case.refresh_from_db()
    assert "督导接到电话" in open_case.summary and not StationRequest.objects.exists()
