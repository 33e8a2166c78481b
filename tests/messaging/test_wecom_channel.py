"""The WeCom channel against a local server speaking WeCom's gettoken and message/send protocol."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from django.core.cache import cache

from centers.messaging.channels import ChannelError, DeliveryUncertain, Outgoing
from centers.messaging.wecom import WeComChannel
from tests.messaging.weixin_server import (
    AGENT_ID,
    CORP_ID,
    CORP_SECRET,
    HttpStatus,
    Slow,
    WeixinServer,
    errcode,
    running_server,
)


@pytest.fixture
def wecom(settings) -> Iterator[WeixinServer]:
    with running_server() as server:
        settings.FUCHENG_WECOM_CORP_ID = CORP_ID
        settings.FUCHENG_WECOM_SECRET = CORP_SECRET
        settings.FUCHENG_WECOM_AGENT_ID = AGENT_ID
        settings.FUCHENG_WECOM_API_BASE = f"{server.url}/cgi-bin/"
        settings.FUCHENG_WEIXIN_CONNECT_TIMEOUT = 1
        settings.FUCHENG_WEIXIN_READ_TIMEOUT = 0.5
        cache.clear()
        yield server
        assert server.state.problems == []


ALERT = Outgoing(
    message_id=7,
    idempotency_key="alert:41:zhangsan",
    kind="alert",
    address="zhangsan",
    subject="危机预警：个案 C-0041",
    text="阳光站 个案 C-0041 需要在 30 分钟内确认。",
)


def alert(**changes: str) -> Outgoing:
    return replace(ALERT, **changes)


def test_a_message_with_a_link_goes_as_a_text_card_opening_the_signed_link(wecom):
    link = "https://portal.example.cn/a/ack/eyJhIjo0MX0:1kX:sig/"
    result = WeComChannel().send(alert(link=link))

    [send] = wecom.sends("/cgi-bin/message/send")
    assert send.method == "POST"
    assert send.query["access_token"] == "ACCESS_TOKEN_1"
    assert send.body["touser"] == "zhangsan"
    assert send.body["agentid"] == AGENT_ID
    assert send.body["msgtype"] == "textcard"
    assert send.body["textcard"] == {
        "title": "危机预警：个案 C-0041",
        "description": "阳光站 个案 C-0041 需要在 30 分钟内确认。",
        "url": link,
        "btntxt": "详情",
    }
    assert send.body["enable_duplicate_check"] == 1
    assert result.provider == "wecom"
    assert result.provider_message_id.startswith("msg-")


def test_a_message_without_a_link_goes_as_text(wecom):
    WeComChannel().send(alert(subject="值班交接", text="今晚值班：李四。"))

    [send] = wecom.sends("/cgi-bin/message/send")
    assert send.body["msgtype"] == "text"
    assert send.body["text"] == {"content": "值班交接\n今晚值班：李四。"}


def test_the_access_token_is_fetched_once_and_kept_for_later_messages(wecom):
    channel = WeComChannel()
    channel.send(alert())
    channel.send(alert(address="lisi"))
    WeComChannel().send(alert())

    [fetch] = wecom.sends("/cgi-bin/gettoken")
    assert fetch.query == {"corpid": CORP_ID, "corpsecret": CORP_SECRET}
    assert {s.query["access_token"] for s in wecom.sends("/cgi-bin/message/send")} == {"ACCESS_TOKEN_1"}


def test_an_invalid_token_is_replaced_once_and_the_message_still_goes(wecom):
    channel = WeComChannel()
    channel.send(alert())
    wecom.revoke_tokens()

    result = channel.send(alert(address="lisi"))

    assert len(wecom.sends("/cgi-bin/gettoken")) == 2
    tokens = [s.query["access_token"] for s in wecom.sends("/cgi-bin/message/send")]
    assert tokens == ["ACCESS_TOKEN_1", "ACCESS_TOKEN_1", "ACCESS_TOKEN_2"]
    assert result.provider_message_id
    # The new token is the one kept: the next message uses it without another fetch.
    channel.send(alert())
    assert len(wecom.sends("/cgi-bin/gettoken")) == 2


def test_a_token_refused_twice_is_a_retryable_error_not_a_loop(wecom):
    wecom.plan(errcode(40014, "invalid access_token"), errcode(40014, "invalid access_token"))

    with pytest.raises(ChannelError) as raised:
        WeComChannel().send(alert())

    assert raised.value.retryable is True
    assert "40014" in raised.value.reason
    assert len(wecom.sends("/cgi-bin/message/send")) == 2
    assert len(wecom.sends("/cgi-bin/gettoken")) == 2


def test_the_rate_limit_is_retryable(wecom):
    wecom.plan(errcode(45009, "api freq out of limit"))

    with pytest.raises(ChannelError) as raised:
        WeComChannel().send(alert())

    assert raised.value.retryable is True
    assert not isinstance(raised.value, DeliveryUncertain)
    assert "45009" in raised.value.reason


def test_a_server_error_is_retryable(wecom):
    wecom.plan(HttpStatus(502))

    with pytest.raises(ChannelError) as raised:
        WeComChannel().send(alert())

    assert raised.value.retryable is True
    assert "502" in raised.value.reason


def test_an_unknown_userid_or_one_outside_the_apps_range_is_not_retryable(wecom):
    with pytest.raises(ChannelError) as raised:
        WeComChannel().send(alert(address="wangwu"))

    assert raised.value.retryable is False
    assert "81013" in raised.value.reason


def test_no_answer_within_the_read_timeout_is_uncertain(wecom):
    wecom.plan(Slow(1.5, {"errcode": 0, "errmsg": "ok", "msgid": "late"}))

    with pytest.raises(DeliveryUncertain) as raised:
        WeComChannel().send(alert())

    assert raised.value.retryable is True
    assert len(wecom.sends("/cgi-bin/message/send")) == 1


def test_an_unreachable_platform_is_retryable_and_not_uncertain(settings):
    with running_server() as server:
        base = f"{server.url}/cgi-bin/"
    settings.FUCHENG_WECOM_CORP_ID, settings.FUCHENG_WECOM_SECRET = CORP_ID, CORP_SECRET
    settings.FUCHENG_WECOM_AGENT_ID, settings.FUCHENG_WECOM_API_BASE = AGENT_ID, base

    with pytest.raises(ChannelError) as raised:
        WeComChannel().send(alert())

    assert raised.value.retryable is True
    assert not isinstance(raised.value, DeliveryUncertain)


def test_wrong_credentials_are_not_retryable(wecom, settings):
    settings.FUCHENG_WECOM_SECRET = "not-the-secret"

    with pytest.raises(ChannelError) as raised:
        WeComChannel().send(alert())

    assert raised.value.retryable is False
    assert wecom.sends("/cgi-bin/message/send") == []


def test_an_unconfigured_channel_refuses_without_calling_out(settings):
    settings.FUCHENG_WECOM_CORP_ID = ""

    with pytest.raises(ChannelError) as raised:
        WeComChannel().send(alert())

    assert raised.value.retryable is False
