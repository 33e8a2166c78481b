"""One on-duty rule: who counts as on duty, whom the roster refuses, what withdrawing a role does, and where an
alert goes when nobody eligible is on duty."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.alerts.models import Notification
from cases.models import Channel
from cases.services import deadlines, intake
from centers.audit.models import AuditEvent
from centers.models import DutyShift, Membership, Role, ShiftKind
from centers.roster.services import duty_shift_create
from centers.selectors import DUTY_CRISIS_TEAM, DUTY_ONLINE, on_duty, on_duty_center_ids
from centers.services import account_deactivate, membership_revoke
from tests.factories import ResidentFactory, give_confirmed_phone, put_on_duty

pytestmark = pytest.mark.django_db


def _shift_form(user, start, **extra):
    return {
        "kind": "online_hotline",
        "user": user.pk,
        "station": "",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
        "is_crisis_team": "on",
        **extra,
    }


def _later(hours: int) -> dt.datetime:
    return (timezone.now() + dt.timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def ineligible(make_staff, station, other_center):
    """People who must never count as on duty, each put on a crisis-team shift behind the roster's back."""
    official = make_staff(Role.OFFICIAL, display_name="街道干部")
    auditor = make_staff(Role.AUDITOR, display_name="审计员")
    volunteer = make_staff(Role.VOLUNTEER, station=station, display_name="志愿者")
    deactivated = make_staff(Role.COUNSELOR, station=station, display_name="停用老师")
    deactivated.is_active = False
    deactivated.save()
    withdrawn = make_staff(Role.COUNSELOR, station=station, display_name="撤销老师")
    Membership.objects.filter(user=withdrawn).update(is_active=False)
    elsewhere = make_staff(Role.COUNSELOR, center_=other_center, display_name="外中心老师")
    return [official, auditor, volunteer, deactivated, withdrawn, elsewhere]


def test_only_active_counselors_and_supervisors_of_the_center_are_on_duty(center, counselor, supervisor, ineligible):
    for person in [*ineligible, counselor, supervisor]:
        put_on_duty(person, center)
    now = timezone.now()
    assert set(on_duty(center=center, duty=DUTY_CRISIS_TEAM, at=now)) == {counselor, supervisor}
    assert set(on_duty(center=center, duty=DUTY_ONLINE, at=now)) == {counselor, supervisor}
    for person in ineligible:
        assert on_duty_center_ids(user=person, duty=DUTY_ONLINE, at=now) == set()
    assert on_duty_center_ids(user=counselor, duty=DUTY_ONLINE, at=now) == {center.pk}


def test_the_crisis_team_is_the_online_duty_when_no_crisis_team_shift_covers_the_moment(center, counselor, make_staff):
    night = make_staff(Role.COUNSELOR, display_name="夜班老师")
    put_on_duty(night, center, crisis_team=False)
    assert on_duty(center=center, duty=DUTY_CRISIS_TEAM, at=timezone.now()) == [night]
    put_on_duty(counselor, center, crisis_team=True)
    assert on_duty(center=center, duty=DUTY_CRISIS_TEAM, at=timezone.now()) == [counselor]


def test_the_roster_refuses_everyone_the_rule_would_not_count(english, center, supervisor, ineligible):
    official, auditor, volunteer, deactivated, withdrawn, elsewhere = ineligible
    start = _later(2)
    expected = {
        official: "cannot be put on the crisis team",
        auditor: "cannot be put on the crisis team",
        volunteer: "cannot be put on the crisis team",
        deactivated: "account is deactivated",
        withdrawn: "holds no role at this center",
        elsewhere: "holds no role at this center",
    }
    for person, message in expected.items():
        with pytest.raises(ValidationError) as refused:
            duty_shift_create(
                actor=supervisor,
                center=center,
                kind=ShiftKind.ONLINE_HOTLINE,
                user=person,
                starts_at=start,
                ends_at=start + dt.timedelta(hours=8),
                is_crisis_team=True,
            )
        assert message in " ".join(refused.value.messages), person
        assert str(person) in " ".join(refused.value.messages)
    assert not DutyShift.objects.exists()


def test_the_roster_takes_two_counselors_and_a_supervisor(center, supervisor, counselor, make_staff, station):
    second = make_staff(Role.COUNSELOR, station=station, display_name="李老师")
    give_confirmed_phone(counselor, second, supervisor)
    start = _later(2)
    for person, hours in ((counselor, 0), (second, 8), (supervisor, 16)):
        duty_shift_create(
            actor=supervisor,
            center=center,
            kind=ShiftKind.ONLINE_HOTLINE,
            user=person,
            starts_at=start + dt.timedelta(hours=hours),
            ends_at=start + dt.timedelta(hours=hours + 8),
            is_crisis_team=True,
        )
    assert DutyShift.objects.count() == 3


def test_the_crisis_team_takes_nobody_an_alert_cannot_reach_on_the_phone(
    english, client_for, center, station, supervisor, counselor
):
    start = _later(2)
    # Without a confirmed mobile number: refused, by name, with what to do; on-site duty is still possible.
    with pytest.raises(ValidationError) as refused:
        duty_shift_create(
            actor=supervisor,
            center=center,
            kind=ShiftKind.ONLINE_HOTLINE,
            user=counselor,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=8),
            is_crisis_team=True,
        )
    assert f"{counselor} has no confirmed mobile number" in " ".join(refused.value.messages)
    response = client_for(supervisor).post(reverse("appointments:roster_add"), _shift_form(counselor, start))
    page = response.content.decode()
    assert response.status_code == 400 and "How alerts reach me" in page
    assert start.strftime("%Y-%m-%dT%H:%M") in page  # what was typed is kept
    assert not DutyShift.objects.exists()
    duty_shift_create(
        actor=supervisor,
        center=center,
        kind=ShiftKind.ONSITE,
        user=counselor,
        station=station,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=8),
    )
    # A number typed but not confirmed is not enough; a confirmed one is.
    counselor.phone, counselor.phone_verified = "13900000009", False
    counselor.save()
    assert (
        client_for(supervisor).post(reverse("appointments:roster_add"), _shift_form(counselor, _later(30))).status_code
        == 400
    )
    give_confirmed_phone(counselor)
    response = client_for(supervisor).post(reverse("appointments:roster_add"), _shift_form(counselor, _later(30)))
    assert response.status_code == 302
    assert DutyShift.objects.filter(user=counselor, is_crisis_team=True).count() == 1


def test_the_roster_page_refuses_an_official_and_an_auditor_with_a_form_error(
    english, client_for, center, supervisor, official, auditor
):
    client = client_for(supervisor)
    for person in (official, auditor):
        start = _later(3)
        response = client.post(reverse("appointments:roster_add"), _shift_form(person, start))
        page = response.content.decode()
        assert response.status_code == 400
        assert f"{person} cannot be put on the crisis team or on online and hotline duty" in page
        assert start.strftime("%Y-%m-%dT%H:%M") in page  # what was typed is kept
    assert not DutyShift.objects.exists()


def test_withdrawing_a_role_ends_that_persons_future_shifts_and_the_console_shows_the_gap(
    english, client_for, center, station, supervisor, make_staff
):
    first = make_staff(Role.COUNSELOR, station=station, display_name="甲老师")
    second = make_staff(Role.COUNSELOR, station=station, display_name="乙老师")
    now = timezone.now()
    past = put_on_duty(first, center, start=now - dt.timedelta(days=1), hours=8)
    running = put_on_duty(first, center, start=now - dt.timedelta(hours=1), hours=8)
    future = put_on_duty(first, center, start=now + dt.timedelta(days=2), hours=8)
    kept = put_on_duty(second, center, start=now + dt.timedelta(days=3), hours=8)
    client = client_for(supervisor)
    membership = Membership.objects.get(user=first, role=Role.COUNSELOR)
    response = client.post(reverse("centers:staff_revoke", args=[membership.pk]))
    assert response.status_code == 302
    assert not DutyShift.objects.filter(pk=future.pk).exists()
    running.refresh_from_db()
    assert running.ends_at <= timezone.now()
    assert DutyShift.objects.filter(pk=past.pk).exists() and DutyShift.objects.filter(pk=kept.pk).exists()
    assert AuditEvent.objects.filter(action="duty_shift.delete", object_id=str(future.pk)).exists()
    assert AuditEvent.objects.filter(action="duty_shift.end", object_id=str(running.pk)).exists()
    page = client.get(reverse("cases:console")).content.decode()
    assert 'data-testid="crisis-gaps"' in page and "甲老师" not in page.split('data-testid="on-duty"')[1][:300]
    roster = client.get(reverse("appointments:roster")).content.decode()
    assert 'data-testid="crisis-gaps"' in roster


def test_a_person_who_keeps_an_eligible_role_keeps_their_shifts(center, station, supervisor, make_staff):
    both = make_staff(Role.COUNSELOR, station=station, display_name="双角色")
    Membership.objects.create(user=both, center=center, role=Role.SUPERVISOR)
    shift = put_on_duty(both, center, start=timezone.now() + dt.timedelta(days=1))
    membership_revoke(actor=supervisor, membership=Membership.objects.get(user=both, role=Role.COUNSELOR))
    assert DutyShift.objects.filter(pk=shift.pk).exists()


def test_deactivating_an_account_ends_its_shifts(center, station, supervisor, make_staff):
    first = make_staff(Role.COUNSELOR, station=station)
    second = make_staff(Role.COUNSELOR, station=station)
    gone = put_on_duty(first, center, start=timezone.now() + dt.timedelta(days=1))
    stays = put_on_duty(second, center, start=timezone.now() + dt.timedelta(days=1, hours=8))
    account_deactivate(actor=supervisor, user=first)
    first.refresh_from_db()
    assert not first.is_active
    assert not DutyShift.objects.filter(pk=gone.pk).exists() and DutyShift.objects.filter(pk=stays.pk).exists()
    assert AuditEvent.objects.filter(action="account.deactivate", object_id=str(first.pk)).exists()


def test_an_alert_with_nobody_eligible_on_duty_goes_to_both_supervisors_and_the_contact(
    english, client_for, center, station, make_staff, ineligible
):
    for person in ineligible:
        put_on_duty(person, center)  # on a crisis-team shift, yet none of them counts
    first = make_staff(Role.SUPERVISOR, display_name="周督导", email="zhou@example.cn")
    second = make_staff(Role.SUPERVISOR, display_name="吴督导", email="wu@example.cn")
    person = ResidentFactory(center=center, station=station)
    case, _ = intake.case_intake(resident=person, center=center, channel=Channel.HELP_NOW, source="", actor=None)
    alert = case.alerts.get()
    assert alert.nobody_on_duty
    addresses = set(Notification.objects.filter(alert=alert, level=0).values_list("address", flat=True))
    assert {f"user:{first.pk}", f"user:{second.pk}", "zhou@example.cn", "wu@example.cn"} <= addresses
    assert {"duty@example.cn", "13900000110"} <= addresses
    assert not Notification.objects.filter(alert=alert, user__in=ineligible).exists()
    for supervisor in (first, second):
        page = client_for(supervisor).get(reverse("cases:console")).content.decode()
        assert 'data-testid="alert-nobody-on-duty"' in page
        assert "Nobody eligible was on duty" in page and case.reference in page


def test_an_alert_never_has_zero_recipients(center, station, counselor):
    center.escalation_contact_phone = center.escalation_contact_email = ""
    center.save()
    person = ResidentFactory(center=center, station=station)
    case, _ = intake.case_intake(resident=person, center=center, channel=Channel.HELP_NOW, source="", actor=None)
    alert = case.alerts.get()
    assert alert.nobody_on_duty
    assert Notification.objects.filter(alert=alert, user=counselor, channel="workspace").exists()


def test_crisis_team_gaps_reach_both_supervisors_once_a_day_until_filled(center, make_staff, counselor):
    first = make_staff(Role.SUPERVISOR, email="zhou@example.cn")
    second = make_staff(Role.SUPERVISOR, email="wu@example.cn")
    day1 = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
    with time_machine.travel(day1, tick=False):
        put_on_duty(counselor, center, start=day1, hours=8)  # the rest of the 14 days is open
        assert deadlines.coverage_digests_send() == 1
        assert deadlines.coverage_digests_send() == 0
    digest = Notification.objects.filter(key__startswith="coverage:")
    assert set(digest.filter(channel="workspace").values_list("user_id", flat=True)) == {first.pk, second.pk}
    assert set(digest.filter(channel="email").values_list("address", flat=True)) == {"zhou@example.cn", "wu@example.cn"}
    with time_machine.travel(day1 + dt.timedelta(days=1, minutes=5), tick=False):
        assert deadlines.coverage_digests_send() == 1
    day3 = day1 + dt.timedelta(days=2)
    DutyShift.objects.create(
        center=center,
        kind=ShiftKind.ONLINE_HOTLINE,
        user=counselor,
        starts_at=day3 - dt.timedelta(hours=1),
        ends_at=day3 + dt.timedelta(days=15),
        is_crisis_team=True,
    )
    with time_machine.travel(day3, tick=False):
        assert deadlines.coverage_digests_send() == 0
    assert digest.filter(channel="workspace", user=first).count() == 2


def test_the_admin_keeps_the_rule_too(english, client_for, admin_user, center, official, counselor):
    client = client_for(admin_user)
    start = timezone.localtime(_later(5))  # the admin reads local time
    form = {
        "center": center.pk,
        "station": "",
        "kind": "online_hotline",
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": start.strftime("%H:%M:%S"),
        "ends_at_0": (start + dt.timedelta(hours=8)).strftime("%Y-%m-%d"),
        "ends_at_1": (start + dt.timedelta(hours=8)).strftime("%H:%M:%S"),
        "is_crisis_team": "on",
    }
    response = client.post("/admin/centers/dutyshift/add/", {**form, "user": official.pk})
    assert response.status_code == 200 and "This person may not take this duty" in response.content.decode()
    assert not DutyShift.objects.exists()
    response = client.post("/admin/centers/dutyshift/add/", {**form, "user": counselor.pk})
    assert response.status_code == 200 and "has no confirmed mobile number" in response.content.decode()
    give_confirmed_phone(counselor)
    client.post("/admin/centers/dutyshift/add/", {**form, "user": counselor.pk})
    shift = DutyShift.objects.get(user=counselor)
    # Deactivating the account in the admin ends the shift, as the service does.
    data = {
        "username": counselor.username,
        "email": counselor.email,
        "display_name": counselor.display_name,
        "phone": counselor.phone,
        "date_joined_0": counselor.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": counselor.date_joined.strftime("%H:%M:%S"),
    }  # is_active left out: unticked
    response = client.post(f"/admin/centers/user/{counselor.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert not DutyShift.objects.filter(pk=shift.pk).exists()
