"""Working a case through the pages: the queue, intake, the case page and its actions, and who may see what."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Case, CaseNote, Channel, Stage, Tier
from cases.services import consultations as consultation_services
from cases.services import follow_ups as follow_up_services
from cases.services import intake as intake_services
from cases.services import notes as note_services
from cases.services import workflow as workflow_services
from centers.audit.models import AuditEvent
from centers.models import Resident, Role
from centers.privacy.models import ConsentPurpose, ConsentRecord
from tests.factories import ResidentFactory

pytestmark = pytest.mark.django_db


def test_the_case_page_shows_state_timeline_and_actions(client_for, counselor, open_case):
    response = client_for(counselor).get(reverse("cases:case_detail", args=[open_case.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert open_case.reference in page and "陈小明" in page
    assert 'data-testid="timeline"' in page and 'data-testid="actions"' in page
    assert 'data-testid="consent-missing"' in page
    assert AuditEvent.objects.filter(action="case.read", object_id=str(open_case.pk), outcome="allowed").exists()


def test_intake_form_opens_a_case_for_a_new_caller(client_for, counselor, station):
    response = client_for(counselor).post(
        reverse("cases:case_new"),
        {
            "full_name": "赵大伯",
            "phone": "13512345678",
            "station": station.pk,
            "channel": Channel.HOTLINE,
            "source": "热线",
            "summary": "独居，情绪低落",
            "consent": "on",
        },
    )
    case = Case.objects.get(resident__full_name="赵大伯")
    assert response["Location"] == case.get_absolute_url()
    assert case.channel == Channel.HOTLINE and case.summary == "独居，情绪低落"
    assert ConsentRecord.objects.filter(resident=case.resident, purpose=ConsentPurpose.CASE_RECORD).exists()


def test_intake_form_joins_the_open_case(client_for, counselor, open_case):
    response = client_for(counselor).post(
        reverse("cases:case_new"), {"phone": open_case.resident.phone, "channel": Channel.STATION_REPORT}, follow=True
    )
    assert Case.objects.count() == 1
    assert open_case.reference in response.content.decode()


def test_a_name_that_differs_from_the_registered_one_is_shown_to_the_counselor_to_decide(
    english, client_for, counselor, open_case
):
    client = client_for(counselor)
    registered = open_case.resident  # 陈小明
    form = {"phone": registered.phone, "full_name": "王大妈", "channel": Channel.HOTLINE, "summary": "邻居来电"}

    events = open_case.events.count()
    response = client.post(reverse("cases:case_new"), form)
    page = response.content.decode()
    assert response.status_code == 400
    assert "registered under another name (陈**), not “王大妈”" in page and "陈小明" not in page
    assert "邻居来电" in page  # what was typed is kept
    assert open_case.events.count() == events and Case.objects.count() == 1  # nothing written

    # The person confirms it is them: the contact joins their case, and the name given is kept in it.
    client.post(reverse("cases:case_new"), {**form, "same_person": "on"})
    open_case.refresh_from_db()
    assert Case.objects.count() == 1
    assert "Name given at intake: 王大妈" in open_case.summary
    assert "Name given at intake: 王大妈" in open_case.events.latest("at").reason

    # Someone else with the same number (a shared phone): a record and a case of their own.
    client.post(reverse("cases:case_new"), {**form, "full_name": "王大妈", "create_anyway": "on"})
    other = Case.objects.get(resident__full_name="王大妈")
    assert other.resident.phone == registered.phone and other.resident_id != registered.pk

    # The registered name itself, with "someone else" ticked by mistake, is that person: no second record.
    client.post(reverse("cases:case_new"), {**form, "full_name": registered.full_name, "create_anyway": "on"})
    assert Resident.objects.filter(full_name=registered.full_name).count() == 1


def test_intake_form_needs_a_person(client_for, counselor):
    client = client_for(counselor)
    response = client.post(reverse("cases:case_new"), {"channel": Channel.WALK_IN})
    assert response.status_code == 400
    response = client.post(reverse("cases:case_new"), {"channel": Channel.WALK_IN, "phone": "13999999999"})
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_intake_form_refuses_a_bad_number(client_for, counselor):
    response = client_for(counselor).post(
        reverse("cases:case_new"), {"channel": Channel.WALK_IN, "phone": "123", "full_name": "某人"}
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


def test_illegal_transition_is_refused_on_the_page(client_for, counselor, open_case):
    response = client_for(counselor).post(reverse("cases:case_stage", args=[open_case.pk]), {"stage": Stage.INTERVENE})
    assert response.status_code == 400
    open_case.refresh_from_db()
    assert open_case.stage == Stage.RELIEVE


def test_tier_without_reason_is_refused_on_the_page(client_for, counselor, open_case):
    response = client_for(counselor).post(reverse("cases:case_tier", args=[open_case.pk]), {"tier": Tier.SERIOUS})
    assert response.status_code == 400
    open_case.refresh_from_db()
    assert open_case.tier == Tier.GENERAL


def test_counselor_enters_a_screening_during_a_session(client_for, counselor, open_case, on_duty):
    from tests.cases.conftest import phq9

    response = client_for(counselor).post(
        reverse("cases:case_screening", args=[open_case.pk, "phq9"]), phq9(21), follow=True
    )
    page = response.content.decode()
    assert "21" in page
    open_case.refresh_from_db()
    assert open_case.tier == Tier.SERIOUS


@pytest.mark.parametrize(
    "who", ["other_counselor", "far_counselor", "volunteer", "official", "auditor", "manager", "expert"]
)
def test_people_outside_the_case_get_404(client_for, request, open_case, who):
    user = request.getfixturevalue(who)
    client = client_for(user)
    assert client.get(reverse("cases:case_detail", args=[open_case.pk])).status_code == 404
    assert client.post(reverse("cases:case_note", args=[open_case.pk]), {"body": "x"}).status_code == 404
    assert client.post(reverse("cases:case_stage", args=[open_case.pk]), {"stage": Stage.ASSESS}).status_code == 404
    assert not CaseNote.objects.exists()


def test_notes_are_encrypted_and_read_only_by_the_case_counselors_and_supervisor(
    client_for, counselor, supervisor, make_staff, station, expert, open_case
):
    note_services.note_add(case=open_case, actor=counselor, body="来访者谈到家庭矛盾")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM cases_casenote")
        stored = cursor.fetchone()[0]
    assert stored.startswith("fernet:") and "家庭" not in stored
    assert "家庭矛盾" in client_for(counselor).get(open_case.get_absolute_url()).content.decode()
    assert "家庭矛盾" in client_for(supervisor).get(open_case.get_absolute_url()).content.decode()
    # A colleague at the same station sees the case, not the notes.
    colleague = make_staff(Role.COUNSELOR, station=station)
    page = client_for(colleague).get(open_case.get_absolute_url()).content.decode()
    assert "家庭矛盾" not in page and 'data-testid="notes"' not in page
    # An expert consulted on the case sees the case, not the notes.
    consultation_services.consultation_request(case=open_case, expert=expert, question="请评估风险", actor=counselor)
    page = client_for(expert).get(open_case.get_absolute_url()).content.decode()
    assert "请评估风险" in page and "家庭矛盾" not in page


def test_opening_the_case_page_logs_the_case_and_the_notes_read_in_one_verifiable_write(
    client_for, counselor, make_staff, station, open_case, capsys
):
    from django.core.management import call_command

    note_services.note_add(case=open_case, actor=counselor, body="第一次谈话")
    note_services.note_add(case=open_case, actor=counselor, body="第二次谈话")
    client = client_for(counselor)  # signing in writes its own row
    before = AuditEvent.objects.count()
    with CaptureQueriesContext(connection) as page_queries:
        assert client.get(open_case.get_absolute_url()).status_code == 200
    rows = list(AuditEvent.objects.order_by("id")[before:])
    assert [(r.action, r.outcome, r.actor_id, r.actor_label, r.object_id) for r in rows] == [
        ("case.read", "allowed", counselor.pk, str(counselor.pk), str(open_case.pk)),
        ("case.notes_read", "allowed", counselor.pk, str(counselor.pk), str(open_case.pk)),
    ]
    assert rows[1].detail == {"count": 2}
    assert {(r.role, r.center_id_at, r.station_id_at, r.ip) for r in rows} == {
        ("counselor", open_case.center_id, station.pk, "127.0.0.1")
    }
    # One audit INSERT for both reads (they were two transactions, each taking the chain's lock).
    inserts = [
        q["sql"] for q in page_queries.captured_queries if q["sql"].startswith('INSERT INTO "centers_auditevent"')
    ]
    assert len(inserts) == 1
    # A colleague who may see the case but not its notes: the case read alone.
    client = client_for(make_staff(Role.COUNSELOR, station=station))
    before = AuditEvent.objects.count()
    assert client.get(open_case.get_absolute_url()).status_code == 200
    assert [r.action for r in AuditEvent.objects.order_by("id")[before:]] == ["case.read"]
    call_command("verify_audit")
    assert "Audit chain intact" in capsys.readouterr().out


def _queue_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url_name", ["cases:case_list", "cases:workspace", "cases:console"])
def test_queue_query_count_does_not_grow_with_the_data(client_for, supervisor, center, station, counselor, url_name):
    client = client_for(supervisor)

    def add(n):
        for _ in range(n):
            person = ResidentFactory(center=center, station=station)
            case, _ = intake_services.case_intake(
                resident=person, center=center, channel=Channel.WALK_IN, source="", actor=counselor
            )
            workflow_services.case_assign(case=case, counselor=counselor, actor=counselor)

    add(2)
    small = _queue_queries(client, reverse(url_name))
    add(8)
    large = _queue_queries(client, reverse(url_name))
    assert small == large


def test_the_queue_puts_open_alerts_first(client_for, counselor, center, station, on_duty):
    calm = ResidentFactory(center=center, station=station, full_name="平静")
    acute = ResidentFactory(center=center, station=station, full_name="危急")
    intake_services.case_intake(
        resident=calm, center=center, channel=Channel.WALK_IN, source="", actor=counselor, tier=Tier.SERIOUS
    )
    intake_services.case_intake(resident=acute, center=center, channel=Channel.HELP_NOW, source="", actor=None)
    page = client_for(on_duty).get(reverse("cases:case_list")).content.decode()
    assert page.index("危急") < page.index("平静")


def test_the_alerts_panel_refreshes_for_the_crisis_team(client_for, person, center, on_duty, resident_user):
    page = client_for(on_duty).get(reverse("cases:workspace")).content.decode()
    assert reverse("cases:alerts_panel") in page and 'hx-trigger="every 30s"' in page
    assert "open-alerts" not in client_for(on_duty).get(reverse("cases:alerts_panel")).content.decode()
    intake_services.case_intake(resident=person, center=center, channel=Channel.HELP_NOW, source="", actor=None)
    panel = client_for(on_duty).get(reverse("cases:alerts_panel")).content.decode()
    assert 'data-testid="open-alerts"' in panel and "<html" not in panel
    assert client_for(resident_user).get(reverse("cases:alerts_panel")).status_code == 404


def test_volunteer_and_expert_lists_query_count_does_not_grow(
    client_for, center, station, counselor, volunteer, expert
):
    def add(n):
        for _ in range(n):
            person = ResidentFactory(center=center, station=station)
            case, _ = intake_services.case_intake(
                resident=person, center=center, channel=Channel.WALK_IN, source="", actor=counselor
            )
            follow_up_services.follow_up_assign(follow_up=case.follow_ups.get(), assignee=volunteer, actor=counselor)
            consultation_services.consultation_request(case=case, expert=expert, question="?", actor=counselor)

    add(2)
    small = (
        _queue_queries(client_for(volunteer), reverse("cases:volunteer_tasks")),
        _queue_queries(client_for(expert), reverse("cases:consultations")),
    )
    add(6)
    large = (
        _queue_queries(client_for(volunteer), reverse("cases:volunteer_tasks")),
        _queue_queries(client_for(expert), reverse("cases:consultations")),
    )
    assert small == large


@pytest.mark.parametrize(
    "who", ["volunteer", "official", "auditor", "other_counselor", "far_counselor", "manager", "expert"]
)
def test_the_notes_selector_gives_others_nothing_and_audits_the_attempt(request, open_case, counselor, who):
    from cases import selectors

    note_services.note_add(case=open_case, actor=counselor, body="保密内容")
    user = request.getfixturevalue(who)
    assert selectors.case_notes(user=user, case=open_case) == []
    assert AuditEvent.objects.filter(action="case.notes_read", outcome="denied", actor=user).exists()
    assert [n.body for n in selectors.case_notes(user=counselor, case=open_case)] == ["保密内容"]


def test_the_sweeps_are_on_the_beat_schedule():
    from fucheng.celery import collect_beat_schedule

    schedule = collect_beat_schedule()
    assert schedule["cases-sweep"] == {"task": "cases.sweep", "schedule": 60.0}
    assert schedule["cases-weekly-series"]["task"] == "cases.weekly_series"


def test_the_case_list_finds_a_person_by_name_or_number(client_for, counselor, open_case, center, station):
    other = ResidentFactory(center=center, station=station, full_name="另一位")
    intake_services.case_intake(resident=other, center=center, channel=Channel.WALK_IN, source="", actor=counselor)
    client = client_for(counselor)
    page = client.get(reverse("cases:case_list"), {"q": "13611112222"}).content.decode()
    assert open_case.reference in page and "另一位" not in page
    page = client.get(reverse("cases:case_list"), {"q": "另一"}).content.decode()
    assert "另一位" in page and "陈小明" not in page


def test_recording_a_consent_asks_how_it_was_obtained_and_keeps_it(client_for, open_case, counselor):
    from centers.privacy.models import ConsentPurpose, ConsentRecord

    client = client_for(counselor)
    url = reverse("cases:case_consent", args=[open_case.pk])
    asked = client.post(url)
    page = asked.content.decode()
    assert asked.status_code == 200 and "obtained_how" in page and not ConsentRecord.objects.exists()
    missing = client.post(url, {"confirmed": "yes"})
    assert missing.status_code == 400 and not ConsentRecord.objects.exists()
    done = client.post(url, {"confirmed": "yes", "obtained_how": "phone"})
    assert done.status_code == 302
    consent = ConsentRecord.objects.get(resident=open_case.resident, purpose=ConsentPurpose.CASE_RECORD)
    assert consent.obtained_how == "phone"
