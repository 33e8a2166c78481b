"""Crisis alerts: acknowledge, record the first contact."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import selectors
from cases.services import alerts as alert_services
from centers.http import AuthedRequest


@login_required
@require_POST
def alert_ack(request: AuthedRequest, pk: int) -> HttpResponse:
    """Acknowledge a crisis alert: you take it."""
    alert = selectors.alert_for_user(user=request.user, pk=pk)
    alert_services.alert_acknowledge(alert=alert, actor=request.user)
    messages.success(request, _("Alert acknowledged. Contact the person within the hour and record it."))
    return redirect(alert.case)


@login_required
@require_POST
def alert_contact(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record the first contact after a crisis alert."""
    alert = selectors.alert_for_user(user=request.user, pk=pk)
    alert_services.alert_record_contact(alert=alert, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("First contact recorded."))
    return redirect(alert.case)
