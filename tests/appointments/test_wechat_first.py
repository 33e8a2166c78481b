"""WeChat first for residents who linked it: where the official account is set up, a resident who linked WeChat
gets their booking messages and waiting-list offers as WeChat template messages instead of SMS (email, where
they gave one, as well); one who did not gets the SMS. Against the local server that speaks WeChat's API."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core.cache import cache

from appointments.models import Reminder
from appointments.services.booking import appointment_book
from appointments.services.reminders import reminders_send_due
from centers.messaging.models import OutboundMessage
from centers.messaging.selectors import PROVIDER_ID
from centers.messaging.services import messages_dispatch
from tests.factories import ResidentFactory, UserFactory
from tests.messaging.weixin_server import MP_APP_ID, MP_SECRET, Person, running_server

pytestmark = pytest.mark.django_db


@pytest.fixture
def mp(settings):
    with running_server() as server:
        server.state.people["o-linked"] = Person(openid="o-linked")
        settings.FUCHENG_WECHAT_APP_ID = MP_APP_ID
        settings.FUCHENG_WECHAT_APP_SECRET = MP_SECRET
        settings.FUCHENG_WECHAT_API_BASE = f"{server.url}/cgi-bin"
        settings.FUCHENG_WECHAT_TEMPLATES = {
            "reminder": {"template_id": "TPL-booking", "data": {"thing1": "{place}", "time2": "{date} {time}"}}
        }
        settings.FUCHENG_MESSAGE_CHANNELS = {
            **settings.FUCHENG_MESSAGE_CHANNELS,
            "wechat": "centers.messaging.wechat.WeChatChannel",
        }
        cache.clear()
        yield server
        assert server.state.problems == []


def test_a_resident_who_linked_wechat_gets_wechat_instead_of_sms(mp, center, station, make_slot, sms_outbox):
    station.address = "东风路12号"
    station.save()
    linked = ResidentFactory(
        center=center, station=station, user=UserFactory(phone="13811110001", phone_verified=True), phone="13811110001"
    )
    SocialAccount.objects.create(
        user=linked.user, provider=PROVIDER_ID, uid="o-linked", extra_data={"openid": "o-linked"}
    )
    other = ResidentFactory(center=center, station=station, user=UserFactory(), phone="13811110002")
    first, second = make_slot(days=3), make_slot(days=3, hour=15)
    booked_at = first.starts_at - dt.timedelta(days=2)

    appointment_book(slot=first, resident=linked, booked_by=linked.user, now=booked_at)
    appointment_book(slot=second, resident=other, booked_by=other.user, now=booked_at)
    reminders_send_due(now=booked_at)

    assert set(Reminder.objects.filter(appointment__resident=linked).values_list("channel", flat=True)) == {
        "wechat",
        "email",
    }
    assert set(Reminder.objects.filter(appointment__resident=other).values_list("channel", flat=True)) == {
        "sms",
        "email",
    }
    [send] = mp.sends("/cgi-bin/message/template/send")
    assert send.body["touser"] == "o-linked" and send.body["template_id"] == "TPL-booking"
    assert send.body["data"]["thing1"] == {"value": "东风路12号"}  # the address, not the station's name
    assert send.body["url"].endswith(
        f"/appointments/{Reminder.objects.filter(appointment__resident=linked).first().appointment_id}/"
    )
    assert [m["phone"] for m in sms_outbox] == ["13811110002"]
    wechat = OutboundMessage.objects.get(channel="wechat")
    assert (wechat.status, wechat.template) == ("sent", "appointment_confirm")


def test_a_wechat_message_refused_for_good_goes_by_sms_to_a_confirmed_number(
    mp, center, station, make_slot, sms_outbox
):
    mp.state.people["o-gone"] = Person(openid="o-gone", follows=False)  # they stopped following the official account
    user = UserFactory(phone="13811110003", phone_verified=True)
    resident = ResidentFactory(center=center, station=station, user=user, phone="")
    SocialAccount.objects.create(user=user, provider=PROVIDER_ID, uid="o-gone", extra_data={"openid": "o-gone"})
    slot = make_slot(days=3)

    appointment_book(slot=slot, resident=resident, booked_by=user, now=slot.starts_at - dt.timedelta(days=2))
    reminders_send_due(now=slot.starts_at - dt.timedelta(days=2))

    wechat = OutboundMessage.objects.get(channel="wechat")
    assert wechat.status == "failed" and "follow" in wechat.last_error
    messages_dispatch()  # the next pass (after the commit, or the beat's minute) sends what the failure queued
    sms = OutboundMessage.objects.get(fallback_of=wechat)
    assert (sms.channel, sms.address, sms.status, sms.template) == ("sms", "13811110003", "sent", "appointment_confirm")
    assert [m["phone"] for m in sms_outbox] == ["13811110003"]


def test_wechat_does_not_replace_an_sms_it_could_not_fall_back_to(mp, center, station, make_slot, sms_outbox):
    """Linked WeChat, but the number reaching them is a staff-entered one the account never confirmed: both go."""
    user = UserFactory()
    resident = ResidentFactory(center=center, station=station, user=user, phone="13811110004")
    SocialAccount.objects.create(user=user, provider=PROVIDER_ID, uid="o-linked", extra_data={"openid": "o-linked"})
    slot = make_slot(days=3)

    appointment_book(slot=slot, resident=resident, booked_by=user, now=slot.starts_at - dt.timedelta(days=2))

    assert set(Reminder.objects.filter(appointment__resident=resident).values_list("channel", flat=True)) == {
        "wechat",
        "sms",
        "email",
    }


def test_an_adult_with_their_own_number_is_not_reached_on_their_guardians_wechat(center, station, mp):
    from centers.contacts import contact_wechat

    guardian_user = UserFactory()
    guardian = ResidentFactory(center=center, station=station, user=guardian_user, phone="13811110005")
    SocialAccount.objects.create(
        user=guardian_user, provider=PROVIDER_ID, uid="o-linked", extra_data={"openid": "o-linked"}
    )
    ward = ResidentFactory(center=center, station=station, guardian=guardian, phone="13811110006")
    assert contact_wechat(ward) == ""
    ward.phone = ""
    ward.save()
    assert contact_wechat(ward) == "o-linked"  # reached through the guardian: on the guardian's WeChat
