"""allauth's Weixin provider with the unionid as the account's uid, so the official account and the website
(two WeChat apps of one open-platform account) are one person here. Installed in place of allauth's class by
SOCIALACCOUNT_PROVIDERS["weixin"]["provider_class"]; its id stays "weixin", its URLs come from this package."""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.providers.weixin.provider import WeixinProvider
from django.utils.translation import gettext_lazy as _

from centers.wechat_login.oauth import WeChatOAuth2Adapter


class WeChatProvider(WeixinProvider):  # type: ignore[misc]  # allauth ships no type information
    name = _("WeChat")  # on the sign-in page's button and allauth's "connections" page
    package = "centers.wechat_login"
    oauth2_adapter_class = WeChatOAuth2Adapter

    def extract_uid(self, data: dict[str, Any]) -> str:
        return str(data.get("unionid") or data["openid"])

    def get_default_scope(self) -> list[str]:
        # Official-account web authorisation: the consent page that returns the profile (and the unionid).
        return ["snsapi_userinfo"]

    def extract_common_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        # WeChat gives a nickname (now usually "微信用户"), never an email or a phone: nothing fills the account.
        return {}
