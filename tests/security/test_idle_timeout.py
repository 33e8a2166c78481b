"""Idle means the person is idle: background polls do not keep a staff session open, and an expired
session sends the open page to the sign-in page, which says why."""

from __future__ import annotations

import time

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db

BACKGROUND = {"HTTP_X_FUCHENG_BACKGROUND": "1"}


def test_polls_every_few_minutes_do_not_keep_the_session_open(client_for, counselor):
    client = client_for(counselor)
    start = time.time()
    assert client.get(reverse("cases:workspace")).status_code == 200
    for minutes in (5, 10, 15, 20, 25, 29):
        with time_machine.travel(start + minutes * 60):
            assert client.get(reverse("cases:alerts_panel"), **BACKGROUND).status_code == 200
            assert client.get(reverse("centers:session_state"), **BACKGROUND).json() == {"signed_in": True}
    with time_machine.travel(start + 31 * 60):
        response = client.get(reverse("cases:workspace"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    page = client.get(response["Location"])
    assert "您已 30 分钟没有操作，系统已自动退出，请重新登录。" in page.content.decode()


def test_a_persons_own_clicks_keep_the_session_open(client_for, supervisor):
    client = client_for(supervisor)
    start = time.time()
    assert client.get(reverse("cases:console")).status_code == 200
    with time_machine.travel(start + 20 * 60):
        # An htmx request a person triggered (no background header) is activity.
        assert client.get(reverse("cases:alerts_panel"), HTTP_HX_REQUEST="true").status_code == 200
    with time_machine.travel(start + 45 * 60):
        assert client.get(reverse("cases:console")).status_code == 200


def test_a_poll_after_the_timeout_sends_the_page_to_sign_in_with_the_page_as_next(client_for, counselor):
    client = client_for(counselor)
    start = time.time()
    assert client.get(reverse("cases:workspace")).status_code == 200
    with time_machine.travel(start + 31 * 60):
        response = client.get(
            reverse("centers:session_state"),
            HTTP_HX_CURRENT_URL="http://testserver/cases/workspace/?tab=queue",
            **BACKGROUND,
        )
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fcases%2Fworkspace%2F%3Ftab%3Dqueue"
    assert reverse("account_login") in client.get(reverse("cases:workspace"))["Location"]


def test_a_foreign_page_address_is_never_used_as_next(client_for, counselor):
    client = client_for(counselor)
    start = time.time()
    client.get(reverse("cases:workspace"))
    with time_machine.travel(start + 31 * 60):
        response = client.get(
            reverse("cases:alerts_panel"), HTTP_HX_CURRENT_URL="https://evil.example/phish", **BACKGROUND
        )
    assert response["HX-Redirect"] == "/accounts/login/?next=%2F"


def test_staff_pages_carry_the_idle_check_and_resident_pages_do_not(client_for, counselor, resident_user):
    staff_html = client_for(counselor).get(reverse("cases:workspace")).content.decode()
    assert 'data-idle-check="/session/state/"' in staff_html and "js/idle.js" in staff_html
    resident_html = client_for(resident_user).get(reverse("centers:resident_home")).content.decode()
    assert "data-idle-check" not in resident_html
