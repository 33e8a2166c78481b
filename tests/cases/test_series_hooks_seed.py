"""The early-warning series, the hooks registered for centers, personal data, and the demo seed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases import tasks
from cases.alerts.models import CrisisAlert
from cases.early_warning.models import WeeklyRiskSummary
from cases.follow_ups.models import FollowUp
from cases.models import Case, Channel, Stage, Tier
from cases.services import alerts as alert_services
from cases.services import intake as intake_services
from cases.services import notes as note_services
from cases.services import screenings as screening_services
from cases.services import series as series_services
from cases.services import tiers as tier_services
from cases.services import workflow as workflow_services
from centers import hooks
from centers.infra.dates import week_start
from tests.cases.conftest import gad7, phq9
from tests.factories import ResidentFactory, give_totp

pytestmark = pytest.mark.django_db


def test_weekly_series_per_station(center, station, other_station, counselor, on_duty):
    a = ResidentFactory(center=center, station=station)
    b = ResidentFactory(center=center, station=station)
    case_a, _ = intake_services.case_intake(
        resident=a, center=center, channel=Channel.WALK_IN, source="", actor=counselor
    )
    case_b, _ = intake_services.case_intake(resident=b, center=center, channel=Channel.HELP_NOW, source="", actor=None)
    screening_services.screening_submit(resident=a, instrument="phq9", answers=phq9(12), actor=counselor, case=case_a)
    screening_services.screening_submit(resident=a, instrument="phq9", answers=phq9(3), actor=counselor, case=case_a)
    screening_services.screening_submit(resident=a, instrument="gad7", answers=gad7(2), actor=counselor, case=case_a)
    week = week_start(timezone.localdate())
    assert series_services.weekly_series_compute(week_start=week) == 1
    row = WeeklyRiskSummary.objects.get(station=station, week_start=week)
    assert (row.active_general, row.active_serious, row.active_high_risk, row.new_alerts) == (1, 0, 1, 1)
    assert (row.screenings, row.positive_screenings, row.mean_phq9) == (3, 1, Decimal("7.5"))
    # Idempotent: computing again changes nothing and adds no rows.
    series_services.weekly_series_compute(week_start=week)
    assert WeeklyRiskSummary.objects.count() == 1
    assert tasks.weekly_series() >= 1


def test_hooks_are_registered():
    for point in ("group_open_work", "user_open_work", "station_figures", "person_export", "person_anonymise"):
        assert any(p.__module__ == "cases.providers" for p in hooks.providers(point)), point


def test_group_and_user_open_work_carry_no_names(open_case, counselor, center, station):
    from centers.models import ServiceGroup

    group = ServiceGroup.objects.create(center=center, station=station, name="阳光小组", need="youth")
    workflow_services.case_set_group(case=open_case, group=group, actor=counselor)
    items = hooks.collect_list("group_open_work", group=group)
    assert [i["kind"] for i in items] == ["case", "follow_up"]
    assert "陈小明" not in items[0]["label"] and open_case.reference in items[0]["label"]
    mine = hooks.collect_list("user_open_work", user=counselor)
    assert {i["kind"] for i in mine} == {"case", "follow_up"}
    assert all("陈小明" not in i["label"] for i in mine)


def test_station_figures(open_case, counselor, station, on_duty, center):
    start = timezone.now() - dt.timedelta(days=1)
    end = timezone.now() + dt.timedelta(days=40)
    tier_services.case_set_tier(case=open_case, tier=Tier.HIGH_RISK, actor=counselor, reason="x")
    alert_services.alert_acknowledge(alert=CrisisAlert.objects.get(), actor=on_duty)
    figures = hooks.collect_dict("station_figures", station=station, start=start, end=end)
    assert figures["crisis_alerts"] == 1
    assert figures["crisis_alerts_acknowledged_in_time_share"] == 1.0
    assert figures["cases_opened_general"] == 1  # counted by the tier it opened with
    assert figures["follow_ups_due"] >= 1


def test_person_export_and_anonymise(open_case, counselor, person):
    note_services.note_add(case=open_case, actor=counselor, body="秘密")
    screening_services.screening_submit(
        resident=person, instrument="phq9", answers=phq9(5), actor=counselor, case=open_case
    )
    data = hooks.collect_dict("person_export", resident=person)
    assert data["cases"][0]["reference"] == open_case.reference
    assert data["screenings"][0]["score"] == 5
    assert "秘密" not in str(data)
    hooks.collect("person_anonymise", resident=person, actor=counselor)
    open_case.refresh_from_db()  # an open case is a live clinical record: erasure keeps it
    assert open_case.summary == "失眠两周" and open_case.notes.get().body == "秘密"
    assert person.screenings.get().answers == phq9(5)
    Case.objects.filter(pk=open_case.pk).update(stage="closed", closed_at=timezone.now() - dt.timedelta(days=4000))
    hooks.collect("person_anonymise", resident=person, actor=counselor)
    open_case.refresh_from_db()  # closed eleven years ago: past the retention period, blanked
    assert open_case.summary == "" and open_case.notes.get().body == ""
    assert person.screenings.get().answers == {}


def test_seed_cases_is_idempotent_and_covers_every_tier_and_stage(db):
    call_command("seed_demo", quiet_logins=True)
    call_command("seed_cases")
    counts = (Case.objects.count(), FollowUp.objects.count(), CrisisAlert.objects.count())
    call_command("seed_cases")
    assert (Case.objects.count(), FollowUp.objects.count(), CrisisAlert.objects.count()) == counts
    assert set(Case.objects.values_list("tier", flat=True)) == set(Tier.values)
    assert set(Case.objects.values_list("stage", flat=True)) == set(Stage.values)
    assert CrisisAlert.objects.filter(acknowledged_at__isnull=True).count() == 1
    assert WeeklyRiskSummary.objects.filter(mean_phq9__isnull=False).count() >= 8


def test_the_admin_lists_cases_read_only_without_names(client, open_case, django_user_model):
    admin_user = django_user_model.objects.create_superuser(username="root", email="root@example.cn", password="x" * 12)
    give_totp(admin_user)  # the admin is staff: it answers only after a second factor is set up
    client.force_login(admin_user)
    page = client.get("/admin/cases/case/").content.decode()
    assert open_case.reference in page and "陈小明" not in page
    assert client.get(f"/admin/cases/case/{open_case.pk}/delete/").status_code == 403


def test_the_series_is_read_by_officials_of_the_center_only(
    official, make_staff, other_center, counselor, center, station, person
):
    from cases import selectors
    from centers.models import Role

    case, _ = intake_services.case_intake(
        resident=person, center=center, channel=Channel.WALK_IN, source="", actor=counselor
    )
    series_services.weekly_series_compute(week_start=timezone.localdate())
    assert [row.station for row in selectors.early_warning_series(user=official)] == [station]
    far_official = make_staff(Role.OFFICIAL, center_=other_center)
    assert list(selectors.early_warning_series(user=far_official)) == []
    assert list(selectors.early_warning_series(user=counselor)) == []
