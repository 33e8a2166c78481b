"""The OAuth pieces of WeChat's official-account web authorisation, on top of allauth's Weixin provider.

allauth's Weixin adapter targets the website QR login (qrconnect, snsapi_login) with fixed endpoints. The official
account's web authorisation (https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html)
differs in three documented ways, handled here: the authorize URL ends in `#wechat_redirect`, the code is exchanged
with a GET (`sns/oauth2/access_token`), and `sns/userinfo` answers errors as HTTP 200 with an `errcode`. The
endpoints come from SOCIALACCOUNT_PROVIDERS["weixin"] (AUTHORIZE_URL, ACCESS_TOKEN_URL, PROFILE_URL), so tests
point them at a local server.
"""

from __future__ import annotations

import json
from typing import Any

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialLogin, SocialToken
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.weixin.client import WeixinOAuth2Client
from allauth.socialaccount.providers.weixin.views import WeixinOAuth2Adapter
from django.http import HttpRequest

AUTHORIZE_URL = "https://open.weixin.qq.com/connect/oauth2/authorize"
ACCESS_TOKEN_URL = "https://api.weixin.qq.com/sns/oauth2/access_token"
PROFILE_URL = "https://api.weixin.qq.com/sns/userinfo"


class WeChatOAuth2Client(WeixinOAuth2Client):  # type: ignore[misc]  # allauth ships no type information
    def get_redirect_url(self, authorization_url: str, scope: Any, extra_params: Any) -> str:
        url = str(super().get_redirect_url(authorization_url, scope, extra_params))
        # WeChat's in-app browser only opens the consent page when the URL ends so (documented as required).
        return url if url.endswith("#wechat_redirect") else f"{url}#wechat_redirect"


class WeChatOAuth2Adapter(WeixinOAuth2Adapter):  # type: ignore[misc]  # allauth ships no type information
    client_class = WeChatOAuth2Client
    access_token_method = "GET"  # sns/oauth2/access_token takes its parameters in the query

    def _setting(self, name: str, default: str) -> str:
        return str(self.get_provider().get_settings().get(name, default))

    @property
    def authorize_url(self) -> str:
        return self._setting("AUTHORIZE_URL", AUTHORIZE_URL)

    @property
    def access_token_url(self) -> str:
        return self._setting("ACCESS_TOKEN_URL", ACCESS_TOKEN_URL)

    @property
    def profile_url(self) -> str:
        return self._setting("PROFILE_URL", PROFILE_URL)

    def complete_login(self, request: HttpRequest, app: Any, token: SocialToken, **kwargs: Any) -> SocialLogin:
        response: dict[str, Any] = kwargs.get("response") or {}
        openid = str(response.get("openid", ""))
        params = {"access_token": token.token, "openid": openid, "lang": "zh_CN"}
        with get_adapter().get_requests_session() as session:
            answer = session.get(self.profile_url, params=params)
            answer.raise_for_status()
        # WeChat sends UTF-8 JSON labelled text/plain; decode the bytes, not requests' latin-1 guess.
        try:
            profile: dict[str, Any] = json.loads(answer.content.decode("utf-8"))
        except ValueError as exc:
            raise OAuth2Error("sns/userinfo did not answer JSON") from exc
        if int(profile.get("errcode", 0) or 0):
            raise OAuth2Error(f"sns/userinfo refused: {profile.get('errcode')} {profile.get('errmsg', '')}")
        # With snsapi_userinfo the token answer already names the unionid; keep it if the profile does not.
        if response.get("unionid") and not profile.get("unionid"):
            profile["unionid"] = response["unionid"]
        return self.get_provider().sociallogin_from_response(request, profile)
