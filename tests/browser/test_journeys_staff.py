"""Staff journeys in the browser, each signing in with the password and the authenticator app's code.

A counselor acknowledges a crisis alert, runs a session (check-in, complete), refers a case and closes
another; a supervisor assigns an intake and publishes a station evaluation; an official opens the
dashboard and downloads the statistics as XLSX; an auditor reads the log of what they all did.
"""

import datetime as dt
import io
import re
import zipfile

import openpyxl
import pytest
from django.utils import timezone

from appointments.models import AppointmentStatus
from cases.models import Case, Channel, Stage, Tier
from cases.referrals.models import Referral
from cases.services import intake as intake_services
from cases.services import workflow as workflow_services
from centers.models import DutyShift, Role, ShiftKind
from centers.reporting.evaluations.models import StationEvaluation
from tests.appointments.factories import AppointmentFactory, SlotFactory
from tests.browser.checks import assert_accessible, zh, zh_label
from tests.browser.conftest import screenshot, sign_in_staff
from tests.factories import PartnerFactory, ResidentFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def field(label: str) -> re.Pattern:
    """A field by its Chinese label, as shown (crispy adds "*" to required ones)."""
    return re.compile(rf"^\s*{re.escape(zh(label))}\s*\*?\s*$")


def _main(page) -> str:
    return page.locator("main").inner_text()


def _open_case(*, person, center, counselor, summary: str, to_stage: str | None = None) -> Case:
    case, _ = intake_services.case_intake(
        resident=person, center=center, channel=Channel.WALK_IN, source="", actor=counselor, summary=summary
    )
    workflow_services.case_assign(case=case, counselor=counselor, actor=counselor)
    workflow_services.case_record_consent(case=case, actor=counselor)
    if to_stage:
        for stage in (Stage.ASSESS, Stage.DISPATCH, Stage.INTERVENE, Stage.FOLLOW_UP):
            workflow_services.case_transition(case=case, to_stage=stage, actor=counselor, reason="按计划推进")
            if stage == to_stage:
                break
    case.refresh_from_db()
    return case


def test_a_counselor_acknowledges_an_alert_runs_a_session_refers_and_closes(
    page, make_staff, center, station, password
):
    counselor = make_staff(Role.COUNSELOR, station=station, display_name="王老师")
    now = timezone.now()
    DutyShift.objects.create(
        center=center,
        kind=ShiftKind.ONLINE_HOTLINE,
        user=counselor,
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=8),
        is_crisis_team=True,
    )
    # A resident asked for a callback a moment ago.
    caller = ResidentFactory(
        center=center, station=station, full_name="赵一鸣", phone="13611110000", user=UserFactory()
    )
    intake_services.help_now_request(actor=caller.user, phone=caller.phone, resident=caller)
    # A session that started a minute ago (today, even just after midnight: the day page shows today).
    visitor = ResidentFactory(center=center, station=station, full_name="钱二妹", phone="13622220000")
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    started = max(now - dt.timedelta(minutes=1), midnight)
    slot = SlotFactory(center=center, station=station, counselor=counselor, starts_at=started)
    session = AppointmentFactory(slot=slot, resident=visitor, reason="工作压力大")
    # Two cases of theirs: one to refer, one in follow-up, ready to close after a re-assessment.
    partner = PartnerFactory(center=center, name="阜城区人民医院")
    to_refer = _open_case(
        person=ResidentFactory(center=center, station=station, full_name="孙三"),
        center=center,
        counselor=counselor,
        summary="长期失眠，想看精神科",
    )
    to_close = _open_case(
        person=ResidentFactory(center=center, station=station, full_name="李四"),
        center=center,
        counselor=counselor,
        summary="考试焦虑",
        to_stage=Stage.FOLLOW_UP,
    )

    # Sign in: password, then the authenticator code; the workspace shows the alert first.
    sign_in_staff(page, counselor.email, password)
    page.wait_for_url("**/cases/workspace/")
    assert page.get_by_test_id("page-title").inner_text() == zh("Counselor workspace")
    alerts = page.get_by_test_id("open-alerts")
    assert "13611110000" in alerts.inner_text()
    assert "赵一鸣" in page.get_by_test_id("case-queue").inner_text()
    assert_accessible(page)
    alerts.get_by_role("button", name=zh("Acknowledge")).click()
    page.wait_for_url("**/cases/*/")
    assert zh("Alert acknowledged. Contact the person within the hour and record it.") in _main(page)
    assert "赵一鸣" in page.get_by_test_id("page-title").inner_text()
    assert zh_label(Tier.HIGH_RISK) == page.get_by_test_id("tier").inner_text()
    assert zh("acknowledged by") in page.get_by_test_id("case-alert").inner_text()

    # The session: check in, then complete.
    page.get_by_role("navigation", name=zh("Main")).get_by_role("link", name=zh("Appointments"), exact=True).click()
    page.wait_for_url("**/appointments/staff/day/**")
    day = page.get_by_test_id("day-list")
    assert "钱二妹" in day.inner_text() and "工作压力大" in day.inner_text()
    assert day.get_by_test_id("status").inner_text().startswith(zh_label(AppointmentStatus.BOOKED))
    day.get_by_role("button", name=zh("Check in")).click()
    page.wait_for_load_state()
    assert page.get_by_test_id("status").inner_text().startswith(zh_label(AppointmentStatus.CHECKED_IN))
    # Completing asks for a short note, on the session's page.
    page.get_by_test_id("day-list").get_by_test_id("complete-link").click()
    page.wait_for_url(f"**/appointments/staff/{session.pk}/")
    form = page.get_by_test_id("complete-form")
    form.get_by_role("button", name=zh("Complete")).click()
    page.wait_for_load_state()
    assert zh("Please write a short note about the session before completing it.") in _main(page)
    page.get_by_test_id("complete-form").get_by_label(zh("Session note")).fill("谈了工作压力，两周后再约")
    page.get_by_test_id("complete-form").get_by_role("button", name=zh("Complete")).click()
    page.wait_for_load_state()
    assert page.get_by_test_id("status").inner_text().startswith(zh_label(AppointmentStatus.COMPLETED))
    assert page.get_by_test_id("complete-form").count() == 0
    assert "谈了工作压力" in page.get_by_test_id("session-note").inner_text()
    session.refresh_from_db()
    assert session.status == AppointmentStatus.COMPLETED and session.session_note == "谈了工作压力，两周后再约"

    # Refer a case to the hospital, with the person's consent.
    page.get_by_role("navigation", name=zh("Main")).get_by_role("link", name=zh("Cases"), exact=True).click()
    page.get_by_test_id("case-row").filter(has_text="孙三").get_by_role("link").click()
    page.wait_for_url(f"**/cases/{to_refer.pk}/")
    assert "长期失眠" in _main(page)
    actions = page.get_by_test_id("actions")
    actions.locator("summary", has_text=zh("Refer to a partner")).click()
    referral_form = actions.locator(f"form[action='/cases/{to_refer.pk}/referrals/']")
    referral_form.get_by_label(field("Partner institution")).select_option(label=partner.name)
    referral_form.get_by_label(field("The person consented")).check()
    referral_form.get_by_label(field("What the partner is asked to do")).fill("请评估是否需要药物治疗")
    referral_form.get_by_role("button", name=zh("Send referral")).click()
    page.wait_for_url(f"**/cases/{to_refer.pk}/")
    referral_row = page.get_by_test_id("referral")
    assert partner.name in referral_row.inner_text()
    assert zh("The person consented") in referral_row.inner_text()
    screenshot(page, "journey-counselor-referral")
    assert Referral.objects.get(case=to_refer).partner == partner

    # Close the other: a re-assessment first, then the closing summary.
    page.goto(f"/cases/{to_close.pk}/")
    assert page.get_by_test_id("stage").inner_text() == zh_label(Stage.FOLLOW_UP)
    actions = page.get_by_test_id("actions")
    actions.locator("summary", has_text=zh("Close the case")).click()
    actions.get_by_label(field("Closing summary")).fill("焦虑缓解，已能正常备考。")
    actions.get_by_role("button", name=zh("Close"), exact=True).click()
    page.wait_for_url(f"**/cases/{to_close.pk}/**")
    assert zh("Re-assess the person first (a new screening or a structured judgement).") in _main(page)
    actions = page.get_by_test_id("actions")
    actions.locator("summary", has_text=zh("Re-assess")).click()
    reassess = actions.locator(f"form[action='/cases/{to_close.pk}/reassess/']")
    reassess.get_by_label(field("Risk now")).select_option(str(Tier.GENERAL.value))
    reassess.get_by_label(field("Daily functioning improved")).check()
    reassess.get_by_label(field("Rationale")).fill("睡眠与情绪恢复，支持系统稳定。")
    reassess.get_by_role("button", name=zh("Record re-assessment")).click()
    page.wait_for_url(f"**/cases/{to_close.pk}/")
    actions = page.get_by_test_id("actions")
    actions.locator("summary", has_text=zh("Close the case")).click()
    actions.get_by_label(field("Closing summary")).fill("焦虑缓解，已能正常备考。")
    actions.get_by_role("button", name=zh("Close"), exact=True).click()
    page.wait_for_url(f"**/cases/{to_close.pk}/")
    assert page.get_by_test_id("stage").inner_text() == zh_label(Stage.CLOSED)
    assert page.get_by_test_id("actions").count() == 0
    to_close.refresh_from_db()
    assert to_close.stage == Stage.CLOSED


def test_a_supervisor_assigns_and_publishes_an_official_downloads_and_an_auditor_reads_the_log(
    page, make_staff, center, station, password
):
    counselor = make_staff(Role.COUNSELOR, station=station, display_name="王老师")
    supervisor = make_staff(Role.SUPERVISOR, display_name="周督导")
    official = make_staff(Role.OFFICIAL, display_name="钱主任")
    auditor = make_staff(Role.AUDITOR, display_name="冯审计")
    walk_in = ResidentFactory(center=center, station=station, full_name="周五", phone="13633330000")
    intake, _ = intake_services.case_intake(
        resident=walk_in, center=center, channel=Channel.HOTLINE, source="", actor=supervisor, summary="家庭矛盾"
    )

    # The supervisor: the console lists the unassigned intake; assign it to a counselor.
    sign_in_staff(page, supervisor.email, password)
    page.wait_for_url("**/cases/console/")
    assert page.get_by_test_id("page-title").inner_text() == zh("Supervisor console")
    unassigned = page.get_by_test_id("unassigned")
    assert intake.reference in unassigned.inner_text()
    assert_accessible(page)
    unassigned.get_by_role("link", name=zh("Assign")).click()
    page.wait_for_url(f"**/cases/{intake.pk}/?panel=assign#panel-assign")
    assign = page.locator(f"form[action='/cases/{intake.pk}/assign/']")
    assert assign.is_visible(), "the Assign link opens the assignment form"
    assign.get_by_label(field("Counselor")).select_option(label=str(counselor))
    assign.get_by_role("button", name=zh("Assign")).click()
    page.wait_for_url(f"**/cases/{intake.pk}/")
    assert zh("The counselor is assigned.") in _main(page)
    assert "王老师" in page.get_by_test_id("case-header").inner_text()
    assert list(intake.counselors.all()) == [counselor]

    # The quarter's evaluation: open the drafts, score the station, publish.
    page.get_by_role("navigation", name=zh("Main")).get_by_role("link", name=zh("Dashboards"), exact=True).click()
    page.wait_for_url("**/statistics/")
    page.goto("/dashboard/")
    page.get_by_test_id("dashboard-links").get_by_role("link", name=zh("Station evaluations")).click()
    page.wait_for_url("**/evaluations/manage/**")
    page.get_by_role("button", name=zh("Open drafts for every station")).click()
    page.wait_for_url("**/evaluations/manage/**")
    rows = page.get_by_test_id("evaluations")
    assert station.name in rows.inner_text()
    rows.locator("tr", has_text=station.name).get_by_role("link", name=zh("Score")).click()
    assert station.name in page.get_by_test_id("page-title").inner_text()
    for score in page.locator("input[name^=score_]").all():
        score.fill(score.get_attribute("max"))
    page.get_by_label(field("Supervisor's summary")).fill("服务记录完整，危机响应及时。")
    page.get_by_role("button", name=zh("Save scores")).click()
    page.wait_for_load_state()
    assert zh("Scores saved.") in _main(page)
    assert float(page.get_by_test_id("total").inner_text()) == 100
    screenshot(page, "journey-supervisor-scoring")
    page.get_by_role("button", name=zh("Publish to the officials")).click()
    page.get_by_test_id("confirm").wait_for()  # asked first, on a page of its own
    assert zh("Publish this evaluation?") in page.get_by_test_id("page-title").inner_text()
    screenshot(page, "journey-supervisor-publish-confirm")
    page.get_by_test_id("confirm-yes").click()
    page.wait_for_url("**/evaluations/*/")
    assert zh("Evaluation published.") in _main(page)
    evaluation = StationEvaluation.objects.get(station=station, status="published")

    # The official: the dashboard, the ranking with the published score, the statistics as XLSX.
    page.context.clear_cookies()
    sign_in_staff(page, official.email, password)
    page.goto("/dashboard/")
    assert page.get_by_test_id("page-title").inner_text() == zh("Service dashboard")
    assert "家庭矛盾" not in page.content() and "周五" not in page.content()
    page.get_by_test_id("dashboard-links").get_by_role("link", name=zh("Station ranking")).click()
    assert station.name in _main(page) and evaluation.period_label in _main(page)
    assert_accessible(page)
    page.goto("/dashboard/")
    page.get_by_test_id("dashboard-links").get_by_role("link", name=zh("Service statistics")).click()
    page.get_by_test_id("table-by_month").wait_for()
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_test_id("xlsx-by_month").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    content = download.path().read_bytes()
    assert zipfile.is_zipfile(io.BytesIO(content))
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    # a title and period on top, the header frozen below them, then the rows, then the "<5"/"x" legend
    assert sheet.freeze_panes == "A4" and sheet["A2"].value
    header = [cell.value for cell in next(sheet.iter_rows(min_row=3, max_row=3))]
    shown = [th.inner_text() for th in page.get_by_test_id("table-by_month").locator("thead th").all()]
    assert header == shown
    assert sheet.max_row == 3 + page.get_by_test_id("table-by_month").locator("tbody tr").count() + 2

    # The auditor: the log shows who assigned, published and downloaded, and the chain is intact.
    page.context.clear_cookies()
    sign_in_staff(page, auditor.email, password)
    page.wait_for_url("**/audit/")
    assert page.get_by_test_id("page-title").inner_text() == zh("Audit log")
    # Who acted, by name and role; the auditor finds a person by (part of) their name.
    assert "周督导" in page.locator("main table").inner_text()
    page.get_by_label(zh("Actor")).fill("周督导")
    page.get_by_role("button", name=zh("Filter")).click()
    page.wait_for_url("**/audit/?*")
    log = page.locator("main table").inner_text()
    assert "case.assign" in log and "evaluation.publish" in log
    assert zh_label(Role.SUPERVISOR) in log
    assert "家庭矛盾" not in log  # what was done, never what a case says
    # Only the supervisor's rows: not the official's download, nor the auditor's own reading of the log.
    assert "dashboard.export" not in log and "audit.read" not in log
    assert_accessible(page)
    page.get_by_test_id("verify-chain").click()
    page.wait_for_url("**/audit/")
    assert zh("The audit chain is intact.") in _main(page)
