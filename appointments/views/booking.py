"""Residents' booking pages: find a free time, book, see, move, cancel, download and rate an appointment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments import ical, selectors
from appointments.forms import BookForm, FeedbackForm, SlotPickForm, SlotSearchForm, parse_day
from appointments.models import ACTIVE_Q, Appointment, Place, Service, Slot
from appointments.services import booking, feedback
from appointments.views.helpers import cancel_consequences, centers_for, people_acting_for, posted_data
from centers.http import AuthedRequest
from centers.infra.confirm import confirmation_page, confirmed
from centers.infra.errors import error_text
from centers.policies import resident_of


def _taken(request: AuthedRequest, slot: Slot, *, back_url: str, pick_url_name: str) -> HttpResponse:
    """The friendly answer to a lost race: the nearest free times, never an error page."""
    alternatives = selectors.slots_nearest_free(slot=slot)
    return render(
        request,
        "appointments/slot_taken.html",
        {"slot": slot, "alternatives": alternatives, "back_url": back_url, "pick_url_name": pick_url_name},
    )


def book(request: HttpRequest) -> HttpResponse:
    """Anyone: choose service, place and day and see the free times; booking itself needs signing in."""
    centers = list(centers_for(request))
    me = resident_of(request.user)
    initial = {"where": f"s{me.station_id}" if me and me.station_id else None}
    form = SlotSearchForm(request.GET or None, centers=centers, initial=initial)
    context: dict[str, Any] = {"form": form, "slots": None, "days": [], "day": None}
    if form.is_bound and form.is_valid() and form.cleaned_data["center"]:
        data = form.cleaned_data
        days = selectors.days_with_free_slots(center=data["center"], service=data["service"], station=data["station"])
        day = data["day"] or (days[0] if days else timezone.localdate())
        slots = selectors.free_slots(
            center=data["center"],
            service=data["service"],
            station=data["station"],
            day=day,
            resident_id=me.pk if me else None,
        )
        context.update({"slots": list(slots), "days": days[:14], "day": day})
    if getattr(request, "htmx", False) and context["slots"] is not None:
        return render(request, "appointments/_free_times.html", context)  # another day, without a page load
    return render(request, "appointments/book.html", context)


@login_required
def book_confirm(request: AuthedRequest, slot_id: int) -> HttpResponse:
    """A resident (or guardian): confirm a chosen time, for whom, with an optional reason."""
    people = people_acting_for(request)
    if not people:
        messages.error(request, _("Your account is not linked to a resident record yet. Please call the center."))
        return redirect("appointments:book")
    slot = selectors.bookable_slot(pk=slot_id)
    if slot is None:
        messages.error(request, _("This time does not exist. Please choose another time."))
        return redirect("appointments:book")
    if slot.center_id != people[0].center_id:
        messages.error(request, _("This time belongs to another center. Please choose a time at your own center."))
        return redirect("appointments:book")
    mine = selectors.appointments_for_resident(user=request.user).filter(ACTIVE_Q, slot=slot).first()
    if mine is not None:
        return redirect(mine)  # it is already theirs
    if request.method == "GET" and not selectors.slot_is_free(slot=slot, resident_id=people[0].pk):
        # someone else took it between the list and this page: say so here, with the nearest free times
        return _taken(request, slot, back_url=reverse("appointments:book"), pick_url_name="appointments:confirm")
    form = BookForm(posted_data(request), people=people, needs_address=slot.service == Service.HOME_VISIT)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = booking.appointment_book(
                slot=slot,
                resident=data["for_whom"],
                booked_by=request.user,
                reason=data["reason"],
                visit_address=data.get("visit_address", ""),
            )
        except booking.SlotTaken:
            return _taken(request, slot, back_url=reverse("appointments:book"), pick_url_name="appointments:confirm")
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, error_text(exc) if isinstance(exc, ValidationError) else _("Not allowed."))
        else:
            messages.success(request, _("Your appointment is booked."))
            return redirect(appointment)
    refusal = selectors.fair_share_refusal(resident=people[0], slot=slot) if request.method == "GET" else None
    return render(request, "appointments/book_confirm.html", {"slot": slot, "form": form, "refusal": refusal})


@login_required
def my_appointments(request: AuthedRequest) -> HttpResponse:
    """A resident's appointments (and their children's), open waitlist offers and waitlist entries."""
    rows = list(selectors.appointments_for_resident(user=request.user)[:100])
    now = timezone.now()
    upcoming = sorted((a for a in rows if a.is_upcoming), key=lambda a: a.starts_at)
    past = [a for a in rows if not a.is_upcoming]
    return render(
        request,
        "appointments/my_appointments.html",
        {
            "resident": resident_of(request.user),
            "upcoming": upcoming,
            "past": past,
            "offers": selectors.open_offers_for_resident(user=request.user),
            "waitlist": selectors.waitlist_for_resident(user=request.user),
            "now": now,
        },
    )


def _mine_or_404(request: AuthedRequest, pk: int) -> Appointment:
    appointment = selectors.appointment_for_resident(user=request.user, pk=pk)
    if appointment is None:
        raise Http404
    return appointment


@login_required
def appointment_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The confirmation page: where, when, with whom, how to cancel; the rating form after a session."""
    appointment = _mine_or_404(request, pk)
    cutoff = appointment.center.cancel_cutoff_hours
    can_change = appointment.is_upcoming and appointment.starts_at >= timezone.now() + dt.timedelta(hours=cutoff)
    has_feedback = hasattr(appointment, "feedback")
    return render(
        request,
        "appointments/appointment_detail.html",
        {
            "appointment": appointment,
            "can_change": can_change,
            "cutoff": cutoff,
            "feedback_form": FeedbackForm() if appointment.status == "completed" and not has_feedback else None,
        },
    )


@login_required
@require_POST
def appointment_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    """The resident cancels up to the cutoff."""
    appointment = _mine_or_404(request, pk)
    if not confirmed(request):
        return confirmation_page(
            request,
            title=_("Cancel this appointment?"),
            consequences=cancel_consequences(appointment),
            confirm_label=_("Yes, cancel the appointment"),
            back_url=appointment.get_absolute_url(),
        )
    try:
        booking.appointment_cancel(appointment=appointment, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Your appointment is cancelled."))
    return redirect(appointment)


@login_required
def appointment_reschedule(request: AuthedRequest, pk: int) -> HttpResponse:
    """The resident moves the appointment to another free time of the same service and place."""
    appointment = _mine_or_404(request, pk)
    if request.method == "POST":
        form = SlotPickForm(request.POST)
        new_slot = selectors.bookable_slot(pk=form.cleaned_data["slot"]) if form.is_valid() else None
        if new_slot is None:
            messages.error(request, _("This time does not exist. Please choose another time."))
            return redirect("appointments:reschedule", pk=pk)
        try:
            moved = booking.appointment_reschedule(appointment=appointment, new_slot=new_slot, actor=request.user)
        except booking.SlotTaken:
            return _taken(
                request,
                new_slot,
                back_url=reverse("appointments:reschedule", args=[pk]),
                pick_url_name="appointments:reschedule",
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("appointments:reschedule", pk=pk)
        messages.success(request, _("Your appointment has been moved."))
        return redirect(moved)
    station = appointment.station if appointment.place in (Place.STATION, Place.HOME) else None
    days = selectors.days_with_free_slots(center=appointment.center, service=appointment.service, station=station)
    day = parse_day(request.GET.get("day"), days[0] if days else None)
    slots = selectors.free_slots(
        center=appointment.center,
        service=appointment.service,
        station=station,
        day=day,
        resident_id=appointment.resident_id,
    )
    if appointment.place == Place.CENTER:
        slots = slots.filter(place=Place.CENTER)
    return render(
        request,
        "appointments/appointment_reschedule.html",
        {"appointment": appointment, "slots": slots, "days": days[:14], "day": day},
    )


@login_required
def appointment_ics(request: AuthedRequest, pk: int) -> HttpResponse:
    """Download one appointment as an .ics file (no clinical detail)."""
    appointment = _mine_or_404(request, pk)
    response = HttpResponse(ical.calendar([ical.event_for_resident(appointment)]), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.pk}.ics"'
    return response


@login_required
@require_POST
def feedback_give(request: AuthedRequest, pk: int) -> HttpResponse:
    """The resident rates a completed session."""
    appointment = _mine_or_404(request, pk)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            feedback.feedback_give(
                appointment=appointment,
                actor=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Thank you for your feedback."))
        return redirect(appointment)
    return render(
        request,
        "appointments/appointment_detail.html",
        {"appointment": appointment, "can_change": False, "feedback_form": form},
    )
