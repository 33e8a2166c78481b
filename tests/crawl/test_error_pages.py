"""What the crawl found: with DEBUG off, "not found" and "bad request" were Django's bare English pages,
without the hotlines. They are portal pages now, in Chinese, with the hotlines and a way back."""

import pytest
from django.test import Client

from tests.browser.checks import zh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _production_errors(settings):
    settings.DEBUG = False


def tel_numbers(response) -> set[str]:
    text = response.content.decode()
    return {number for number in ("12356", "110", "120", "028-8888-0000") if f'href="tel:{number}"' in text}


def test_a_visitor_on_a_page_that_does_not_exist_sees_the_hotlines_in_chinese_and_a_way_home(center):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert zh("Page not found") in text and "Not Found" not in text
    assert tel_numbers(response) == {"12356", "110", "120", "028-8888-0000"}
    assert 'href="/"' in text and 'href="/cases/help/"' in text


def test_two_residents_on_a_staff_page_get_the_portal_404_with_a_way_back_to_their_own_page(client_for, resident):
    from tests.factories import ResidentFactory, UserFactory

    other = ResidentFactory(center=resident.center, station=resident.station, user=UserFactory(), full_name="王建国")
    for person in (resident, other):
        response = client_for(person.user).get("/cases/workspace/")
        assert response.status_code == 404
        assert zh("This page does not exist, or it is not one your account may open.") in response.content.decode()
        assert tel_numbers(response) == {"12356", "110", "120", "028-8888-0000"}
        assert 'href="/me/"' in response.content.decode()


def test_a_bad_request_shows_the_hotlines_in_chinese(center):
    response = Client().get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert zh("The request could not be understood") in response.content.decode()
    assert tel_numbers(response) == {"12356", "110", "120", "028-8888-0000"}


def test_a_refused_action_shows_the_portal_403_with_the_hotlines(rf, resident):
    """What Django's 403 handler answers when a service refuses (PermissionDenied), for a signed-in resident."""
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/cases/1/notes/")
    request.user = resident.user
    response = permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    assert zh("Your account may not open this page or do this here.") in response.content.decode()
    assert tel_numbers(response) == {"12356", "110", "120", "028-8888-0000"}
