"""Reading work on the read replica: which database the reporting pages read, in the ordinary suite.

The replica here is a mirror of the test database (the same rows through a second connection), so the
figures are the same on both: what is asserted is where the queries ran. The rows are committed
(transactional tests), as they would be for a real replica; tests/replica runs the same pages against a
real streaming standby that lags.
"""

from __future__ import annotations

import functools
import logging
import time

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from centers.infra import replica as replica_module
from centers.infra.replica import PIN_COOKIE, REPLICA, ReplicaRouter, reading_work, replica_lag_forget
from centers.models import Center
from centers.reporting.evaluations import services as svc
from centers.reporting.evaluations.models import EvaluationCriterion, StationEvaluation
from tests.centers.evaluations.conftest import score_all
from tests.db_alias import database_alias, settings_like_default
from tests.factories import monthly_figures
from tests.faults.servers import free_port

YEAR = timezone.localdate().year - 1


figures = functools.partial(monthly_figures, year=YEAR)


def row(face_to_face=23, phone=17):
    return f"{YEAR}-01</th><td>{face_to_face}</td><td>{phone}</td><td>{face_to_face + phone}</td>"


def reads(captured, table):
    return [q["sql"] for q in captured.captured_queries if table in q["sql"]]


pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture(scope="module", autouse=True)
def _replica_alias(django_db_setup):
    """A `replica` alias mirroring the test database, for this module's tests."""
    mirror = settings_like_default()
    mirror["TEST"] = {**mirror["TEST"], "MIRROR": "default"}
    with database_alias(REPLICA, mirror):
        yield


@pytest.fixture
def replica():
    replica_lag_forget()
    yield connections[REPLICA]
    replica_lag_forget()


@pytest.fixture
def unreachable_replica(replica):
    """The `replica` alias pointing where no server answers (nothing listens on its port; no such SQLite folder)."""
    if connections["default"].vendor == "postgresql":
        nowhere = settings_like_default(HOST="127.0.0.1", PORT=str(free_port()))
        nowhere["OPTIONS"] = {**nowhere["OPTIONS"], "connect_timeout": 1}
    else:
        nowhere = settings_like_default(NAME="/nonexistent/fucheng/replica.sqlite3")
    nowhere["TEST"] = {**nowhere["TEST"], "MIRROR": "default"}
    with database_alias(REPLICA, nowhere) as connection:
        yield connection


def test_without_a_replica_every_read_goes_to_the_primary(center, station, official, client_for):
    figures(center, station)
    client = client_for(official)
    with database_alias(REPLICA, None):
        with reading_work():
            assert ReplicaRouter().db_for_read(Center) == "default"
        page = client.get(reverse("centers:statistics"), {"year": YEAR})
        client.post(reverse("centers:statistics_refresh"))
    assert row() in page.content.decode()
    assert PIN_COOKIE not in client.cookies  # no replica, no pin


def test_reports_read_the_replica(center, station, official, client_for, replica):
    figures(center, station)
    client = client_for(official)
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        page = client.get(reverse("centers:statistics"), {"year": YEAR}).content.decode()
        warning = client.get(reverse("centers:statistics_warning"), {"station": station.pk})
    assert row() in page
    assert warning.status_code == 200 and station.name in warning.content.decode()
    assert reads(on_replica, "monthlyservicefigure") and reads(on_replica, "weeklywarningfigure")
    assert not reads(on_primary, "monthlyservicefigure") and not reads(on_primary, "weeklywarningfigure")
    # who is asking was read on the primary, before the view switched
    assert reads(on_primary, "django_session") and not reads(on_replica, "django_session")


def test_an_export_reads_the_replica_then_writes_its_audit_row_on_the_primary(
    center, station, official, client_for, replica
):
    figures(center, station)
    client = client_for(official)
    with CaptureQueriesContext(replica) as on_replica, CaptureQueriesContext(connections["default"]) as on_primary:
        csv = client.get(reverse("centers:statistics_export", args=["by_month", "csv"]), {"year": YEAR})
    assert f"{YEAR}-01,23,17,40" in csv.content.decode("utf-8-sig")
    assert reads(on_replica, "monthlyservicefigure") and not reads(on_primary, "monthlyservicefigure")
    assert reads(on_primary, "INSERT INTO") and not reads(on_replica, "INSERT INTO")
    assert not reads(on_replica, "audit")  # the chain's head is read in the writing transaction, on the primary
    assert int(client.cookies[PIN_COOKIE].value) > time.time()  # it wrote: the next pages read what it wrote


def test_a_write_pins_the_rest_of_the_work_to_the_primary(center, replica):
    with CaptureQueriesContext(replica) as on_replica, reading_work():
        assert Center.objects.count() == 1
        Center.objects.create(code="north", name="北街道")
        assert Center.objects.count() == 2
    assert len(reads(on_replica, "centers_center")) == 1  # the count before the write only


def test_a_refresh_and_the_statistics_it_redirects_to_read_the_primary(
    center, station, supervisor, client_for, replica
):
    figures(center, station)
    client = client_for(supervisor)
    with CaptureQueriesContext(replica) as on_replica:
        refreshed = client.post(reverse("centers:statistics_refresh"), follow=True)
    assert refreshed.redirect_chain == [(reverse("centers:statistics"), 302)]
    assert "The figures will be recomputed within a minute." in refreshed.content.decode()
    assert not reads(on_replica, "monthlyservicefigure")  # the POST and the page it redirects to: the primary

    with CaptureQueriesContext(replica) as on_replica:
        client.get(reverse("centers:statistics"))  # still within the pin
    assert not reads(on_replica, "monthlyservicefigure")
    client.cookies[PIN_COOKIE] = str(int(time.time()) - 1)  # the pin's seconds have passed
    with CaptureQueriesContext(replica) as on_replica:
        client.get(reverse("centers:statistics"))
    assert reads(on_replica, "monthlyservicefigure")


def test_the_scoring_form_never_reads_the_replica(center, station, supervisor, client_for, fixed_figures, replica):
    draft = svc.evaluation_quarter_open(center=center, year=YEAR, quarter=2, actor=supervisor)[0]
    criteria = EvaluationCriterion.objects.filter(center=center)
    client = client_for(supervisor)
    url = reverse("centers:evaluation_edit", args=[draft.pk])
    client.post(url, {f"score_{c.pk}": "8" for c in criteria})
    client.cookies[PIN_COOKIE] = str(int(time.time()) - 1)  # long after the save
    with CaptureQueriesContext(replica) as on_replica:
        client.get(url)
    assert not reads(on_replica, "criterionscore") and not reads(on_replica, "stationevaluation")


def test_published_evaluations_read_the_replica(
    center, station, supervisor, official, client_for, fixed_figures, replica
):
    draft = svc.evaluation_quarter_open(center=center, year=YEAR, quarter=2, actor=supervisor)[0]
    svc.evaluation_publish(evaluation=score_all(draft, supervisor, 7), actor=supervisor)
    client = client_for(official)
    with CaptureQueriesContext(replica) as on_replica:
        ranking = client.get(reverse("centers:evaluation_ranking"), {"period": f"{YEAR}-2"}).content.decode()
        detail = client.get(reverse("centers:evaluation_detail", args=[draft.pk])).content.decode()
        report = client.get(reverse("centers:evaluation_report", args=[draft.pk]))
    assert station.name in ranking and "70.0" in detail and report.status_code == 200
    assert len(reads(on_replica, "stationevaluation")) >= 3


def test_a_replica_too_far_behind_is_not_read(center, station, official, client_for, replica, settings, monkeypatch):
    figures(center, station)
    monkeypatch.setattr(replica_module, "_measure_lag", lambda: 30.0)
    client = client_for(official)
    settings.DATABASE_REPLICA_MAX_LAG = 10
    with CaptureQueriesContext(replica) as on_replica:
        page = client.get(reverse("centers:statistics"), {"year": YEAR}).content.decode()
    assert row() in page and not on_replica.captured_queries
    settings.DATABASE_REPLICA_MAX_LAG = 60
    with CaptureQueriesContext(replica) as on_replica:
        client.get(reverse("centers:statistics"), {"year": YEAR})
    assert reads(on_replica, "monthlyservicefigure")


def test_the_lag_is_measured_once_for_many_reads(center, station, official, client_for, replica):
    if replica.vendor != "postgresql":
        pytest.skip("the lag is a PostgreSQL standby's; a SQLite mirror has none")
    figures(center, station)
    client = client_for(official)
    with CaptureQueriesContext(replica) as on_replica:
        client.get(reverse("centers:statistics"), {"year": YEAR})
        client.get(reverse("centers:statistics_warning"))
    assert len(reads(on_replica, "pg_is_in_recovery")) == 1


def test_an_unreachable_replica_falls_back_to_the_primary_with_a_warning(
    center, station, official, client_for, unreachable_replica, caplog
):
    figures(center, station)
    client = client_for(official)
    with caplog.at_level(logging.WARNING, logger="centers.infra.replica"):
        first = client.get(reverse("centers:statistics"), {"year": YEAR})
        second = client.get(reverse("centers:statistics"), {"year": YEAR})
    assert first.status_code == second.status_code == 200 and row() in second.content.decode()
    warnings = [r for r in caplog.records if "cannot be reached" in r.getMessage()]
    assert len(warnings) == 1  # not tried again on every page


def test_a_post_on_a_reporting_page_never_reads_the_replica(
    center, station, supervisor, client_for, fixed_figures, replica
):
    client = client_for(supervisor)
    with CaptureQueriesContext(replica) as on_replica:
        client.post(reverse("centers:evaluation_open"), {"year": YEAR, "quarter": 3}, follow=True)
    assert StationEvaluation.objects.filter(year=YEAR, quarter=3).exists()
    assert not on_replica.captured_queries
