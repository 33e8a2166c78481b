"""allauth includes this module for the Weixin provider (provider.package): its login and callback URLs, and the
page where a first WeChat sign-in confirms a mobile number. All live under allauth's "accounts/" prefix."""

from __future__ import annotations

from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns
from django.urls import URLPattern, URLResolver, path

from centers.wechat_login import views
from centers.wechat_login.provider import WeChatProvider

urlpatterns: list[URLPattern | URLResolver] = [
    *default_urlpatterns(WeChatProvider),
    path("weixin/confirm-phone/", views.confirm_phone, name="weixin_confirm_phone"),
]
