"""A staff member's own reachability: which channels reach their phone, and "send me a test alert"."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from centers.accounts.services import wecom_userid_set
from centers.http import AuthedRequest
from centers.infra.errors import error_text
from centers.messaging.models import MessageChannel
from centers.messaging.selectors import reachable_on_the_phone
from centers.messaging.services import (
    address_of,
    channel_for,
    test_message_send,
    test_messages_recent,
)
from centers.policies import is_staff_member


@login_required
@require_http_methods(["GET", "POST"])
def reachability(request: AuthedRequest) -> HttpResponse:
    """GET: the person's channels and their last test messages; POST: send a test on every channel, then show it."""
    if not is_staff_member(request.user):
        raise Http404
    if request.method == "POST" and "wecom_userid" in request.POST:
        try:
            wecom_userid_set(user=request.user, userid=request.POST["wecom_userid"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return _page(request, typed=request.POST["wecom_userid"], status=400)
        messages.success(request, _("Your WeCom user id is saved."))
        return redirect("centers:reachability")
    if request.method == "POST":
        rows = test_message_send(user=request.user)
        if rows:
            messages.success(request, _("Test messages sent: their states are below."))
        else:
            messages.error(request, _("No channel is set up that could reach you."))
        return redirect("centers:reachability")
    return _page(request)


def _page(request: AuthedRequest, *, typed: str | None = None, status: int = 200) -> HttpResponse:
    channels = [
        {
            "name": MessageChannel(name).label,
            "configured": channel_for(name) is not None,
            "address": address_of(request.user, name),
        }
        for name in (MessageChannel.SMS, MessageChannel.WECOM, MessageChannel.WECHAT, MessageChannel.EMAIL)
    ]
    return render(
        request,
        "messaging/reachability.html",
        {
            "channels": channels,
            "phone_ok": reachable_on_the_phone(user=request.user),
            "recent": test_messages_recent(user=request.user),
            "wecom_userid": request.user.wecom_userid if typed is None else typed,
        },
        status=status,
    )
