"""The WeChat sign-in pages: allauth's login and callback views on our adapter, and the mobile-number confirmation
a first WeChat sign-in goes through before it is linked to an account or becomes one."""

from __future__ import annotations

import time

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import ratelimit
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from centers.wechat_login.forms import CodeForm, NewResidentForm, PhoneForm
from centers.wechat_login.oauth import WeChatOAuth2Adapter
from centers.wechat_login.pending import (
    CODE_SECONDS,
    MAX_SENDS,
    MAX_TRIES,
    PendingSignIn,
    pending_clear,
    pending_load,
    pending_save,
)

oauth2_login = OAuth2LoginView.adapter_view(WeChatOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(WeChatOAuth2Adapter)

TEMPLATE = "wechat/confirm_phone.html"


@require_http_methods(["GET", "POST"])
def confirm_phone(request: HttpRequest) -> HttpResponse:
    """Anyone with a WeChat sign-in held for confirmation: send a code to a number, check it, then finish the sign-in
    (linked to the account holding that verified number, or a new resident account after name and station)."""
    pending = pending_load(request.session)
    if pending is None:
        return redirect("account_login")
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action == "phone":
        return _send_code(request, pending)
    if action == "restart" and not pending.confirmed_phone:
        pending.phone, pending.code = "", ""
        pending_save(request.session, pending)
        return redirect("weixin_confirm_phone")
    if action == "code" and pending.phone:
        return _check_code(request, pending)
    if action == "details" and pending.confirmed_phone:
        form = NewResidentForm(request.POST)
        if form.is_valid():
            pending.full_name = form.cleaned_data["full_name"]
            pending.station_id = form.cleaned_data["station"].pk
            pending_save(request.session, pending)
            return _finish(request, pending)
        return render(request, TEMPLATE, {"step": "details", "form": form})
    if pending.confirmed_phone:
        return render(request, TEMPLATE, {"step": "details", "form": NewResidentForm()})
    if pending.phone:
        return render(request, TEMPLATE, {"step": "code", "form": CodeForm(), "phone": pending.phone})
    return render(request, TEMPLATE, {"step": "phone", "form": PhoneForm()})


def _send_code(request: HttpRequest, pending: PendingSignIn) -> HttpResponse:
    form = PhoneForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, {"step": "phone", "form": form})
    if pending.sends >= MAX_SENDS:
        messages.error(request, _("Too many codes were sent. Please start again later."))
        pending_clear(request.session)
        return redirect("account_login")
    adapter = get_account_adapter(request)
    phone = form.cleaned_data["phone"]
    # allauth's own limit for phone codes (ACCOUNT_RATE_LIMITS["verify_phone"]): per number and per address.
    if not ratelimit.consume(request, action="verify_phone", key=phone):
        form.add_error("phone", _("A code was just sent. Please wait a moment before asking for another."))
        return render(request, TEMPLATE, {"step": "phone", "form": form})
    code = adapter.generate_phone_verification_code(user=None, phone=phone)
    pending.phone, pending.code, pending.code_expires = phone, code, time.time() + CODE_SECONDS
    pending.sends += 1
    pending.tries = 0
    pending_save(request.session, pending)
    adapter.send_verification_code_sms(user=None, phone=phone, code=code)
    return redirect("weixin_confirm_phone")


def _check_code(request: HttpRequest, pending: PendingSignIn) -> HttpResponse:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return render(request, TEMPLATE, {"step": "code", "form": form, "phone": pending.phone})
    if not pending.code_matches(form.cleaned_data["code"]):
        if pending.tries >= MAX_TRIES:
            pending_clear(request.session)
            messages.error(request, _("Too many wrong codes. Please start again."))
            return redirect("account_login")
        pending_save(request.session, pending)
        form.add_error("code", _("This code is not right or has expired."))
        return render(request, TEMPLATE, {"step": "code", "form": form, "phone": pending.phone})
    pending.confirmed_phone, pending.code = pending.phone, ""
    pending_save(request.session, pending)
    if get_account_adapter(request).get_user_by_phone(pending.confirmed_phone) is None:
        return render(request, TEMPLATE, {"step": "details", "form": NewResidentForm()})
    return _finish(request, pending)


def _finish(request: HttpRequest, pending: PendingSignIn) -> HttpResponse:
    sociallogin = SocialLogin.deserialize(pending.sociallogin)
    response: HttpResponse = complete_social_login(request, sociallogin)
    return response
