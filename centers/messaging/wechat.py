"""WeChat official-account template messages to residents who linked WeChat (the address is their openid).

Each message kind that may go by WeChat has a template registered on the official account; settings map the kind
to the template id and to the template's fields, each filled from the message's params:

    FUCHENG_WECHAT_TEMPLATES = {
        "reminder": {"template_id": "…", "data": {"thing1": "{place}", "time2": "{when}"}},
    }

The placeholders name `Outgoing.params` keys (plus `subject` and `text`). The message opens the signed, expiring
link it carries (`Outgoing.link`). What a resident reads never names the kind of service: the center's neutral
name is the official account's, and a filled field containing one of the words of FUCHENG_RESIDENT_FORBIDDEN_WORDS
is refused before anything is sent. The call is `message/template/send`
(https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html).

Settings: FUCHENG_WECHAT_APP_ID, FUCHENG_WECHAT_APP_SECRET (from the environment), FUCHENG_WECHAT_TEMPLATES,
FUCHENG_WECHAT_API_BASE (default https://api.weixin.qq.com/cgi-bin/).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from wechatpy import WeChatClient

from centers.messaging.channels import ChannelError, Outgoing, SendResult
from centers.messaging.weixin_api import TokenSource, api_base, call_with_token, weixin_timeouts

DEFAULT_API_BASE = "https://api.weixin.qq.com/cgi-bin/"
# Words a resident's message never carries: it may be read over their shoulder or on a shared phone.
DEFAULT_FORBIDDEN_WORDS = ("心理", "危机", "自杀", "抑郁")
REFUSED = {
    43004: "the resident does not follow the official account",
    40003: "invalid openid",
    40037: "invalid template_id",
    47003: "a template field does not fit",
}


class WeChatChannel:
    """Sends one template message to a resident's openid; never reads or writes the database."""

    name = "wechat"

    def send(self, message: Outgoing) -> SendResult:
        app_id = str(getattr(settings, "FUCHENG_WECHAT_APP_ID", "") or "")
        secret = str(getattr(settings, "FUCHENG_WECHAT_APP_SECRET", "") or "")
        if not (app_id and secret):
            raise ChannelError("wechat: FUCHENG_WECHAT_APP_ID and _APP_SECRET are not both set", retryable=False)
        if not message.address:
            raise ChannelError("wechat: no openid", retryable=False)
        template_id, data = wechat_template(message)
        base = api_base("FUCHENG_WECHAT_API_BASE", DEFAULT_API_BASE)
        source = TokenSource(
            provider="wechat",
            url=f"{base}token",
            params={"grant_type": "client_credential", "appid": app_id, "secret": secret},
        )

        def send_with(token: str) -> Any:
            client = WeChatClient(app_id, secret, access_token=token, timeout=weixin_timeouts(), auto_retry=False)
            client.API_BASE_URL = base
            return client.message.send_template(message.address, template_id, data, url=message.link or None)

        result = call_with_token(source, send_with, refused=REFUSED)
        if not isinstance(result, dict):
            raise ChannelError("wechat: the answer is not JSON")
        return SendResult(provider="wechat", provider_message_id=str(result.get("msgid", "") or ""))


def wechat_template(message: Outgoing) -> tuple[str, dict[str, dict[str, str]]]:
    """(template id, filled `data`) for the message's kind; a non-retryable ChannelError when it cannot be sent."""
    templates: Mapping[str, Mapping[str, Any]] = getattr(settings, "FUCHENG_WECHAT_TEMPLATES", {}) or {}
    name = message.template or message.kind
    spec = templates.get(name) or templates.get(message.kind)
    if not spec or not spec.get("template_id"):
        raise ChannelError(f"wechat: no template registered for {name!r}", retryable=False)
    values = {**message.params, "subject": message.subject, "text": message.text}
    forbidden: tuple[str, ...] = tuple(getattr(settings, "FUCHENG_RESIDENT_FORBIDDEN_WORDS", DEFAULT_FORBIDDEN_WORDS))
    data: dict[str, dict[str, str]] = {}
    for field, pattern in dict(spec.get("data", {})).items():
        try:
            value = str(pattern).format_map(values)
        except (KeyError, IndexError, ValueError) as exc:
            raise ChannelError(f"wechat: template field {field!r} needs {exc}", retryable=False) from exc
        if any(word in value for word in forbidden):
            raise ChannelError(f"wechat: template field {field!r} is not neutral wording", retryable=False)
        data[str(field)] = {"value": value}
    return str(spec["template_id"]), data
