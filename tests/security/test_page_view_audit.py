"""Pages that show people write one audit row per view naming what was shown; the auditor reads the log in words
and finds a person by name; the browser's icon is served and never logged as a refusal."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from centers.audit.models import AuditEvent
from centers.models import Role
from tests.cases.factories import CaseFactory
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_counselor(make_staff, other_station):
    return make_staff(Role.COUNSELOR, station=other_station, display_name="李老师")


def _cases(center, station, counselor, n):
    made = []
    for _ in range(n):
        case = CaseFactory(center=center, resident=ResidentFactory(center=center, station=station), station=station)
        case.counselors.add(counselor)
        made.append(case)
    return made


def _view(client, url):
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return list(AuditEvent.objects.filter(id__gt=before).order_by("id")), len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("url_name", "action"),
    [("cases:workspace", "workspace.view"), ("cases:case_list", "case.list_view")],
)
def test_one_row_per_view_names_each_counselors_own_cases_and_queries_stay_fixed(
    client_for, center, station, other_station, counselor, second_counselor, url_name, action
):
    mine = _cases(center, station, counselor, 2)
    theirs = _cases(center, other_station, second_counselor, 2)
    client_for(counselor).get(reverse(url_name))  # warm the session
    rows, small = _view(client_for(counselor), reverse(url_name))
    assert [row.action for row in rows] == [action]
    assert rows[0].actor_id == counselor.pk and rows[0].center_id_at == center.pk
    assert rows[0].detail["shown"]["cases"] == sorted(case.pk for case in mine)

    mine += _cases(center, station, counselor, 8)
    rows, large = _view(client_for(counselor), reverse(url_name))
    assert len(rows) == 1 and rows[0].detail["shown"]["cases"] == sorted(case.pk for case in mine)
    assert large == small

    rows, _ = _view(client_for(second_counselor), reverse(url_name))
    assert len(rows) == 1 and rows[0].detail["shown"]["cases"] == sorted(case.pk for case in theirs)


def test_a_search_is_one_row_that_keeps_no_search_words(client_for, center, station, counselor):
    case = _cases(center, station, counselor, 1)[0]
    case.resident.full_name = "欧阳明月"
    case.resident.save()
    rows, _ = _view(client_for(counselor), reverse("cases:case_list") + "?q=欧阳")
    assert [row.action for row in rows] == ["case.search"]
    assert rows[0].detail["shown"] == {"cases": [case.pk]}
    assert "欧阳" not in str(rows[0].detail)


def test_the_console_is_one_row(client_for, center, station, counselor, supervisor):
    _cases(center, station, counselor, 3)
    unassigned = CaseFactory(center=center, resident=ResidentFactory(center=center, station=station), station=station)
    rows, _ = _view(client_for(supervisor), reverse("cases:console"))
    assert [row.action for row in rows] == ["console.view"]
    assert len(rows[0].detail["shown"]["cases"]) == 4
    assert unassigned.pk in rows[0].detail["shown"]["new_intakes"]  # the panels' people are named too


def test_the_workspace_row_names_todays_sessions_of_its_panel(client_for, center, station, counselor):
    from tests.appointments.factories import AppointmentFactory, SlotFactory

    person = ResidentFactory(center=center, station=station, full_name="今天来访")
    slot = SlotFactory(center=center, station=station, counselor=counselor, starts_at=timezone.now())
    today = AppointmentFactory(slot=slot, resident=person)
    rows, _ = _view(client_for(counselor), reverse("cases:workspace"))
    assert rows[0].detail["shown"]["appointments"] == [today.pk]
    assert "今天来访" in client_for(counselor).get(reverse("cases:workspace")).content.decode()


def test_the_auditor_reads_names_roles_stations_and_actions_in_words_and_filters_by_name(
    client_for, center, station, other_station, counselor, second_counselor, auditor
):
    _cases(center, station, counselor, 1)
    client_for(counselor).get(reverse("cases:workspace"))
    client_for(second_counselor).get(reverse("cases:workspace"))
    client = client_for(auditor)
    page = client.get(reverse("centers:audit_log")).content.decode()
    assert "王老师" in page and "李老师" in page
    assert "心理咨询师" in page and "查看工作台" in page

    rows = client.get(reverse("centers:audit_log"), {"actor": "王"}).content.decode()
    listed = [part.split("</tr>")[0] for part in rows.split('data-testid="audit-row"')[1:]]
    assert listed and all("王老师" in row for row in listed)
    assert not any("李老师" in row for row in listed)


def test_the_auditor_page_queries_do_not_grow_with_different_people(client_for, center, station, auditor, make_staff):
    client = client_for(auditor)
    client.get(reverse("centers:audit_log"))

    def people_look(n):
        for i in range(n):
            person = make_staff(Role.COUNSELOR, station=station, display_name=f"咨询师{i}")
            client_for(person).get(reverse("cases:workspace"))
        client_for(auditor)

    people_look(2)
    _, small = _view(client, reverse("centers:audit_log"))
    people_look(6)
    _, large = _view(client, reverse("centers:audit_log"))
    assert large == small


def test_the_favicon_is_a_real_icon_and_not_a_refusal(client, client_for, counselor):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"
    signed_in = client_for(counselor)
    before = AuditEvent.objects.count()
    assert signed_in.get("/favicon.ico").status_code == 200
    assert not AuditEvent.objects.filter(action="access.denied").exists()
    assert AuditEvent.objects.count() == before
    assert 'rel="icon"' in client.get(reverse("centers:crisis")).content.decode()
