"""The main pages of each role in the demo street, and a walk over them that collects what a check finds.

Used by the accessibility walk (axe-core, screenshots) and the language walk (no English in Chinese).
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from appointments.models import Appointment, AppointmentStatus
from cases.consult.models import Conversation
from cases.models import Case, Consultation
from centers.community.models import Workshop
from centers.models import Resident, User
from centers.reporting.evaluations.models import StationEvaluation
from tests.browser.demo import demo_email, sign_in_demo


def main_pages() -> dict[str, list[tuple[str, str]]]:
    """role key → [(screenshot name, url)], with real objects of the demo street in the urls."""
    resident = Resident.objects.get(user__email=demo_email("resident"))
    upcoming = Appointment.objects.filter(
        resident=resident, status=AppointmentStatus.BOOKED, starts_at__gt=timezone.now()
    ).earliest("starts_at")
    counselor = User.objects.get(email=demo_email("counselor"))
    case = Case.objects.filter(counselors=counselor, closed_at__isnull=True).order_by("-tier", "pk").first()
    consultation = Consultation.objects.filter(expert__email=demo_email("expert")).order_by("pk").first()
    published = StationEvaluation.objects.filter(status="published").order_by("-year", "-quarter", "pk").first()
    conversation = Conversation.objects.order_by("pk").first()
    workshop = Workshop.objects.filter(station__code="dongfeng").order_by("starts_at").last()
    day = timezone.localdate(upcoming.starts_at).isoformat()
    booked = (
        Appointment.objects.filter(counselor=counselor, starts_at__gte=timezone.now()).order_by("starts_at").first()
    )
    counselor_day = timezone.localdate(booked.starts_at if booked else timezone.now()).isoformat()
    return {
        "": [
            ("public-home", "/"),
            ("public-help", "/help/"),
            ("public-sign-in", "/accounts/login/"),
            ("public-sign-up", "/accounts/signup/"),
            ("public-workshops", "/community/workshops/"),
        ],
        "resident": [
            ("resident-home", "/me/"),
            ("resident-book", f"/appointments/book/?service=face_to_face&where=s{upcoming.station_id}&day={day}"),
            ("resident-appointments", "/appointments/mine/"),
            ("resident-appointment", f"/appointments/{upcoming.pk}/"),
            ("resident-self-check", "/cases/self-check/"),
            ("resident-phq9", f"/cases/self-check/{resident.pk}/phq9/"),
            ("resident-help-now", "/cases/help/"),
            ("resident-consents", "/me/consent/"),
            ("resident-my-data", "/me/data/"),
            ("resident-my-workshops", "/community/my-workshops/"),
            ("resident-consult", "/consult/"),
        ],
        "counselor": [
            ("counselor-workspace", "/cases/workspace/"),
            ("counselor-cases", "/cases/"),
            ("counselor-case", f"/cases/{case.pk}/"),
            ("counselor-new-intake", "/cases/new/"),
            ("counselor-day", f"/appointments/staff/day/?day={counselor_day}"),
            ("counselor-availability", "/appointments/staff/availability/"),
        ],
        "supervisor": [
            ("supervisor-console", "/cases/console/"),
            ("supervisor-roster", "/appointments/staff/roster/"),
            ("supervisor-waitlist", "/appointments/staff/waitlist/"),
            ("supervisor-evaluations", "/evaluations/manage/"),
            ("supervisor-evaluation", f"/evaluations/manage/{published.pk}/"),
            ("supervisor-staff", "/staff/"),
            ("supervisor-community", "/community/staff/workshops/"),
            ("supervisor-conversation", f"/consult/staff/{conversation.pk}/"),
        ],
        "manager": [
            ("manager-station", "/station/"),
            ("manager-stations", "/appointments/staff/stations/"),
            ("manager-workshop", f"/community/staff/workshops/{workshop.pk}/"),
        ],
        "expert": [
            ("expert-consultations", "/cases/consultations/"),
            ("expert-consultation", f"/cases/consultations/{consultation.pk}/"),
        ],
        "volunteer": [
            ("volunteer-tasks", "/cases/tasks/"),
            ("volunteer-duties", "/community/my-duties/"),
        ],
        "official": [
            ("official-dashboard", "/dashboard/"),
            ("official-statistics", "/statistics/"),
            ("official-early-warning", "/statistics/early-warning/"),
            ("official-ranking", "/evaluations/"),
            ("official-evaluation", f"/evaluations/{published.pk}/"),
        ],
        "auditor": [
            ("auditor-log", "/audit/"),
        ],
    }


def walk(page, check: Callable[[object], list[str]], *, after=None, language: str = "") -> dict[str, list[str]]:
    """Sign in as each role in turn, open each of its main pages and run `check` there.

    Returns {url: problems} for the pages with problems. `after(page, name)` runs on every page first (screenshots).
    """
    found: dict[str, list[str]] = {}
    for role, pages in main_pages().items():
        if role:
            sign_in_demo(page, role)
        else:
            page.context.clear_cookies()
            page.goto("/")
        if language:  # as the language switch in the top bar would
            origin = "/".join(page.url.split("/")[:3])
            page.context.add_cookies([{"name": "django_language", "value": language, "url": f"{origin}/"}])
        for name, url in pages:
            response = page.goto(url)
            assert response.status == 200, f"{role or 'visitor'}: {url} answered {response.status}"
            page.wait_for_load_state("networkidle")
            if after:  # before the check, which may move the focus around
                after(page, name)
            problems = check(page)
            if problems:
                found[f"{role or 'visitor'} {url}"] = problems
    return found


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}:\n  " + "\n  ".join(problems) for where, problems in found.items())
