"""Error pages with DEBUG=False: in the visitor's language (Chinese by default), with the hotlines and a way
back; the 500 page renders with the database unreachable."""

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import get_resolver, reverse

from cases.models import Case

pytestmark = pytest.mark.django_db

HOTLINES = ("tel:12356", "tel:110", "tel:120", "tel:028-8888-0000")


@pytest.fixture(autouse=True)
def _production_like(settings):
    settings.DEBUG = False


def _helps(response, status: int) -> str:
    page = response.content.decode()
    assert response.status_code == status
    assert 'data-testid="error-page"' in page
    for number in HOTLINES:
        assert number in page
    assert f'href="{reverse("centers:home")}"' in page  # a way back
    return page


def test_404_in_chinese_by_default_with_the_hotlines(client):
    page = _helps(client.get("/no-such-page/"), 404)
    assert "找不到这个页面" in page and 'lang="zh-Hans"' in page


def test_404_in_english_for_an_english_visitor(client):
    page = _helps(client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en"), 404)
    assert "We cannot find this page" in page and 'lang="en"' in page


def test_a_case_outside_ones_scope_is_the_same_helpful_404(client_for, make_staff, resident, other_center_station):
    from cases.services import intake
    from centers.models import Role

    case, _created = intake.case_intake(
        resident=resident, center=resident.center, channel="walk_in", source="", actor=None
    )
    far = make_staff(Role.COUNSELOR, station=other_center_station)
    _helps(client_for(far).get(reverse("cases:case_detail", args=[case.pk])), 404)
    assert Case.objects.count() == 1


def test_400_for_a_bad_host(client):
    page = _helps(client.get("/", HTTP_HOST="evil.example"), 400)
    assert "无法处理这个请求" in page


@pytest.mark.parametrize(
    ("status", "text"), [(400, "无法处理这个请求"), (403, "您无法打开这个页面"), (500, "我们这边出了问题")]
)
def test_each_handler_is_wired_and_helps(status, text):
    handler = get_resolver().resolve_error_handler(status)
    request = RequestFactory().get("/somewhere/")
    response = handler(request) if status == 500 else handler(request, exception=Exception("x"))
    assert text in _helps(response, status)


def test_a_refused_form_explains_what_to_do(resident):
    client = Client(enforce_csrf_checks=True)
    client.force_login(resident.user)
    page = _helps(client.post(reverse("cases:help_now"), {"phone": "13812341234"}), 403)
    assert "表单已过期" in page and "CSRF" not in page
    assert not Case.objects.exists()


@pytest.fixture
def database_down():
    """Every query fails, as when PostgreSQL is unreachable."""

    def refuse(execute, sql, params, many, context):
        raise OperationalError("could not connect to server: Connection refused")

    with connection.execute_wrapper(refuse):
        yield


def test_500_with_the_database_down_for_a_visitor(database_down):
    client = Client(raise_request_exception=False)
    page = _helps(client.get(reverse("account_signup")), 500)  # the sign-up form lists the stations
    assert "我们这边出了问题" in page


def test_the_front_page_still_shows_the_hotlines_with_the_database_down(database_down):
    response = Client(raise_request_exception=False).get(reverse("centers:home"))
    assert response.status_code == 200
    for number in HOTLINES:
        assert number in response.content.decode()


def test_500_with_the_database_down_for_a_signed_in_resident(resident, settings):
    client = Client(raise_request_exception=False)
    client.force_login(resident.user)

    def refuse(execute, sql, params, many, context):
        raise OperationalError("could not connect to server: Connection refused")

    with connection.execute_wrapper(refuse):
        page = _helps(client.get(reverse("centers:resident_home")), 500)
    assert "我们这边出了问题" in page


def test_the_500_page_falls_back_to_a_fixed_page_if_its_template_fails(monkeypatch):
    from centers.infra import error_pages
    from fucheng import errors

    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(error_pages.loader, "get_template", broken)
    response = errors.server_error(RequestFactory().get("/"))
    page = response.content.decode()
    assert response.status_code == 500 and "12356" in page and "110" in page and 'href="/"' in page


def test_allauths_rate_limit_page_is_ours_in_chinese_with_the_hotlines(rf):
    from allauth.core.ratelimit import respond_429

    request = rf.get("/accounts/phone/change/")
    request.allauth = type("AllauthState", (), {})()

    assert "尝试次数过多" in _helps(respond_429(request), 429)
