"""Waitlist pages: a resident joins, leaves and answers an offered time; staff see the center's list and mark
priority."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments import selectors
from appointments.forms import WaitlistForm
from appointments.services import booking, waitlist
from appointments.views.helpers import centers_for, people_acting_for, posted_data, staff_center_or_404
from centers.audit.log import audit_page_view, audit_record
from centers.http import AuthedRequest
from centers.infra.errors import error_text, form_errors


@login_required
def waitlist_join(request: AuthedRequest) -> HttpResponse:
    """A resident asks to be offered a time that frees up at a place, for a service, within some days."""
    people = people_acting_for(request)
    if not people:
        messages.error(request, _("Your account is not linked to a resident record yet. Please call the center."))
        return redirect("appointments:book")
    initial = {"service": request.GET.get("service"), "where": request.GET.get("where")}
    form = WaitlistForm(posted_data(request), people=people, centers=centers_for(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        free = selectors.free_days_between(
            center=data["for_whom"].center,
            service=data["service"],
            station=data["station"],
            first_day=data["first_day"],
            last_day=data["last_day"],
        )
        horizon = timezone.localdate() + dt.timedelta(days=settings.APPOINTMENT_BOOKING_HORIZON_DAYS)
        if free and data["last_day"] <= horizon:  # a range past the horizon is refused first, by the service
            form.add_error(
                None,
                _(
                    "There are free times in these days already, the first on %(day)s: please book one of them. "
                    "The waitlist is for days that are full."
                )
                % {"day": free[0].isoformat()},
            )
            return render(request, "appointments/waitlist_join.html", {"form": form, "free_day": free[0]})
        try:
            waitlist.waitlist_join(
                actor=request.user,
                resident=data["for_whom"],
                service=data["service"],
                station=data["station"],
                first_day=data["first_day"],
                last_day=data["last_day"],
            )
        except ValidationError as exc:
            form_errors(form, exc)  # on the form the person filled in, which keeps what they typed
        else:
            messages.success(request, _("You are on the waitlist. We will send you a message when a time frees up."))
            return redirect("appointments:mine")
    return render(request, "appointments/waitlist_join.html", {"form": form})


@login_required
@require_POST
def waitlist_leave(request: AuthedRequest, pk: int) -> HttpResponse:
    """Leave the waitlist."""
    entry = selectors.waitlist_entry_for_resident(user=request.user, pk=pk)
    if entry is None:
        raise Http404
    try:
        waitlist.waitlist_leave(actor=request.user, entry=entry)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("You have left the waitlist."))
    return redirect("appointments:mine")


@login_required
def offer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A time offered from the waitlist: take it or let it go to the next person."""
    offer = selectors.offer_for_resident(user=request.user, pk=pk)
    if offer is None:
        raise Http404
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "accept":
                appointment = waitlist.waitlist_accept(offer=offer, actor=request.user)
                messages.success(request, _("Your appointment is booked."))
                return redirect(appointment)
            waitlist.waitlist_decline(offer=offer, actor=request.user)
            messages.info(request, _("The time goes to the next person. You stay on the waitlist."))
            return redirect("appointments:mine")
        except booking.SlotTaken:
            messages.error(request, _("This offer has ended. You are still on the waitlist for other times."))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("appointments:mine")
    audit_record(actor=request.user, action="waitlist.offer_view", obj=offer.entry)
    return render(request, "appointments/offer.html", {"offer": offer, "open": offer.status == "open"})


@login_required
def waitlist_staff(request: AuthedRequest) -> HttpResponse:
    """The center's waitlist in the order times are offered; staff mark priority."""
    center = staff_center_or_404(request)
    entries = list(selectors.waitlist_for_staff(user=request.user, center=center))
    audit_page_view(
        actor=request.user,
        action="waitlist.list_view",
        object_type="appointments.waitlist",
        center_id=center.pk,
        shown={"waitlist": [entry.pk for entry in entries]},
    )
    return render(request, "appointments/waitlist_staff.html", {"center": center, "entries": entries})


@login_required
@require_POST
def waitlist_priority(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark or unmark a waiting person as priority."""
    entry = selectors.waitlist_entry_for_staff(user=request.user, pk=pk)
    if entry is None:
        raise Http404
    try:
        waitlist.waitlist_set_priority(actor=request.user, entry=entry, is_priority=request.POST.get("priority") == "1")
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, _("Waitlist updated."))
    return redirect("appointments:waitlist_staff")
