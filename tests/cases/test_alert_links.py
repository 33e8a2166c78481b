"""A crisis alert at 3 a.m.: its SMS reaches the counselor on duty with a link that acknowledges the alert from
the phone without a sign-in and shows nothing of the case; the supervisor's console shows how each message went."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.http import base36_to_int, int_to_base36

from cases.alerts.links import SALT, TOKEN_MAX_LENGTH, alert_link_path, alert_link_token
from cases.alerts.models import CrisisAlert
from cases.models import Channel
from cases.services import intake as intake_services
from cases.services import notifications as notification_services
from centers.messaging.channels import ChannelError, SendResult
from centers.messaging.models import MessageStatus, OutboundMessage
from centers.models import DutyShift, Role, ShiftKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def night_counselor(make_staff, center):
    user = make_staff(Role.COUNSELOR, email="night@example.cn", phone="13700000009", display_name="夜班老师")
    now = timezone.now()
    DutyShift.objects.create(
        center=center,
        kind=ShiftKind.ONLINE_HOTLINE,
        user=user,
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now + dt.timedelta(hours=6),
        is_crisis_team=True,
    )
    return user


@pytest.fixture
def alert(person, center, night_counselor) -> CrisisAlert:
    case, _ = intake_services.case_intake(
        resident=person, center=center, channel=Channel.HELP_NOW, source="", actor=person.user
    )
    return case.alerts.get()


def link_in(text: str) -> str:
    [url] = re.findall(r"确认接手：(\S+)", text)
    return url.removeprefix("http://testserver")


def test_the_crisis_sms_carries_a_link_that_acknowledges_the_alert_without_a_sign_in(
    client, alert, night_counselor, sms_outbox, settings
):
    settings.FUCHENG_BASE_URL = "http://testserver"
    notification_services.notifications_send()
    [sms] = sms_outbox
    path = link_in(sms["text"])

    page = client.get(path)
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-state="open"' in body
    # Nothing of the case: no reference, no name, no reason.
    assert alert.case.reference not in body and alert.case.resident.full_name not in body
    alert.refresh_from_db()
    assert alert.acknowledged_at is None  # opening the link (a phone's preview) takes nothing

    answer = client.post(path)

    assert answer.status_code == 200 and 'data-state="mine"' in answer.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_by == night_counselor
    assert "_auth_user_id" not in client.session  # nobody was signed in
    assert client.get(alert.case.get_absolute_url()).status_code == 302  # the case still needs the sign-in


def test_a_second_use_finds_the_alert_taken_and_a_colleagues_link_says_so(client, alert, night_counselor, supervisor):
    mine = alert_link_path(alert=alert, user=night_counselor)
    theirs = alert_link_path(alert=alert, user=supervisor)
    client.post(mine)

    again = client.post(mine)
    colleague = client.post(theirs)

    assert 'data-state="mine"' in again.content.decode()
    assert 'data-state="taken"' in colleague.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_by == night_counselor


def test_an_expired_a_forged_or_a_deactivated_persons_link_acknowledges_nothing(
    client, alert, night_counselor, settings
):
    path = alert_link_path(alert=alert, user=night_counselor)
    alert_part, user_part, moment, signature = path.rstrip("/").rsplit("/", 1)[1].split(".")
    someone_else = int_to_base36(night_counselor.pk + 1)
    later = int_to_base36(base36_to_int(moment) + 3600)  # a link made to look an hour younger
    tampered = [f"{alert_part}.{someone_else}.{moment}.{signature}", f"{alert_part}.{user_part}.{later}.{signature}"]

    with time_machine.travel(timezone.now() + dt.timedelta(minutes=121)):
        assert client.post(path).status_code == 404
    for token in [*tampered, f"{alert_part}.{user_part}.{moment}", "x", "a.b.c.d.e"]:
        assert client.post(reverse("cases:alert_link", kwargs={"token": token})).status_code == 404, token
    night_counselor.is_active = False
    night_counselor.save()
    assert client.post(path).status_code == 404

    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_the_link_fits_an_sms_template_parameter_and_the_first_releases_links_still_work(
    client, alert, night_counselor
):
    token = alert_link_token(alert=alert, user=night_counselor)
    assert len(token) <= TOKEN_MAX_LENGTH == 35  # Alibaba Cloud's limit per template variable
    # Still within it for ids in the billions (a token built for such ids: only its length is looked at).
    huge = SimpleNamespace(pk=2_000_000_000)
    assert len(alert_link_token(alert=huge, user=huge)) <= TOKEN_MAX_LENGTH  # type: ignore[arg-type]
    older = signing.TimestampSigner(salt=SALT).sign(f"{alert.pk}.{night_counselor.pk}")
    answer = client.post(reverse("cases:alert_link", kwargs={"token": older}))
    assert answer.status_code == 200
    alert.refresh_from_db()
    assert alert.acknowledged_by == night_counselor


def test_a_link_survives_a_secret_key_rotation_and_one_from_the_future_is_refused(
    client, alert, night_counselor, settings
):
    token = alert_link_token(alert=alert, user=night_counselor)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    ahead = alert_link_token(alert=alert, user=night_counselor, at=timezone.now() + dt.timedelta(minutes=10))
    assert client.post(reverse("cases:alert_link", kwargs={"token": ahead})).status_code == 404
    assert client.post(reverse("cases:alert_link", kwargs={"token": token})).status_code == 200


def test_a_street_officials_link_is_refused(client, alert, make_staff):
    official = make_staff(Role.OFFICIAL, display_name="街道干部")

    answer = client.post(alert_link_path(alert=alert, user=official))

    assert answer.status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_the_console_shows_each_alert_message_and_what_did_not_go_out(
    client_for, alert, night_counselor, supervisor, settings
):
    settings.FUCHENG_MESSAGE_CHANNELS = {
        "sms": "centers.messaging.backends.SMSBackendChannel",
        "email": "tests.cases.test_alert_links.RefusingEmail",
    }
    notification_services.notifications_send()

    page = client_for(supervisor).get("/cases/console/").content.decode()

    sms = OutboundMessage.objects.get(channel="sms", user=night_counselor)
    email = OutboundMessage.objects.get(channel="email", user=night_counselor)
    assert (sms.status, email.status) == (MessageStatus.SENT, MessageStatus.FAILED)
    assert 'data-channel="sms" data-status="sent"' in page
    assert 'data-channel="email" data-status="failed"' in page
    assert 'data-testid="undelivered"' in page and "mailbox does not exist" in page


class RefusingEmail:
    name = "email"

    def send(self, message):
        raise ChannelError("email: 550 mailbox does not exist", retryable=False)


def test_a_counselor_with_a_wecom_id_also_gets_the_alert_in_wecom_with_the_same_link(
    client_for, alert, night_counselor, supervisor, settings
):
    settings.FUCHENG_MESSAGE_CHANNELS = {
        "sms": "centers.messaging.backends.SMSBackendChannel",
        "email": "centers.messaging.backends.EmailChannel",
        "wecom": "tests.cases.test_alert_links.RecordingWeCom",
    }
    night_counselor.wecom_userid = "YeBan"
    night_counselor.save()
    RecordingWeCom.sent.clear()

    notification_services.notifications_send()

    [card] = RecordingWeCom.sent
    sms = OutboundMessage.objects.get(channel="sms", user=night_counselor)
    assert card.address == "YeBan" and card.link == sms.link and "/cases/a/" in card.link
    page = client_for(supervisor).get("/cases/console/").content.decode()
    assert 'data-channel="wecom" data-status="sent"' in page


class RecordingWeCom:
    name = "wecom"
    sent: list = []

    def send(self, message):
        self.sent.append(message)
        return SendResult(provider="wecom", provider_message_id="msg-1")
