"""Query counts of the case page (its timeline) and the alerts panel do not grow with the data (issue 7)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Channel
from cases.services import intake, notes, workflow
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def _queries(client, url) -> tuple[int, str]:
    client.get(url)  # warm up the session
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_the_case_timeline_takes_the_same_queries_with_3_or_30_events(client_for, counselor, open_case):
    client = client_for(counselor)
    url = reverse("cases:case_detail", args=[open_case.pk])
    for n in range(2):
        notes.note_add(case=open_case, actor=counselor, body=f"第{n}次会谈")
    small, page = _queries(client, url)
    assert "第1次会谈" in page
    for n in range(2, 14):
        notes.note_add(case=open_case, actor=counselor, body=f"第{n}次会谈")
    workflow.case_transition(case=open_case, to_stage="assess", actor=counselor, reason="评估")
    large, page = _queries(client, url)
    assert "第13次会谈" in page
    assert small == large


def test_the_alerts_panel_takes_the_same_queries_with_1_or_8_open_alerts(client_for, on_duty, center, station):
    client = client_for(on_duty)
    url = reverse("cases:alerts_panel")

    def raise_alerts(n):
        for _ in range(n):
            person = ResidentFactory(center=center, station=station)
            intake.case_intake(resident=person, center=center, channel=Channel.HELP_NOW, source="", actor=None)

    raise_alerts(1)
    small, page = _queries(client, url)
    assert 'data-testid="open-alerts"' in page and page.count('action="/cases/alerts/') == 1
    raise_alerts(7)
    large, _ = _queries(client, url)
    assert small == large
