"""An official's reports read from a real streaming standby, and from the primary when it lags too far or
the page just wrote (tests/replica/conftest.py starts both servers)."""

from __future__ import annotations

import datetime as dt
import functools
import time
from decimal import Decimal

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from centers.infra.dates import week_start
from centers.infra.replica import PIN_COOKIE, REPLICA, replica_lag, replica_lag_forget
from centers.reporting.evaluations import services as svc
from centers.reporting.evaluations.models import EvaluationCriterion, MonthlyServiceFigure, WeeklyWarningFigure
from tests.factories import monthly_figures
from tests.faults.servers import wait_for
from tests.faults.standby import psql

pytestmark = [pytest.mark.replica, pytest.mark.django_db(transaction=True, databases=["default", REPLICA])]

YEAR = timezone.localdate().year - 1


@pytest.fixture(autouse=True)
def _english(english):
    """Assert on the English msgids."""


figures = functools.partial(monthly_figures, year=YEAR)


def january(face_to_face):
    return f"{YEAR}-01</th><td>{face_to_face}</td><td>17</td><td>{face_to_face + 17}</td>"


def reads(captured, table):
    return [q["sql"] for q in captured.captured_queries if table in q["sql"]]


def published(center, supervisor):
    draft = svc.evaluation_quarter_open(center=center, year=YEAR, quarter=4, actor=supervisor)[0]
    criteria = EvaluationCriterion.objects.filter(center=center, is_active=True)
    svc.evaluation_score(evaluation=draft, actor=supervisor, scores={c.pk: Decimal(7) for c in criteria})
    return svc.evaluation_publish(evaluation=draft, actor=supervisor)


def test_an_officials_reports_are_read_from_the_standby(
    center, station, supervisor, official, client_for, standby, settings
):
    settings.DATABASE_REPLICA_MAX_LAG = 30
    figures(center, station)
    WeeklyWarningFigure.objects.create(
        center=center, station=station, week_start=week_start(timezone.localdate()), general=37, serious=8, high_risk=6
    )
    evaluation = published(center, supervisor)
    standby.wait_caught_up()
    client = client_for(official)
    with CaptureQueriesContext(connections[REPLICA]) as on_standby:
        overview = client.get(reverse("centers:statistics"), {"year": YEAR}).content.decode()
        warning = client.get(reverse("centers:statistics_warning"), {"station": station.pk}).content.decode()
        ranking = client.get(reverse("centers:evaluation_ranking"), {"period": f"{YEAR}-4"}).content.decode()
        detail = client.get(reverse("centers:evaluation_detail", args=[evaluation.pk])).content.decode()
    assert january(23) in overview
    assert "<td>37</td><td>8</td><td>6</td>" in warning
    assert station.name in ranking and "70.0" in ranking and "70.0" in detail
    for table in ("monthlyservicefigure", "weeklywarningfigure", "stationevaluation", "criterionscore"):
        assert reads(on_standby, table), f"{table} was not read on the standby"
    with CaptureQueriesContext(connections[REPLICA]) as on_standby:
        csv = client.get(reverse("centers:statistics_export", args=["by_month", "csv"]), {"year": YEAR})
    assert f"{YEAR}-01,23,17,40" in csv.content.decode("utf-8-sig")
    assert reads(on_standby, "monthlyservicefigure")


def test_a_lagging_standby_is_read_until_its_lag_passes_the_bound(
    center, station, official, client_for, standby, settings
):
    figures(center, station)
    standby.wait_caught_up()
    client = client_for(official)
    standby.pause_replay()
    MonthlyServiceFigure.objects.filter(month=dt.date(YEAR, 1, 1), service="face_to_face").update(person_times=41)

    settings.DATABASE_REPLICA_MAX_LAG = 3600  # an hour behind is still good enough: the standby's figure
    replica_lag_forget()
    with CaptureQueriesContext(connections[REPLICA]) as on_standby:
        page = client.get(reverse("centers:statistics"), {"year": YEAR}).content.decode()
    assert january(23) in page and reads(on_standby, "monthlyservicefigure")

    settings.DATABASE_REPLICA_MAX_LAG = 1
    wait_for(lambda: replica_lag_forget() or (replica_lag() or 0) > 1, timeout=10, what="the standby to lag 1 s")
    with CaptureQueriesContext(connections[REPLICA]) as on_standby:
        page = client.get(reverse("centers:statistics"), {"year": YEAR}).content.decode()
    assert january(41) in page and not reads(on_standby, "monthlyservicefigure")  # the primary's figure

    standby.resume_replay()
    standby.wait_caught_up()
    replica_lag_forget()
    with CaptureQueriesContext(connections[REPLICA]) as on_standby:
        page = client.get(reverse("centers:statistics"), {"year": YEAR}).content.decode()
    assert january(41) in page and reads(on_standby, "monthlyservicefigure")  # caught up: the standby again


def test_saved_scores_show_on_the_page_saving_redirects_to(center, station, supervisor, client_for, standby, settings):
    settings.DATABASE_REPLICA_MAX_LAG = 3600
    draft = svc.evaluation_quarter_open(center=center, year=YEAR, quarter=4, actor=supervisor)[0]
    criteria = EvaluationCriterion.objects.filter(center=center, is_active=True)
    url = reverse("centers:evaluation_edit", args=[draft.pk])
    standby.wait_caught_up()
    client = client_for(supervisor)
    standby.pause_replay()  # the standby will not see the scores

    with CaptureQueriesContext(connections[REPLICA]) as on_standby:
        saved = client.post(url, {f"score_{c.pk}": "8.5" for c in criteria}, follow=True)
    page = saved.content.decode()
    assert saved.redirect_chain == [(url, 302)] and "Scores saved." in page and 'value="8.5"' in page
    assert not reads(on_standby, "criterionscore")

    client.cookies[PIN_COOKIE] = str(int(time.time()) - 1)  # some seconds later, the pin has run out
    with CaptureQueriesContext(connections[REPLICA]) as on_standby:
        later = client.get(url).content.decode()
    # a scoring form is never filled from the standby: the paused copy would show the scores before the save
    assert not reads(on_standby, "criterionscore") and 'value="8.5"' in later


def test_a_standby_cut_off_from_its_primary_is_not_read(center, station, official, client_for, standby, settings):
    """A broken stream leaves nothing unreplayed, so the replay lag alone would say 0 while the copy goes stale."""
    settings.DATABASE_REPLICA_MAX_LAG = 3600
    figures(center, station)
    standby.wait_caught_up()
    conninfo = psql(standby.port, "SHOW primary_conninfo")
    psql(standby.port, "ALTER SYSTEM SET primary_conninfo = ''")
    psql(standby.port, "SELECT pg_reload_conf()")
    try:
        wait_for(lambda: psql(standby.port, "SELECT count(*) FROM pg_stat_wal_receiver") == "0", what="no stream")
        replica_lag_forget()
        with CaptureQueriesContext(connections[REPLICA]) as on_standby:
            page = client_for(official).get(reverse("centers:statistics"), {"year": YEAR}).content.decode()
        assert january(23) in page and not reads(on_standby, "monthlyservicefigure")  # the primary answered
    finally:
        escaped = conninfo.replace("'", "''")
        psql(standby.port, f"ALTER SYSTEM SET primary_conninfo = '{escaped}'")
        psql(standby.port, "SELECT pg_reload_conf()")
        wait_for(lambda: psql(standby.port, "SELECT status FROM pg_stat_wal_receiver") == "streaming", what="stream")
        replica_lag_forget()
