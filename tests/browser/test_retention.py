"""A supervisor places a legal hold on a closed case from the retention page (in Chinese), sees it in force and
counted in the month's report; the purge then keeps the case; releasing the hold from the page lets it go."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from cases.models import Case, Stage
from centers.retention.schedule import add_years
from tests.browser.checks import zh
from tests.browser.conftest import screenshot
from tests.browser_support import sign_in_staff
from tests.cases.factories import CaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_holds_a_case_and_sees_it_in_the_report(page, center, resident, supervisor, password):
    case = CaseFactory(center=center, resident=resident, station=resident.station)
    closed = add_years(timezone.now(), -10) - dt.timedelta(days=40)  # due before this month began
    Case.objects.filter(pk=case.pk).update(stage=Stage.CLOSED, closed_at=closed)
    sign_in_staff(page, supervisor.username, password)
    page.goto("/retention/")
    assert page.get_by_test_id("page-title").inner_text() == zh("Record retention")
    # Due already: the case is in the "due earlier" column, nothing held yet.
    assert page.get_by_test_id("due-case").inner_text().split("\t")[1:] == ["0", "1", "0"]
    form = page.get_by_test_id("hold-form")
    form.locator("select[name=record_type]").select_option("case")
    form.locator("input[name=number]").fill("C0000")  # not a number
    form.locator("textarea[name=reason]").fill("区法院调取 (2026)民初 88 号")
    form.locator("button[type=submit]").click()
    assert zh("Enter a number such as 123 or a case reference such as C000123.") in page.inner_text("main")
    form = page.get_by_test_id("hold-form")
    form.locator("input[name=number]").fill(case.reference)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/retention/")
    assert zh("The legal hold is placed: the record is kept until the hold is released.") in page.inner_text("body")
    row = page.get_by_test_id("hold-row").first.inner_text()
    assert case.reference in row and "区法院调取" in row and zh("In force") in row
    assert page.get_by_test_id("due-case").inner_text().split("\t")[1:] == ["0", "1", "1"]
    call_command("retention_report")
    page.reload()
    report = page.get_by_test_id("report-row").first.inner_text()
    assert timezone.localdate().strftime("%Y-%m") in report and center.name in report
    screenshot(page, "supervisor-retention-hold")
    call_command("purge_expired_records", "--skip-audit")
    assert Case.objects.filter(pk=case.pk).exists()
    page.get_by_role("button", name=zh("Release the hold")).click()
    page.wait_for_url("**/retention/")
    assert zh("The hold is released: the record follows its retention period again.") in page.inner_text("body")
    call_command("purge_expired_records", "--skip-audit")
    assert not Case.objects.filter(pk=case.pk).exists()
