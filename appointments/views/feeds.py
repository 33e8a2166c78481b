"""A counselor's private calendar address and the feed calendar apps read from it."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import ical
from appointments.models import Appointment, AppointmentStatus, CalendarFeed, feed_token_hash
from appointments.services import feeds
from centers.http import AuthedRequest
from centers.models import Role
from centers.policies import has_role


@login_required
def calendar_settings(request: AuthedRequest) -> HttpResponse:
    """A counselor's private calendar address, shown once when it is made; making a new one ends the old."""
    if not has_role(request.user, Role.COUNSELOR):
        raise Http404
    if request.method == "POST":
        feed = feeds.calendar_feed_revoke(user=request.user)
        messages.success(request, _("A new calendar address has been made; the old one no longer works."))
    else:
        feed = feeds.calendar_feed_ensure(user=request.user)
    secret = getattr(feed, "secret", "")
    url = request.build_absolute_uri(reverse("appointments:calendar_feed", args=[secret])) if secret else ""
    return render(request, "appointments/calendar.html", {"feed_url": url})


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The counselor's feed, read by calendar apps with the secret address; no clinical detail inside."""
    feed = CalendarFeed.objects.filter(token_hash=feed_token_hash(token)).select_related("user").first()
    if feed is None or not feed.user.is_active or not has_role(feed.user, Role.COUNSELOR):
        raise Http404  # the feed ends with the counselor's role or account
    since = timezone.now() - dt.timedelta(days=30)
    rows = (
        Appointment.objects.filter(counselor=feed.user, starts_at__gte=since)
        .exclude(status=AppointmentStatus.CANCELLED, cancelled_at__lt=since)
        .select_related("center", "station")
        .order_by("starts_at")[:1000]
    )
    body = ical.calendar([ical.event_for_counselor(a) for a in rows], name=str(_("Fucheng appointments")))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response
