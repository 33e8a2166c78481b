"""Query counts of the staff list and the audit log do not grow with the data (issue 7)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from centers.audit.log import audit_record
from centers.models import Role

pytestmark = pytest.mark.django_db


def _queries(client, url) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_staff_list_takes_the_same_queries_with_3_or_15_people(client_for, supervisor, make_staff, station):
    client = client_for(supervisor)
    for n in range(2):
        make_staff(Role.COUNSELOR, station=station, display_name=f"老师{n}")
    small, page = _queries(client, reverse("centers:staff_list"))
    assert "老师1" in page
    for n in range(2, 14):
        make_staff(Role.VOLUNTEER if n % 2 else Role.COUNSELOR, station=station, display_name=f"老师{n}")
    large, page = _queries(client, reverse("centers:staff_list"))
    assert "老师13" in page
    assert small == large


def test_the_audit_log_takes_the_same_queries_with_few_or_many_rows(client_for, auditor, counselor):
    client = client_for(auditor)
    for _ in range(3):
        audit_record(actor=counselor, action="case.read", detail={})
    small, _ = _queries(client, reverse("centers:audit_log"))
    for _ in range(40):
        audit_record(actor=counselor, action="case.read", detail={})
    large, _ = _queries(client, reverse("centers:audit_log"))
    assert small == large
