"""Acknowledge a crisis alert from the link in its SMS: no sign-in, no case detail (cases/alerts/links.py)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cases.alerts.links import LinkInvalid, alert_link_read
from cases.services import alerts as alert_services


@never_cache
@require_http_methods(["GET", "POST"])
def alert_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link does (a phone's link preview must not acknowledge anything); POST acknowledges."""
    try:
        alert, person = alert_link_read(token)
    except LinkInvalid:
        return render(request, "cases/alert_link.html", {"state": "invalid"}, status=404)
    if alert.acknowledged_at is not None:
        state = "mine" if alert.acknowledged_by_id == person.pk else "taken"
        return render(request, "cases/alert_link.html", {"state": state, "alert": alert})
    if request.method == "POST":
        try:
            alert = alert_services.alert_acknowledge(alert=alert, actor=person)
        except PermissionDenied:
            return render(request, "cases/alert_link.html", {"state": "refused"}, status=403)
        state = "mine" if alert.acknowledged_by_id == person.pk else "taken"
        return render(request, "cases/alert_link.html", {"state": state, "alert": alert, "just_now": True})
    return render(request, "cases/alert_link.html", {"state": "open", "alert": alert})
