"""Station evaluations: figures from the hook, weighted criteria, draft → published, what officials see."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from centers.audit.models import AuditEvent
from centers.models import Role
from centers.reporting.evaluations import services as svc
from centers.reporting.evaluations.models import CriterionScore, EvaluationCriterion, StationEvaluation
from tests.centers.evaluations.conftest import score_all

pytestmark = pytest.mark.django_db


def open_q(center, supervisor, year=2026, quarter=2):
    return {
        e.station_id: e
        for e in svc.evaluation_quarter_open(center=center, year=year, quarter=quarter, actor=supervisor)
    }


def test_opening_a_quarter_drafts_every_station_with_figures_from_the_hook(
    center, station, other_station, supervisor, fixed_figures
):
    drafts = open_q(center, supervisor)
    assert set(drafts) == {station.pk, other_station.pk}
    draft = drafts[station.pk]
    assert draft.status == "draft"
    assert draft.figures["person_times_total"] == 55
    assert draft.figures["follow_ups_on_time_share"] == 0.9
    assert draft.figures["volunteer_hours"] == 36.5
    assert EvaluationCriterion.objects.filter(center=center).count() == 4
    # opening again keeps what exists
    assert open_q(center, supervisor) == {}
    assert AuditEvent.objects.filter(action="evaluation.open_quarter").count() == 2


def test_real_providers_answer_every_figure(center, station, supervisor):
    draft = open_q(center, supervisor)[station.pk]
    for key in (
        "appointments_sessions_completed",
        "crisis_alerts",
        "workshops_held",
        "volunteer_hours",
        "referrals_completed",
    ):
        assert key in draft.figures
    assert draft.figures["person_times_total"] == 0


def test_future_quarter_and_other_roles_are_refused(center, station, supervisor, official, fixed_figures):
    with pytest.raises(ValidationError, match="not started"):
        svc.evaluation_quarter_open(center=center, year=2099, quarter=1, actor=supervisor)
    with pytest.raises(ValidationError, match="Only a supervisor"):
        svc.evaluation_quarter_open(center=center, year=2026, quarter=1, actor=official)
    assert not StationEvaluation.objects.exists()


def test_weighted_total_and_publish(center, station, supervisor, fixed_figures):
    draft = open_q(center, supervisor)[station.pk]
    criteria = list(EvaluationCriterion.objects.filter(center=center).order_by("position"))
    # weights 30, 30, 20, 20 out of 10 points each: 10, 5, 10, 0 → (30 + 15 + 20 + 0) / 100
    scores = dict(zip([c.pk for c in criteria], [Decimal(10), Decimal(5), Decimal(10), Decimal(0)], strict=True))
    draft = svc.evaluation_score(evaluation=draft, actor=supervisor, scores=scores)
    assert draft.total == Decimal("65.0")
    published = svc.evaluation_publish(evaluation=draft, actor=supervisor)
    assert published.status == "published" and published.published_at and published.published_by == supervisor
    # a later change of a weight never moves the published total
    svc.criterion_save(
        center=center,
        actor=supervisor,
        criterion=criteria[0],
        code=criteria[0].code,
        name=criteria[0].name,
        weight=Decimal(90),
        max_score=10,
    )
    published.refresh_from_db()
    assert published.total == Decimal("65.0")
    with pytest.raises(ValidationError, match="published"):
        svc.evaluation_score(evaluation=published, actor=supervisor, scores=scores)


def test_publishing_needs_every_criterion_and_scores_stay_within_range(center, station, supervisor, fixed_figures):
    draft = open_q(center, supervisor)[station.pk]
    first = EvaluationCriterion.objects.filter(center=center).order_by("position").first()
    svc.evaluation_score(evaluation=draft, actor=supervisor, scores={first.pk: Decimal(8)})
    with pytest.raises(ValidationError, match="still missing"):
        svc.evaluation_publish(evaluation=draft, actor=supervisor)
    with pytest.raises(ValidationError, match="from 0 to 10"):
        svc.evaluation_score(evaluation=draft, actor=supervisor, scores={first.pk: Decimal(11)})
    assert CriterionScore.objects.get(criterion=first).score == Decimal(8)
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_supervisor_pages_score_and_publish(center, station, supervisor, client_for, fixed_figures):
    client = client_for(supervisor)
    response = client.post(reverse("centers:evaluation_open"), {"year": 2026, "quarter": 2}, follow=True)
    assert "草稿" in response.content.decode() or "draft" in response.content.decode().lower()
    draft = StationEvaluation.objects.get(station=station)
    page = client.get(reverse("centers:evaluation_edit", args=[draft.pk]))
    assert page.status_code == 200 and station.name in page.content.decode()
    criteria = EvaluationCriterion.objects.filter(center=center)
    bad = client.post(reverse("centers:evaluation_edit", args=[draft.pk]), {f"score_{c.pk}": "12" for c in criteria})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "a score from 0 to 10." in text and "[&#x27;" not in text  # a sentence, not a Python list
    assert 'value="12"' in text  # what was typed stays
    assert not CriterionScore.objects.exists()
    client.post(reverse("centers:evaluation_edit", args=[draft.pk]), {f"score_{c.pk}": "9" for c in criteria})
    asked = client.post(reverse("centers:evaluation_publish", args=[draft.pk]))
    assert "Publish this evaluation?" in asked.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"  # asked first
    response = client.post(reverse("centers:evaluation_publish", args=[draft.pk]), {"confirmed": "yes"}, follow=True)
    draft.refresh_from_db()
    assert draft.status == "published" and draft.total == Decimal("90.0")
    assert response.request["PATH_INFO"] == reverse("centers:evaluation_detail", args=[draft.pk])


def test_officials_see_published_only_ranked_with_change_from_last_quarter(
    center, station, other_station, supervisor, official, client_for, fixed_figures
):
    q1 = open_q(center, supervisor, quarter=1)
    for evaluation, value in ((q1[station.pk], 6), (q1[other_station.pk], 8)):
        svc.evaluation_publish(evaluation=score_all(evaluation, supervisor, value), actor=supervisor)
    q2 = open_q(center, supervisor, quarter=2)
    svc.evaluation_publish(evaluation=score_all(q2[station.pk], supervisor, 9), actor=supervisor)
    score_all(q2[other_station.pk], supervisor, 10)  # still a draft
    client = client_for(official)
    page = client.get(reverse("centers:evaluation_ranking"), {"period": "2026-2"}).content.decode()
    assert station.name in page and other_station.name not in page
    assert "+30.0" in page  # 60 → 90
    page = client.get(reverse("centers:evaluation_ranking"), {"period": "2026-1"}).content.decode()
    assert page.index(other_station.name) < page.index(station.name)
    assert client.get(reverse("centers:evaluation_detail", args=[q2[other_station.pk].pk])).status_code == 404
    assert client.get(reverse("centers:evaluation_edit", args=[q2[station.pk].pk])).status_code == 404
    detail = client.get(reverse("centers:evaluation_detail", args=[q2[station.pk].pk])).content.decode()
    assert "90.0" in detail and "60.0" in detail


def test_small_counts_read_under_five_for_officials(center, station, supervisor, official, client_for, fixed_figures):
    draft = open_q(center, supervisor)[station.pk]
    svc.evaluation_publish(evaluation=score_all(draft, supervisor, 7), actor=supervisor)
    page = client_for(official).get(reverse("centers:evaluation_detail", args=[draft.pk])).content.decode()
    assert 'data-figure="crisis_alerts">&lt;5<' in page  # 2 alerts
    assert 'data-figure="appointments_person_times_home_visit">&lt;5<' in page  # 3 home visits
    assert 'data-figure="appointments_sessions_completed">55<' in page
    assert 'data-figure="follow_ups_on_time_share">90%<' in page


def test_another_centers_official_gets_404(
    center, station, supervisor, make_staff, other_center, client_for, fixed_figures
):
    draft = open_q(center, supervisor)[station.pk]
    svc.evaluation_publish(evaluation=score_all(draft, supervisor, 7), actor=supervisor)
    stranger = make_staff(Role.OFFICIAL, center_=other_center)
    client = client_for(stranger)
    assert client.get(reverse("centers:evaluation_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("centers:evaluation_detail_export", args=[draft.pk, "xlsx"])).status_code == 404
    assert station.name not in client.get(reverse("centers:evaluation_ranking")).content.decode()


@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.STATION_MANAGER, Role.VOLUNTEER, Role.AUDITOR, Role.EXPERT])
def test_other_roles_cannot_reach_the_evaluations(
    role, center, station, supervisor, make_staff, client_for, fixed_figures
):
    draft = open_q(center, supervisor)[station.pk]
    svc.evaluation_publish(evaluation=score_all(draft, supervisor, 7), actor=supervisor)
    at_station = None if role in (Role.AUDITOR, Role.EXPERT) else station
    client = client_for(make_staff(role, station=at_station))
    for url in (
        reverse("centers:evaluation_ranking"),
        reverse("centers:evaluation_detail", args=[draft.pk]),
        reverse("centers:evaluation_report", args=[draft.pk]),
        reverse("centers:evaluation_list"),
        reverse("centers:evaluation_edit", args=[draft.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_exports_and_printable_report(center, station, supervisor, official, client_for, fixed_figures):
    draft = open_q(center, supervisor)[station.pk]
    svc.evaluation_publish(evaluation=score_all(draft, supervisor, 7), actor=supervisor)
    client = client_for(official)
    csv = client.get(reverse("centers:evaluation_ranking_export", args=["csv"]))
    assert csv["Content-Type"].startswith("text/csv")
    assert station.name in csv.content.decode("utf-8-sig")
    xlsx = client.get(reverse("centers:evaluation_detail_export", args=[draft.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"{center.name} · {station.name}" and rows[1][0] == draft.period_label
    assert sheet.freeze_panes == "A4"
    by_label = {row[0]: row[1] for row in rows[3:]}
    # home visits 3 read "<5"; phone 12 hides with it, else 55 - 40 - 12 gives the 3 away
    assert by_label["Person-times: home visits"] == "<5" and by_label["Person-times: phone consultation"] == "x"
    assert by_label["Person-times, all services"] == 55 and by_label["Total score"] == 70.0
    assert client.get(reverse("centers:evaluation_ranking_export", args=["pdf"])).status_code == 404
    report = client.get(reverse("centers:evaluation_report", args=[draft.pk])).content.decode()
    assert "css/print.css" in report and "<script>" not in report


def test_supervisor_configures_weighted_criteria(center, station, supervisor, official, client_for, fixed_figures):
    client = client_for(supervisor)
    url = reverse("centers:evaluation_criteria")
    page = client.get(url).content.decode()
    assert "30%" in page  # four default criteria, 30/30/20/20
    response = client.post(
        url,
        {
            "name": "居民满意度",
            "code": "satisfaction",
            "weight": "25",
            "max_score": "5",
            "position": "9",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    added = EvaluationCriterion.objects.get(code="satisfaction")
    assert added.weight == Decimal(25) and added.max_score == 5
    bad = client.post(url, {"name": "x", "code": "x", "weight": "-1", "max_score": "5"})
    assert bad.status_code == 400 and not EvaluationCriterion.objects.filter(code="x").exists()
    duplicate = client.post(url, {"name": "again", "code": "satisfaction", "weight": "5", "max_score": "5"})
    assert duplicate.status_code == 400
    first = EvaluationCriterion.objects.get(code="records")
    client.post(
        url,
        {"pk": first.pk, "name": first.name, "code": first.code, "weight": "20", "max_score": "10", "position": "3"},
    )
    first.refresh_from_db()
    assert not first.is_active  # the box was left unticked
    draft = open_q(center, supervisor)[station.pk]
    draft = score_all(draft, supervisor, 5)  # scores the criteria in use only
    assert not CriterionScore.objects.filter(criterion=first).exists()
    assert client_for(official).get(url).status_code == 404
