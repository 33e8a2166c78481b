"""A member of the crisis team checks that alerts reach their phone: "send me a test alert" goes out on every
configured channel that can reach them, and the page shows each message's state; a resident has no such page."""

from __future__ import annotations

import pytest

from centers.audit.models import AuditEvent
from centers.messaging.models import MessageStatus, OutboundMessage
from centers.messaging.services import address_of
from centers.models import Role
from centers.notify import LocmemSMSBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def channels(settings):
    settings.SMS_BACKEND = "centers.notify.LocmemSMSBackend"
    settings.FUCHENG_MESSAGE_CHANNELS = {
        "sms": "centers.messaging.backends.SMSBackendChannel",
        "email": "centers.messaging.backends.EmailChannel",
    }
    LocmemSMSBackend.outbox.clear()
    return settings


def test_a_test_alert_goes_to_the_phone_and_the_mailbox_and_the_page_shows_both_states(
    channels, client_for, make_staff, mailoutbox
):
    counselor = make_staff(Role.COUNSELOR, phone="13700000031", phone_verified=True, email="duty31@example.cn")
    client = client_for(counselor)

    answer = client.post("/staff/me/messages/")
    page = client.get("/staff/me/messages/").content.decode()

    assert answer.status_code == 302
    [sms] = LocmemSMSBackend.outbox
    assert sms["phone"] == "13700000031" and "测试消息" in sms["text"]
    assert [m.to for m in mailoutbox] == [["duty31@example.cn"]]
    assert set(OutboundMessage.objects.filter(user=counselor).values_list("channel", "status")) == {
        ("sms", MessageStatus.SENT),
        ("email", MessageStatus.SENT),
    }
    assert 'data-channel="sms" data-status="sent"' in page and 'data-channel="email" data-status="sent"' in page
    assert 'data-testid="no-phone"' not in page


def test_without_a_confirmed_number_the_page_says_so_and_the_sms_has_no_address(channels, client_for, make_staff):
    counselor = make_staff(Role.COUNSELOR, phone="", email="duty32@example.cn")
    client = client_for(counselor)

    client.post("/staff/me/messages/")
    page = client.get("/staff/me/messages/").content.decode()

    assert 'data-testid="no-phone"' in page
    assert 'data-channel="sms" data-status="no_address"' in page
    assert LocmemSMSBackend.outbox == []


def test_a_resident_has_no_such_page(client_for, resident_user):
    assert client_for(resident_user).get("/staff/me/messages/").status_code == 404
    assert client_for(resident_user).post("/staff/me/messages/").status_code == 404
    assert not OutboundMessage.objects.exists()


def test_a_staff_member_records_their_wecom_id_and_alerts_can_then_reach_them_there(client_for, make_staff):
    counselor = make_staff(Role.COUNSELOR)
    client = client_for(counselor)

    refused = client.post("/staff/me/messages/", {"wecom_userid": "wang jing!"})
    assert refused.status_code == 400 and 'value="wang jing!"' in refused.content.decode()  # kept as typed
    counselor.refresh_from_db()
    assert counselor.wecom_userid == ""

    assert client.post("/staff/me/messages/", {"wecom_userid": " WangJing "}).status_code == 302
    counselor.refresh_from_db()
    assert counselor.wecom_userid == "WangJing"
    assert address_of(counselor, "wecom") == "WangJing"
    assert AuditEvent.objects.filter(action="account.wecom_userid", actor=counselor).exists()
