"""Every deadline is chased: at its time the responsible person, after the grace the supervisors, each step once,
through the periodic sweep and the notification rows; the workspace and the console list what is missed."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import tasks
from cases.alerts.models import Notification
from cases.models import Channel, Tier
from cases.services import alerts as alert_services
from cases.services import consultations as consultation_services
from cases.services import deadlines
from cases.services import intake as intake_services
from cases.services import workflow as workflow_services
from centers.audit.models import AuditEvent
from centers.models import DutyShift, Role, ShiftKind
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def team(make_staff, center):
    """Two crisis-team counselors on duty around T0 (for three days)."""
    people = [
        make_staff(Role.COUNSELOR, display_name="甲老师", email="jia@example.cn"),
        make_staff(Role.COUNSELOR, display_name="乙老师", email="yi@example.cn"),
    ]
    for person in people:
        DutyShift.objects.create(
            center=center,
            kind=ShiftKind.ONLINE_HOTLINE,
            user=person,
            starts_at=T0 - dt.timedelta(hours=1),
            ends_at=T0 + dt.timedelta(days=3),
            is_crisis_team=True,
        )
    return people


@pytest.fixture
def supervisors(make_staff):
    return [
        make_staff(Role.SUPERVISOR, display_name="周督导", email="zhou@example.cn"),
        make_staff(Role.SUPERVISOR, display_name="吴督导", email="wu@example.cn"),
    ]


def _intake(center, station, *, channel=Channel.WALK_IN, tier=None, at=T0):
    person = ResidentFactory(center=center, station=station)
    with time_machine.travel(at, tick=False):
        case, _ = intake_services.case_intake(
            resident=person, center=center, channel=channel, source="", actor=None, tier=tier
        )
    return case


def _sweep(at) -> int:
    with time_machine.travel(at, tick=False):
        return tasks.sweep()["deadlines_chased"]


def _reached(case, kind, step) -> set[int]:
    rows = Notification.objects.filter(key__startswith=f"deadline:{case.pk}:{kind}:", level=step, channel="workspace")
    return set(rows.values_list("user_id", flat=True))


def test_a_high_risk_first_contact_is_chased_at_one_hour_then_the_supervisors(center, station, team, supervisors):
    case = _intake(center, station, channel=Channel.HELP_NOW)
    alert = case.alerts.get()
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        alert_services.alert_acknowledge(alert=alert, actor=team[0])  # takes the case, never calls
    assert _sweep(T0 + dt.timedelta(minutes=59)) == 0
    assert _sweep(T0 + dt.timedelta(hours=1)) == 1
    assert _reached(case, "first_contact", 1) == {team[0].pk}
    assert _reached(case, "first_contact", 2) == set()
    assert _sweep(T0 + dt.timedelta(hours=1, minutes=1)) == 0  # the same step is not taken twice
    assert _sweep(T0 + dt.timedelta(hours=1, minutes=30)) == 1
    assert _reached(case, "first_contact", 2) == {s.pk for s in supervisors}
    assert _sweep(T0 + dt.timedelta(hours=2)) == 0
    assert Notification.objects.filter(key__startswith=f"deadline:{case.pk}:", channel="email").count() == 3
    assert AuditEvent.objects.filter(action="case.deadline_missed").count() == 2


def test_a_serious_intake_notifies_the_team_at_once_and_its_contact_is_chased_after_24_hours(
    center, station, team, supervisors, counselor
):
    case = _intake(center, station, tier=Tier.SERIOUS)
    told = Notification.objects.filter(key__startswith=f"serious:{case.pk}:", channel="workspace")
    assert set(told.values_list("user_id", flat=True)) == {team[0].pk, team[1].pk}
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        workflow_services.case_assign(case=case, counselor=counselor, actor=supervisors[0])
    assert _sweep(T0 + dt.timedelta(hours=23, minutes=59)) == 0
    assert _sweep(T0 + dt.timedelta(hours=24)) == 1
    assert _reached(case, "contact", 1) == {counselor.pk}
    assert _sweep(T0 + dt.timedelta(hours=24, minutes=5)) == 0
    assert _sweep(T0 + dt.timedelta(hours=28)) == 1
    assert _reached(case, "contact", 2) == {s.pk for s in supervisors}
    assert _sweep(T0 + dt.timedelta(hours=29)) == 0


def test_a_general_case_left_unassigned_is_chased_at_72_hours(center, station, make_staff, supervisors):
    manager = make_staff(Role.STATION_MANAGER, station=station, display_name="站长")
    case = _intake(center, station)
    assert _sweep(T0 + dt.timedelta(hours=71)) == 0
    assert _sweep(T0 + dt.timedelta(hours=72)) == 1
    assert _reached(case, "assignment", 1) == {manager.pk}
    assert _sweep(T0 + dt.timedelta(hours=72, minutes=1)) == 0
    assert _sweep(T0 + dt.timedelta(hours=96)) == 1
    assert _reached(case, "assignment", 2) == {s.pk for s in supervisors}
    assert _sweep(T0 + dt.timedelta(hours=97)) == 0


def test_the_expert_review_is_chased_at_24_hours_and_asking_an_expert_notifies_them(
    center, station, team, supervisors, make_staff
):
    expert = make_staff(Role.EXPERT, display_name="孙教授", email="sun@example.cn")
    case = _intake(center, station, channel=Channel.HELP_NOW)
    with time_machine.travel(T0 + dt.timedelta(minutes=10), tick=False):
        alert_services.alert_acknowledge(alert=case.alerts.get(), actor=team[1])
        alert_services.case_record_contact(case=case, actor=team[1], reason="电话联系上")
    assert _sweep(T0 + dt.timedelta(hours=2)) == 0  # the first contact was in time
    assert _sweep(T0 + dt.timedelta(hours=24)) == 1
    assert _reached(case, "expert_review", 1) == {team[1].pk}
    assert _sweep(T0 + dt.timedelta(hours=28)) == 1
    assert _reached(case, "expert_review", 2) == {s.pk for s in supervisors}
    with time_machine.travel(T0 + dt.timedelta(hours=29), tick=False):
        consultation = consultation_services.consultation_request(
            case=case, expert=expert, question="请评估", actor=team[1]
        )
    asked = Notification.objects.filter(key=f"consultation:{consultation.pk}")
    assert {(n.channel, n.address) for n in asked} == {("workspace", f"user:{expert.pk}"), ("email", "sun@example.cn")}
    assert _sweep(T0 + dt.timedelta(hours=30)) == 0


def test_a_deadline_met_in_time_is_not_chased(center, station, team, counselor):
    case = _intake(center, station, tier=Tier.SERIOUS)
    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        workflow_services.case_assign(case=case, counselor=counselor, actor=counselor)
        alert_services.case_record_contact(case=case, actor=counselor, reason="面谈")
    assert _sweep(T0 + dt.timedelta(hours=30)) == 0
    assert not Notification.objects.filter(key__startswith=f"deadline:{case.pk}:").exists()


def test_the_workspace_and_the_console_list_missed_deadlines(
    english, client_for, center, station, counselor, make_staff, supervisors, far_counselor
):
    case = _intake(center, station, tier=Tier.SERIOUS, at=T0)
    workflow_services.case_assign(case=case, counselor=counselor, actor=supervisors[0])
    with time_machine.travel(T0 + dt.timedelta(hours=30), tick=True):
        for viewer, url in ((counselor, "cases:workspace"), (supervisors[1], "cases:console")):
            page = client_for(viewer).get(reverse(url)).content.decode()
            rows = page.split('data-testid="missed-deadlines"')[1].split("</ul>")[0]
            assert case.reference in rows and "Contact of a serious case (24 hours)" in rows
        other = client_for(far_counselor).get(reverse("cases:workspace")).content.decode()
        assert case.reference not in other and 'data-testid="no-missed-deadlines"' in other


def _count(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_missed_deadlines_do_not_add_queries_per_case(client_for, center, station, counselor, supervisors):
    def late_cases(n):
        for _ in range(n):
            case = _intake(center, station, channel=Channel.HELP_NOW, at=T0)
            # opened at T0, high-risk: by T0 + 30 h both its first contact and its expert review are missed
            case.counselors.add(counselor)

    late_cases(2)
    with time_machine.travel(T0 + dt.timedelta(hours=30), tick=True):
        workspace = _count(client_for(counselor), reverse("cases:workspace"))
        console = _count(client_for(supervisors[0]), reverse("cases:console"))
    late_cases(6)
    with time_machine.travel(T0 + dt.timedelta(hours=30), tick=True):
        assert _count(client_for(counselor), reverse("cases:workspace")) == workspace
        page = client_for(supervisors[0]).get(reverse("cases:console")).content.decode()
        assert page.split('data-testid="missed-deadlines"')[1].split("</ul>")[0].count("<li") == 16
        assert _count(client_for(supervisors[0]), reverse("cases:console")) == console


def test_a_backlog_is_chased_in_batches_longest_overdue_first(center, station, make_staff):
    make_staff(Role.STATION_MANAGER, station=station)
    cases = [_intake(center, station, at=T0 + dt.timedelta(minutes=m)) for m in (0, 10, 20)]
    with time_machine.travel(T0 + dt.timedelta(hours=73), tick=False):
        assert deadlines.deadlines_chase_due(limit=2) == 2
        assert [c.pk for c in cases if _reached(c, "assignment", 1)] == [cases[0].pk, cases[1].pk]
        assert deadlines.deadlines_chase_due(limit=2) == 1
        assert deadlines.deadlines_chase_due(limit=2) == 0
