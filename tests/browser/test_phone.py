"""Phone first: every page a resident reaches fits a 375×812 screen — no sideways scrolling, and every
link, button and field is at least 44 px high (a finger, not a mouse pointer)."""

import pytest
from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from cases.consult.models import Conversation
from cases.screenings.models import Screening
from centers.community.models import Workshop
from centers.models import Resident
from tests.browser.checks import fits_phone
from tests.browser.conftest import screenshot
from tests.browser.demo import demo, demo_email, sign_in_demo  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC_PAGES = [
    "/",
    "/help/",
    "/cases/help/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/community/workshops/",
    "/appointments/book/",
]


def resident_pages() -> list[str]:
    """Every page of the demo resident, with their real appointments, child, workshop and screening."""
    resident = Resident.objects.get(user__email=demo_email("resident"))
    child = Resident.objects.filter(guardian=resident).first()
    upcoming = Appointment.objects.filter(
        resident=resident, status=AppointmentStatus.BOOKED, starts_at__gt=timezone.now()
    ).earliest("starts_at")
    completed = Appointment.objects.filter(resident=resident, status=AppointmentStatus.COMPLETED).latest("starts_at")
    workshop = Workshop.objects.filter(starts_at__gt=timezone.now()).earliest("starts_at")
    screening = Screening.objects.filter(resident=resident).latest("pk")
    day = timezone.localdate(upcoming.starts_at).isoformat()
    conversations = [f"/consult/{c.pk}/" for c in Conversation.objects.filter(resident=resident).order_by("pk")[:1]]
    return [
        "/me/",
        "/me/consent/",
        "/me/data/",
        "/me/erase/",
        "/accounts/password/change/",
        "/accounts/phone/change/",
        "/help/",
        "/cases/help/",
        "/cases/self-check/",
        f"/cases/self-check/{resident.pk}/phq9/",
        f"/cases/self-check/{resident.pk}/gad7/",
        f"/cases/self-check/{resident.pk}/asq/",
        f"/cases/self-check/{child.pk}/consent/",
        f"/cases/self-check/result/{screening.pk}/",
        f"/appointments/book/?service=face_to_face&where=s{upcoming.station_id}&day={day}",
        f"/appointments/book/{upcoming.slot_id}/",
        "/appointments/mine/",
        f"/appointments/{upcoming.pk}/",
        f"/appointments/{upcoming.pk}/move/",
        f"/appointments/{completed.pk}/",
        "/appointments/waitlist/join/",
        "/community/workshops/",
        f"/community/workshops/{workshop.pk}/",
        "/community/my-workshops/",
        "/consult/",
        *conversations,
    ]


@pytest.mark.usefixtures("demo")
def test_every_resident_page_fits_a_phone(phone_page):
    page = phone_page
    problems = {}
    for url in PUBLIC_PAGES:
        response = page.goto(url)
        assert response.status == 200, f"{url} answered {response.status}"
        problems[f"(signed out) {url}"] = fits_phone(page)
    screenshot(page, "public-book-phone")

    sign_in_demo(page, "resident")
    for url in resident_pages():
        response = page.goto(url)
        assert response.status == 200, f"{url} answered {response.status}"
        problems[url] = fits_phone(page)
        # The collapsed menu, opened, must fit too.
        if url == "/me/":
            page.get_by_role("button", name="菜单").click()
            page.locator("#mainnav.show").wait_for()
            problems["/me/ (menu open)"] = fits_phone(page)
            screenshot(page, "resident-menu-phone")
    problems = {url: found for url, found in problems.items() if found}
    assert not problems, "pages that do not fit a phone:\n" + "\n".join(
        f"{url}:\n  " + "\n  ".join(found) for url, found in problems.items()
    )
