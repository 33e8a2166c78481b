"""Query count of the weekly-availability page does not grow with the windows and counselors (issue 7)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Availability, Place
from centers.models import Role

pytestmark = pytest.mark.django_db


def _queries(client, url) -> tuple[int, str]:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def _windows(center, station, counselor, n):
    for day in range(n):
        Availability.objects.create(
            center=center,
            counselor=counselor,
            place=Place.STATION,
            station=station,
            weekday=day % 7,
            start_time=dt.time(8 + day // 7, 0),
            end_time=dt.time(8 + day // 7, 50),
        )


def test_the_availability_page_takes_the_same_queries_with_few_or_many_windows(
    client_for, supervisor, counselor, make_staff, center, station
):
    client = client_for(supervisor)
    url = reverse("appointments:availability") + f"?counselor={counselor.pk}"
    _windows(center, station, counselor, 2)
    # Two counselors already: the page shows the switcher between counselors at both sizes.
    _windows(center, station, make_staff(Role.COUNSELOR, station=station, display_name="另一位老师"), 1)
    small, _ = _queries(client, url)
    for n in range(6):
        _windows(center, station, make_staff(Role.COUNSELOR, station=station, display_name=f"新老师{n}"), 1)
    _windows(center, station, counselor, 12)
    large, page = _queries(client, url)
    assert "新老师5" in page
    assert small == large
