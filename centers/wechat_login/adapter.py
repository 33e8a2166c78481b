"""django-allauth's social account hooks for WeChat: one account per person, linked only through a verified number.

SOCIALACCOUNT_ADAPTER points here. A WeChat sign-in that allauth does not recognise is held (pre_social_login) and
the person is sent to confirm a mobile number (centers.wechat_login.views); when allauth is asked to finish it
again, the sign-in is linked to the resident account holding that verified number, or becomes a new resident
account with it. Linking from a signed-in account ("connect") needs that account's number to be verified.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from django.contrib import messages
from django.http import Http404, HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from centers.messaging.selectors import PROVIDER_ID
from centers.models import Station, User
from centers.wechat_login.pending import PendingSignIn, pending_clear, pending_load, pending_save
from centers.wechat_login.policies import can_link_wechat
from centers.wechat_login.services import wechat_account_uid_upgrade, wechat_resident_signup


class SocialAccountAdapter(DefaultSocialAccountAdapter):  # type: ignore[misc]  # allauth ships no type information
    def get_provider(self, request: HttpRequest, provider: str, client_id: str | None = None) -> Any:
        # Without the official account's AppID and AppSecret there is no WeChat sign-in: its pages are not found.
        try:
            return super().get_provider(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404(_("Sign in with WeChat is not set up here.")) from None

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if sociallogin.account.provider != PROVIDER_ID:
            return
        if not sociallogin.is_existing:
            extra: dict[str, Any] = sociallogin.account.extra_data or {}
            moved = wechat_account_uid_upgrade(
                openid=str(extra.get("openid", "")), unionid=str(extra.get("unionid", "") or "")
            )
            if moved is not None:
                sociallogin.lookup()
        if sociallogin.is_existing:
            return
        if sociallogin.state.get("process") == AuthProcess.CONNECT:
            if not can_link_wechat(request.user):  # type: ignore[arg-type]  # connect needs a signed-in user
                messages.error(request, _("Confirm your mobile number first; then you can link WeChat."))
                raise ImmediateHttpResponse(redirect("account_change_phone"))
            return
        pending = pending_load(request.session)
        if pending is not None and pending.uid == sociallogin.account.uid and pending.confirmed_phone:
            owner = get_account_adapter(request).get_user_by_phone(pending.confirmed_phone)
            if isinstance(owner, User):
                if not can_link_wechat(owner):
                    pending_clear(request.session)
                    messages.error(
                        request, _("This account cannot sign in with WeChat. Please sign in with your password.")
                    )
                    raise ImmediateHttpResponse(redirect("account_login"))
                sociallogin.connect(request, owner)
                pending_clear(request.session)
            return
        pending_save(request.session, PendingSignIn(sociallogin=sociallogin.serialize(), uid=sociallogin.account.uid))
        raise ImmediateHttpResponse(redirect("weixin_confirm_phone"))

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        if sociallogin.account.provider != PROVIDER_ID:
            return bool(super().is_auto_signup_allowed(request, sociallogin))
        pending = pending_load(request.session)
        # Only a sign-in whose number was just confirmed, with the person's name and station, makes an account.
        return bool(pending and pending.confirmed_phone and pending.station_id)

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> User:
        user: User = super().save_user(request, sociallogin, form)
        pending = pending_load(request.session)
        if sociallogin.account.provider == PROVIDER_ID and pending and pending.confirmed_phone and pending.station_id:
            station = Station.objects.get(pk=pending.station_id)
            saved = wechat_resident_signup(
                user=user, phone=pending.confirmed_phone, full_name=pending.full_name, station=station
            )
            # allauth goes on with its own instance (its sign-up stages read the number from it).
            user.phone, user.phone_verified = saved.phone, saved.phone_verified
            pending_clear(request.session)
        return user
