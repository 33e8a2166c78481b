"""'I need help now': hotlines for everyone, an urgent callback for a signed-in resident, routed as high-risk."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.alerts.models import CrisisAlert, Notification
from cases.models import Case, Tier

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_get_the_hotlines_and_a_sign_in_link(client):
    response = client.get(reverse("cases:help_now"))
    page = response.content.decode()
    assert response.status_code == 200
    for number in ("12356", "110", "120", "028-8888-0000"):
        assert f"tel:{number}" in page
    assert reverse("account_login") in page


def test_a_staff_member_posting_is_asked_to_sign_in_as_a_resident_and_creates_nothing(client_for, counselor):
    response = client_for(counselor).post(reverse("cases:help_now"), {"phone": "13812341234"})
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert not Case.objects.exists()


def test_a_resident_asks_for_a_callback_and_the_team_on_duty_is_alerted(client_for, resident_user, resident, on_duty):
    response = client_for(resident_user).post(reverse("cases:help_now"), {"phone": "13812341234"}, follow=True)
    assert response.status_code == 200
    case = Case.objects.get(resident=resident)
    assert case.tier == Tier.HIGH_RISK and case.channel == "help_now"
    alert = CrisisAlert.objects.get(case=case)
    assert alert.callback_phone == "13812341234"
    assert Notification.objects.filter(alert=alert, user=on_duty, channel="workspace").exists()
    # ... and it is at the top of the on-duty counselor's queue.
    page = client_for(on_duty).get(reverse("cases:workspace")).content.decode()
    assert 'data-testid="open-alerts"' in page and case.reference in page


def test_a_bad_callback_number_is_refused(client_for, resident_user, resident):
    response = client_for(resident_user).post(reverse("cases:help_now"), {"phone": "12345"})
    assert response.status_code == 200
    assert not Case.objects.exists()


# --- asking again while the alert is open ------------------------------------------------------------


@pytest.fixture
def second_resident(center, station):
    from tests.factories import ResidentFactory, UserFactory

    return ResidentFactory(center=center, station=station, user=UserFactory(), full_name="赵一帆", phone="13955556666")


def _team_rows(user):
    return Notification.objects.filter(user=user, channel="workspace").order_by("pk")


@pytest.mark.parametrize("who", ["resident", "second_resident"])
def test_asking_again_adds_a_request_and_alerts_the_team_again(request, who, on_duty, sms_outbox):
    from cases.services import intake

    person = request.getfixturevalue(who)
    intake.help_now_request(actor=person.user, phone=person.phone, resident=person)
    intake.help_now_request(actor=person.user, phone="13500001111", resident=person)
    alert = CrisisAlert.objects.get(case__resident=person)  # still one open alert ...
    requests = list(alert.requests.order_by("requested_at", "pk"))
    assert [(r.source, r.phone) for r in requests] == [("help_now", person.phone), ("help_now", "13500001111")]
    rows = _team_rows(on_duty)  # ... and the counselor on duty was told twice, the second time as a repeat
    assert rows.count() == 2
    assert rows.last().callback_request == requests[1] and rows.last().alert == alert
    # The repeat goes out by email and SMS too.
    assert Notification.objects.filter(callback_request=requests[1], channel="sms", address=on_duty.phone).exists()
    # A third request is a third notice.
    intake.help_now_request(actor=person.user, phone=person.phone, resident=person)
    assert _team_rows(on_duty).count() == 3


def test_a_counselor_judging_an_open_alert_again_does_not_add_a_request(resident, counselor, on_duty):
    from cases.services import intake, tiers

    case = intake.help_now_request(actor=resident.user, phone=resident.phone, resident=resident)
    case.counselors.add(counselor)
    tiers.alert_raise(case=case, actor=counselor, reason="仍然高危")
    alert = case.alerts.get()
    assert alert.requests.count() == 1 and _team_rows(on_duty).count() == 1


def test_two_residents_asking_twice_each_see_their_own_requests_and_the_counselor_sees_each(
    client_for, resident, second_resident, on_duty
):
    for person in (resident, second_resident):
        client = client_for(person.user)
        first = client.post(reverse("cases:help_now"), {"phone": person.phone}, follow=True)
        page = first.content.decode()
        assert "usually within minutes" not in page and "通常几分钟内" not in page
        assert "我们无法保证具体多久" in page and "110" in page and "12356" in page
        second = client.post(reverse("cases:help_now"), {"phone": person.phone}, follow=True).content.decode()
        assert second.count('data-testid="my-callback-request"') == 2  # the repeat shows as a new request
        client.logout()
    # The on-duty counselor sees both alerts, each with two requests, and was notified four times.
    assert _team_rows(on_duty).count() == 4
    workspace = client_for(on_duty).get(reverse("cases:workspace")).content.decode()
    assert workspace.count('data-testid="callback-request"') == 4
    for person in (resident, second_resident):
        case = Case.objects.get(resident=person)
        detail = client_for(on_duty).get(reverse("cases:case_detail", args=[case.pk])).content.decode()
        assert detail.count('data-testid="callback-request"') == 2 and "再次求助" in detail


def test_an_acute_self_screening_while_the_alert_is_open_is_a_new_request(resident, second_resident, on_duty):
    from cases.services import intake, screenings
    from centers.privacy.models import ConsentPurpose
    from centers.privacy.services import consent_give
    from tests.cases.conftest import ASQ_ACUTE

    for person in (resident, second_resident):
        consent_give(resident=person, purpose=ConsentPurpose.SCREENING, actor=person.user)
        intake.help_now_request(actor=person.user, phone=person.phone, resident=person)
        screenings.screening_submit(resident=person, instrument="asq", answers=ASQ_ACUTE, actor=person.user)
        alert = CrisisAlert.objects.get(case__resident=person)
        assert [r.source for r in alert.requests.all()] == ["help_now", "screening"]
    assert _team_rows(on_duty).count() == 4


def test_erasing_a_person_keeps_callback_numbers_while_the_case_is_live_and_blanks_them_after(resident, on_duty):
    from cases.services import anonymise, intake

    intake.help_now_request(actor=resident.user, phone="13500001111", resident=resident)
    intake.help_now_request(actor=resident.user, phone="13500002222", resident=resident)
    alert = CrisisAlert.objects.get(case__resident=resident)
    # An open high-risk case: the counselor must still be able to call back, so erasure keeps the numbers.
    anonymise.person_anonymise(resident=resident, actor=None)
    assert set(alert.requests.values_list("phone", flat=True)) == {"13500001111", "13500002222"}
    # Closed long ago, past the retention period: the requests and their times stay, the numbers go.
    alert.case.__class__.objects.filter(pk=alert.case_id).update(
        stage="closed",
        closed_at=timezone.now() - dt.timedelta(days=366 * (alert.case.center.record_retention_years + 1)),
    )
    anonymise.person_anonymise(resident=resident, actor=None)
    assert alert.requests.count() == 2
    assert set(alert.requests.values_list("phone", flat=True)) == {""}


def test_a_resident_can_leave_a_landline_for_the_callback(client_for, resident_user, resident, on_duty):
    response = client_for(resident_user).post(reverse("cases:help_now"), {"phone": "028-88880000"})
    assert response.status_code in (200, 302)
    alert = CrisisAlert.objects.get(case__resident=resident)
    assert alert.callback_phone == "028-88880000", "the whole number, not cut at 11 characters"
