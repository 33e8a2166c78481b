"""The WeChat official-account channel against a local server speaking cgi-bin/token and message/template/send."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from django.core.cache import cache

from centers.messaging.channels import ChannelError, DeliveryUncertain, Outgoing
from centers.messaging.wechat import WeChatChannel
from tests.messaging.weixin_server import (
    MP_APP_ID,
    MP_SECRET,
    HttpStatus,
    Person,
    Slow,
    WeixinServer,
    errcode,
    running_server,
)

TEMPLATES = {
    "reminder": {
        "template_id": "TPL-appointment-reminder",
        "data": {"thing1": "{place}", "time2": "{when}", "thing3": "请按时到达"},
    },
    "waitlist_offer": {"template_id": "TPL-offer", "data": {"thing1": "{subject}", "time2": "{until}"}},
}


@pytest.fixture
def mp(settings) -> Iterator[WeixinServer]:
    with running_server() as server:
        server.state.people["o-resident-1"] = Person(openid="o-resident-1", unionid="u-resident-1")
        server.state.people["o-unfollowed"] = Person(openid="o-unfollowed", follows=False)
        settings.FUCHENG_WECHAT_APP_ID = MP_APP_ID
        settings.FUCHENG_WECHAT_APP_SECRET = MP_SECRET
        settings.FUCHENG_WECHAT_API_BASE = f"{server.url}/cgi-bin"
        settings.FUCHENG_WECHAT_TEMPLATES = TEMPLATES
        settings.FUCHENG_WEIXIN_READ_TIMEOUT = 0.5
        cache.clear()
        yield server
        assert server.state.problems == []


REMINDER = Outgoing(
    message_id=11,
    idempotency_key="reminder:88:24h",
    kind="reminder",
    address="o-resident-1",
    subject="预约提醒",
    text="您预约的阳光站服务将于 12月8日 14:00 开始。",
    params={"place": "阳光社区服务站", "when": "2026-12-08 14:00"},
    link="https://portal.example.cn/r/a/eyJhIjo4OH0:1kX:sig/",
)


def reminder(**changes: Any) -> Outgoing:
    return replace(REMINDER, **changes)


def test_a_reminder_goes_as_the_kinds_template_with_the_signed_link(mp):
    result = WeChatChannel().send(REMINDER)

    [fetch] = mp.sends("/cgi-bin/token")
    assert fetch.query == {"grant_type": "client_credential", "appid": MP_APP_ID, "secret": MP_SECRET}
    [send] = mp.sends("/cgi-bin/message/template/send")
    assert send.method == "POST"
    assert send.query == {"access_token": "ACCESS_TOKEN_1"}
    assert send.body == {
        "touser": "o-resident-1",
        "template_id": "TPL-appointment-reminder",
        "url": REMINDER.link,
        "data": {
            "thing1": {"value": "阳光社区服务站"},
            "time2": {"value": "2026-12-08 14:00"},
            "thing3": {"value": "请按时到达"},
        },
    }
    assert result.provider == "wechat"
    assert result.provider_message_id.isdigit()


def test_the_token_is_kept_and_replaced_once_when_refused(mp):
    channel = WeChatChannel()
    channel.send(REMINDER)
    channel.send(REMINDER)
    mp.revoke_tokens()
    channel.send(REMINDER)

    tokens = [s.query["access_token"] for s in mp.sends("/cgi-bin/message/template/send")]
    assert tokens == ["ACCESS_TOKEN_1", "ACCESS_TOKEN_1", "ACCESS_TOKEN_1", "ACCESS_TOKEN_2"]
    assert len(mp.sends("/cgi-bin/token")) == 2


def test_the_rate_limit_and_a_busy_platform_are_retryable(mp):
    mp.plan(errcode(45009, "reach max api daily quota limit"), errcode(-1, "system error"), HttpStatus(503))
    for expected in ("45009", "-1", "503"):
        with pytest.raises(ChannelError) as raised:
            WeChatChannel().send(REMINDER)
        assert raised.value.retryable is True
        assert expected in raised.value.reason


def test_a_resident_who_no_longer_follows_the_account_is_not_retried(mp):
    with pytest.raises(ChannelError) as raised:
        WeChatChannel().send(reminder(address="o-unfollowed"))

    assert raised.value.retryable is False
    assert "43004" in raised.value.reason


def test_an_unknown_openid_is_not_retried(mp):
    with pytest.raises(ChannelError) as raised:
        WeChatChannel().send(reminder(address="o-somebody-else"))

    assert raised.value.retryable is False
    assert "40003" in raised.value.reason


def test_no_answer_within_the_read_timeout_is_uncertain(mp):
    mp.plan(Slow(1.5, {"errcode": 0, "errmsg": "ok", "msgid": 1}))

    with pytest.raises(DeliveryUncertain):
        WeChatChannel().send(REMINDER)


def test_a_kind_without_a_template_is_refused_before_anything_is_sent(mp):
    with pytest.raises(ChannelError) as raised:
        WeChatChannel().send(reminder(kind="alert"))

    assert raised.value.retryable is False
    assert mp.state.seen == []


def test_wording_that_names_the_service_never_reaches_a_resident(mp):
    offer = reminder(kind="waitlist_offer", subject="心理咨询候补名额", params={"until": "12月9日"})

    with pytest.raises(ChannelError) as raised:
        WeChatChannel().send(offer)

    assert raised.value.retryable is False
    assert "neutral" in raised.value.reason
    assert mp.state.seen == []


def test_a_template_field_without_its_parameter_is_refused(mp):
    with pytest.raises(ChannelError) as raised:
        WeChatChannel().send(reminder(params={"place": "阳光社区服务站"}))

    assert raised.value.retryable is False
    assert "when" in raised.value.reason
