"""The endpoint an open workspace polls for new alerts: one query whatever the data, a new alert or a repeated
help-now changes its answer, an acknowledgement too; only case workers reach it; polling keeps no session alive."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Channel
from cases.services import alerts as alert_services
from cases.services import intake as intake_services
from centers.middleware import LAST_SEEN_KEY
from centers.models import Role
from tests.factories import ResidentFactory, UserFactory, put_on_duty

pytestmark = pytest.mark.django_db

URL = "/cases/alerts/latest/"
BACKGROUND = {"HTTP_X_FUCHENG_BACKGROUND": "1"}


def _raise(center, station, n=1):
    cases = []
    for _ in range(n):
        person = ResidentFactory(center=center, station=station)
        case, _created = intake_services.case_intake(
            resident=person, center=center, channel=Channel.HELP_NOW, source="", actor=None
        )
        cases.append(case)
    return cases


def _latest(client) -> tuple[dict, int]:
    client.get(URL, **BACKGROUND)  # warm up the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, **BACKGROUND)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    return response.json(), len(ctx.captured_queries)


def test_the_url_is_the_one_the_page_polls(client_for, on_duty):
    assert reverse("cases:alerts_latest") == URL
    page = client_for(on_duty).get(reverse("cases:workspace")).content.decode()
    assert f'data-alerts-latest="{URL}"' in page and "js/alerts-live.js" in page and "sounds/alert.wav" in page


def test_the_answer_takes_the_same_queries_with_1_or_12_open_alerts(client_for, on_duty, center, station):
    client = client_for(on_duty)
    _raise(center, station, 1)
    small, small_count = _latest(client)
    _raise(center, station, 11)
    large, large_count = _latest(client)
    assert small["open"] == 1 and large["open"] == 12
    assert small_count == large_count


def test_a_new_alert_and_a_repeated_help_now_change_the_answer_for_both_counselors_on_duty(
    client, make_staff, center, station
):
    from django.test import Client

    first = make_staff(Role.COUNSELOR, display_name="值班老师甲")
    second = make_staff(Role.COUNSELOR, display_name="值班老师乙")
    put_on_duty(first, center)
    put_on_duty(second, center)
    clients = {}
    for person in (first, second):
        clients[person] = Client()
        clients[person].force_login(person)
    before = {person: _latest(c)[0] for person, c in clients.items()}
    assert all(answer == {"alert": 0, "request": 0, "open": 0} for answer in before.values())

    resident = ResidentFactory(center=center, station=station, user=UserFactory(), phone="13812341234")
    intake_services.help_now_request(actor=resident.user, phone="13812341234", resident=resident)
    after = {person: _latest(c)[0] for person, c in clients.items()}
    for person in (first, second):
        assert after[person]["alert"] > 0 and after[person]["open"] == 1

    intake_services.help_now_request(actor=resident.user, phone="13812341234", resident=resident)  # asks again
    again = {person: _latest(c)[0] for person, c in clients.items()}
    for person in (first, second):
        assert again[person]["alert"] == after[person]["alert"]
        assert again[person]["request"] > after[person]["request"]

    from cases.alerts.models import CrisisAlert

    alert_services.alert_acknowledge(alert=CrisisAlert.objects.get(), actor=first)
    for c in clients.values():
        assert _latest(c)[0]["open"] == 0


def test_an_alert_of_another_center_is_not_seen(client_for, on_duty, other_center, other_center_station):
    client = client_for(on_duty)
    _raise(other_center, other_center_station, 1)
    assert _latest(client)[0] == {"alert": 0, "request": 0, "open": 0}


@pytest.mark.parametrize(
    ("role", "at_station"), [(Role.VOLUNTEER, True), (Role.OFFICIAL, False), (Role.AUDITOR, False)]
)
def test_people_who_do_not_work_cases_get_404(client_for, make_staff, station, role, at_station):
    user = make_staff(role, station=station if at_station else None)
    assert client_for(user).get(URL, **BACKGROUND).status_code == 404


def test_a_resident_gets_404_and_a_visitor_is_sent_to_sign_in(client_for, resident_user, client):
    from django.test import Client

    assert Client().get(URL).status_code == 302
    assert client_for(resident_user).get(URL).status_code == 404


def test_polling_does_not_keep_a_staff_session_alive(client_for, on_duty):
    client = client_for(on_duty)
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 120
    session.save()
    client.get(URL, **BACKGROUND)
    assert client.session[LAST_SEEN_KEY] == session[LAST_SEEN_KEY]
