"""Landing pages per role, the crisis strip everywhere, and the health endpoint."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from centers.models import Role
from fucheng.celery import app as celery_app
from tests.factories import totp_code

pytestmark = pytest.mark.django_db

LANDINGS = [
    (Role.COUNSELOR, "cases:workspace"),
    (Role.SUPERVISOR, "cases:console"),
    (Role.OFFICIAL, "centers:dashboard"),
    (Role.AUDITOR, "centers:audit_log"),
    (Role.EXPERT, "cases:consultations"),
    (Role.VOLUNTEER, "cases:volunteer_tasks"),
    (Role.STATION_MANAGER, "centers:station_home"),
]


@pytest.mark.parametrize(("role", "url_name"), LANDINGS)
def test_each_role_lands_on_its_own_page_after_sign_in(client, make_staff, station, password, role, url_name):
    user = make_staff(role, station=station if role in (Role.COUNSELOR, Role.VOLUNTEER, Role.STATION_MANAGER) else None)
    response = client.post(reverse("account_login"), {"login": user.email, "password": password})
    # Staff have an authenticator app (make_staff): the second step asks for its code.
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert response["Location"] == reverse(url_name)
    page = client.get(response["Location"])
    assert page.status_code == 200


def test_a_resident_lands_on_their_own_page(client, resident_user, password):
    response = client.post(reverse("account_login"), {"login": resident_user.email, "password": password}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("centers:resident_home")
    assert "林小雨" in response.content.decode()


def test_a_resident_can_sign_in_with_a_mobile_number(client, resident_user, password):
    resident_user.phone = "13812341234"
    resident_user.phone_verified = True  # a number signs in only once confirmed (tests/centers/test_signup.py)
    resident_user.save()
    response = client.post(reverse("account_login"), {"login": "13812341234", "password": password})
    assert response["Location"] == reverse("centers:resident_home")


@pytest.mark.parametrize("url_name", ["cases:workspace", "cases:console", "centers:dashboard", "centers:audit_log"])
def test_a_resident_cannot_open_staff_pages(client_for, resident_user, url_name):
    assert client_for(resident_user).get(reverse(url_name)).status_code == 404


def test_staff_pages_ask_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("cases:workspace"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


PUBLIC_PAGES = [
    "centers:home",
    "centers:crisis",
    "cases:help_now",
    "account_login",
    "account_signup",
    "appointments:book",
]


@pytest.mark.parametrize("url_name", PUBLIC_PAGES)
def test_the_crisis_strip_is_on_every_public_page(client, url_name):
    html = client.get(reverse(url_name)).content.decode()
    assert 'data-testid="crisis-strip"' in html
    for number in ("12356", "110", "120", "028-8888-0000"):
        assert f"tel:{number}" in html


@pytest.mark.parametrize(("role", "url_name"), LANDINGS)
def test_the_crisis_strip_is_on_every_staff_landing_page(client_for, make_staff, station, role, url_name):
    user = make_staff(role, station=station if role in (Role.COUNSELOR, Role.VOLUNTEER, Role.STATION_MANAGER) else None)
    html = client_for(user).get(reverse(url_name)).content.decode()
    assert 'data-testid="crisis-strip"' in html and "tel:12356" in html


def test_the_interface_is_chinese_by_default_and_english_on_request(client, resident_user):
    assert "我需要帮助" in client.get(reverse("centers:home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "I need help now" in client.get(reverse("centers:home")).content.decode()


def test_healthz_reports_both_services_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "sweeps": "ok"}


def test_healthz_names_the_broker_when_it_is_down(client, monkeypatch):
    # Celery reads CELERY_BROKER_URL from the environment before its own setting.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert response.json()["database"] == "ok"


def test_healthz_names_the_database_when_it_is_down(client, monkeypatch):
    from django.db.backends.base import base

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(base.BaseDatabaseWrapper, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_i_need_help_now_leads_anonymous_visitors_to_the_hotlines(client):
    home = client.get(reverse("centers:home")).content.decode()
    help_url = reverse("cases:help_now")
    assert f'href="{help_url}"' in home
    page = client.get(help_url)
    assert page.status_code == 200
    assert "tel:12356" in page.content.decode()


def test_a_resident_reaches_every_service_from_their_page(client_for, resident_user):
    html = client_for(resident_user).get(reverse("centers:resident_home")).content.decode()
    for url_name in (
        "appointments:mine",
        "appointments:book",
        "cases:self_check",
        "centers:my_workshops",
        "cases:help_now",
    ):
        assert f'href="{reverse(url_name)}"' in html
    assert "will appear here" not in html and "将在这里" not in html


def test_a_station_manager_reaches_the_station_operations(client_for, make_staff, station):
    manager = make_staff(Role.STATION_MANAGER, station=station)
    html = client_for(manager).get(reverse("centers:station_home")).content.decode()
    for url_name in (
        "appointments:stations",
        "appointments:roster",
        "centers:staff_workshop_list",
        "centers:volunteer_list",
    ):
        assert f'href="{reverse(url_name)}"' in html
