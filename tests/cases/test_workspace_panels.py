"""Issue 5 panels: the workspace's day, the console's overview and the case page's screening chart,
each scoped to the user and at a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from appointments.models import AppointmentStatus, Slot
from cases.follow_ups.models import FollowUp
from cases.models import Consultation, FollowUpKind, Tier
from cases.referrals.models import Referral, ReferralBasis
from cases.screenings.models import Screening
from centers.models import PartnerInstitution, PartnerKind, Role
from tests.appointments.factories import AppointmentFactory, SlotFactory
from tests.cases.factories import CaseFactory
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def fill(center, station, counselor, expert, n):
    """n unassigned intakes, n assigned cases with an overdue follow-up, a referral and a consultation,
    n appointments today."""
    partner, _ = PartnerInstitution.objects.get_or_create(
        center=center, name="市精神卫生中心", defaults={"kind": PartnerKind.HOSPITAL}
    )
    now = timezone.now()
    made = []
    base = Slot.objects.filter(counselor=counselor).count()
    for i in range(n):
        person = ResidentFactory(center=center, station=station)
        CaseFactory(
            center=center, resident=person, station=station, tier=Tier.SERIOUS, respond_by=now + dt.timedelta(hours=i)
        )
        other = ResidentFactory(center=center, station=station)
        case = CaseFactory(center=center, resident=other, station=station, tier=Tier.GENERAL, assigned_at=now)
        case.counselors.add(counselor)
        FollowUp.objects.create(case=case, center=center, station=station, due_at=now - dt.timedelta(days=2))
        Referral.objects.create(case=case, partner=partner, basis=ReferralBasis.CONSENT, reason="评估")
        Consultation.objects.create(case=case, expert=expert, requested_by=counselor, question="用药？")
        day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        slot = SlotFactory(
            center=center,
            station=station,
            counselor=counselor,
            starts_at=day + dt.timedelta(minutes=30 * (base + len(made)) + 1),
            ends_at=day + dt.timedelta(minutes=30 * (base + len(made)) + 20),
        )
        made.append(AppointmentFactory(slot=slot, resident=other, status=AppointmentStatus.BOOKED))
    return made


@pytest.fixture
def expert(make_staff):
    return make_staff(Role.EXPERT, display_name="孙教授")


def test_workspace_shows_the_counselors_day(center, station, counselor, expert, client_for):
    fill(center, station, counselor, expert, 2)
    page = client_for(counselor).get(reverse("cases:workspace")).content.decode()
    for testid in (
        'data-testid="today"',
        'data-testid="new-intakes"',
        'data-testid="overdue"',
        'data-testid="referrals"',
    ):
        assert testid in page
    assert "市精神卫生中心" in page


def test_workspace_panels_stay_in_scope(center, station, other_station, counselor, expert, make_staff, client_for):
    fill(center, station, counselor, expert, 1)
    elsewhere = make_staff(Role.COUNSELOR, station=other_station)
    page = client_for(elsewhere).get(reverse("cases:workspace")).content.decode()
    # the other station's counselor sees none of this station's intakes
    assert 'data-testid="new-intakes"' not in page
    assert "市精神卫生中心" not in page


def test_console_shows_intakes_duty_consultations_and_caseload(
    center, station, counselor, expert, supervisor, client_for
):
    fill(center, station, counselor, expert, 2)
    page = client_for(supervisor).get(reverse("cases:console")).content.decode()
    assert 'data-testid="unassigned"' in page and 'data-testid="consultations"' in page
    assert "孙教授" in page
    caseload = page.split('data-testid="caseload"')[1].split("</table>")[0]
    assert counselor.public_name in caseload
    # nobody is on the roster in this test: the coming two weeks show as uncovered
    assert 'data-testid="gaps"' in page


def test_case_page_charts_phq9_and_gad7(center, station, counselor, client_for):
    person = ResidentFactory(center=center, station=station)
    case = CaseFactory(center=center, resident=person, station=station)
    case.counselors.add(counselor)
    for weeks, (phq, gad) in enumerate([(18, 14), (12, 9), (7, 5)]):
        when = timezone.now() - dt.timedelta(weeks=3 - weeks)
        for instrument, score in (("phq9", phq), ("gad7", gad)):
            Screening.objects.create(
                resident=person,
                center=center,
                station=station,
                case=case,
                instrument=instrument,
                score=score,
                band="x",
                taken_at=when,
                answers=[],
            )
    page = client_for(counselor).get(case.get_absolute_url()).content.decode()
    assert 'data-testid="screening-chart"' in page and 'id="chart-screenings"' in page
    assert '"data": [18, 12, 7]' in page


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_workspace_and_console_take_a_fixed_number_of_queries(
    center, station, counselor, expert, supervisor, client_for
):
    fill(center, station, counselor, expert, 2)
    c_small = count(client_for(counselor), reverse("cases:workspace"))
    s_small = count(client_for(supervisor), reverse("cases:console"))
    fill(center, station, counselor, expert, 8)
    assert count(client_for(counselor), reverse("cases:workspace")) == c_small
    assert count(client_for(supervisor), reverse("cases:console")) == s_small


def test_the_workspace_queue_shows_the_most_urgent_cases_and_points_to_the_rest(center, station, counselor, client_for):
    from cases.views.workspace import WORKSPACE_QUEUE

    def open_case(tier):
        case = CaseFactory(
            center=center, station=station, resident=ResidentFactory(center=center, station=station), tier=tier
        )
        case.counselors.add(counselor)
        return case

    general = [open_case(Tier.GENERAL) for _ in range(WORKSPACE_QUEUE - 1)]
    serious = open_case(Tier.SERIOUS)
    client = client_for(counselor)
    page = client.get(reverse("cases:workspace")).content.decode()
    assert page.count('data-testid="case-row"') == WORKSPACE_QUEUE
    assert 'data-testid="queue-more"' not in page, "nothing is left out, so nothing points elsewhere"

    high = open_case(Tier.HIGH_RISK)
    page = client.get(reverse("cases:workspace")).content.decode()
    queue = page.split('data-testid="case-queue"', 1)[1].split("</ul>", 1)[0]
    assert queue.count('data-testid="case-row"') == WORKSPACE_QUEUE
    assert high.reference in queue and serious.reference in queue, "the riskiest cases are never the ones cut"
    assert sum(c.reference in queue for c in general) == WORKSPACE_QUEUE - 2
    more = page.split('data-testid="queue-more"', 1)[1]
    assert reverse("cases:case_list") in more.split("</p>", 1)[0]
    # the case list has every one of them
    listed = client.get(reverse("cases:case_list")).content.decode()
    assert all(c.reference in listed for c in [*general, serious, high])


def test_the_overdue_panel_comes_from_the_follow_ups_read_once_highest_tier_first(
    center, station, counselor, client_for
):
    now = timezone.now()
    rows = []
    for tier, days_late in ((Tier.GENERAL, 5), (Tier.HIGH_RISK, 1), (Tier.SERIOUS, 3)):
        case = CaseFactory(
            center=center, station=station, resident=ResidentFactory(center=center, station=station), tier=tier
        )
        case.counselors.add(counselor)
        FollowUp.objects.create(case=case, center=center, station=station, due_at=now - dt.timedelta(days=days_late))
        rows.append(case)
    soon = rows[0]
    FollowUp.objects.create(
        case=soon, center=center, station=station, kind=FollowUpKind.REASSESSMENT, due_at=now + dt.timedelta(days=2)
    )
    with CaptureQueriesContext(connection) as ctx:
        page = client_for(counselor).get(reverse("cases:workspace")).content.decode()
    overdue = page.split('data-testid="overdue"', 1)[1].split("</ul>", 1)[0]
    general, high, serious = (case.reference for case in rows)
    assert overdue.index(high) < overdue.index(serious) < overdue.index(general), "the riskiest first"
    due = page.split('data-testid="follow-ups"', 1)[1].split("</ul>", 1)[0]
    assert due.count("list-group-item") == 4, "this week's list has the three late ones and the one due soon"
    assert not [q for q in ctx.captured_queries if "cases_followup" in q["sql"] and '"due_at" < ' in q["sql"]], (
        "no query of its own for the overdue panel"
    )
    assert not [q for q in ctx.captured_queries if "password" in q["sql"] and "cases_case_counselors" in q["sql"]], (
        "the queue's counselors are read for their names, not whole accounts"
    )
