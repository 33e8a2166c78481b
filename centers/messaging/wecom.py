"""WeCom (企业微信) application messages to staff: crisis alerts, escalations, duty hand-over.

The staff member's WeCom userid is the message's address. A message with a link is sent as a text card (the
title, the text and a button opening the signed link), otherwise as plain text, through the app's
`message/send` call (https://developer.work.weixin.qq.com/document/path/90236). WeCom's duplicate check is on,
so a message sent again after an unanswered attempt reaches the member once within the check's interval.

Settings: FUCHENG_WECOM_CORP_ID, FUCHENG_WECOM_AGENT_ID, FUCHENG_WECOM_SECRET (the app's secret, from the
environment), FUCHENG_WECOM_API_BASE (default https://qyapi.weixin.qq.com/cgi-bin/).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from wechatpy.enterprise import WeChatClient

from centers.messaging.channels import ChannelError, Outgoing, SendResult
from centers.messaging.weixin_api import TokenSource, api_base, call_with_token, weixin_timeouts

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com/cgi-bin/"
# Within this many seconds WeCom delivers an identical request only once (the documented default is 1800).
DUPLICATE_CHECK_SECONDS = 1800
# All recipients invalid (81013: unknown userid or outside the app's visible range), userid not found (60111),
# no privilege for this member or app (60011), a wrong agentid (40056).
REFUSED = {
    81013: "user unknown or outside the app's visible range",
    60111: "userid not found",
    60011: "no privilege to reach this member",
    40056: "invalid agentid",
}


class WeComChannel:
    """Sends to one staff member by WeCom userid; never reads or writes the database."""

    name = "wecom"

    def send(self, message: Outgoing) -> SendResult:
        corp_id = str(getattr(settings, "FUCHENG_WECOM_CORP_ID", "") or "")
        secret = str(getattr(settings, "FUCHENG_WECOM_SECRET", "") or "")
        agent_id = int(getattr(settings, "FUCHENG_WECOM_AGENT_ID", 0) or 0)
        if not (corp_id and secret and agent_id):
            raise ChannelError("wecom: FUCHENG_WECOM_CORP_ID, _SECRET and _AGENT_ID are not all set", retryable=False)
        if not message.address:
            raise ChannelError("wecom: no userid", retryable=False)
        base = api_base("FUCHENG_WECOM_API_BASE", DEFAULT_API_BASE)
        source = TokenSource(provider="wecom", url=f"{base}gettoken", params={"corpid": corp_id, "corpsecret": secret})
        body = wecom_body(message)

        def send_with(token: str) -> Any:
            client = WeChatClient(corp_id, secret, access_token=token, timeout=weixin_timeouts(), auto_retry=False)
            client.API_BASE_URL = base
            return client.message.send(agent_id, message.address, msg=body)

        result = call_with_token(source, send_with, refused=REFUSED)
        if not isinstance(result, dict):
            raise ChannelError("wecom: the answer is not JSON")
        # With one recipient, WeCom answers 81013 when it is invalid; a partial answer is read the same way.
        if str(result.get("invaliduser", "") or ""):
            raise ChannelError(f"wecom: 81013 {REFUSED[81013]}", retryable=False)
        return SendResult(provider="wecom", provider_message_id=str(result.get("msgid", "") or ""))


def wecom_body(message: Outgoing) -> dict[str, Any]:
    """The `msg` part of message/send: a text card carrying the signed link, or plain text."""
    body: dict[str, Any]
    if message.link:
        first_line = message.text.splitlines()[0] if message.text else ""
        body = {
            "msgtype": "textcard",
            "textcard": {
                "title": message.subject or first_line,
                "description": message.text,
                "url": message.link,
                "btntxt": "详情",
            },
        }
    else:
        content = f"{message.subject}\n{message.text}" if message.subject else message.text
        body = {"msgtype": "text", "text": {"content": content}, "safe": 0}
    body["enable_duplicate_check"] = 1
    body["duplicate_check_interval"] = DUPLICATE_CHECK_SECONDS
    return body
