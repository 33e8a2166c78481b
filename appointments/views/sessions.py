"""A counselor's day and sessions: check in, complete with a note, no-show; staff cancel and move a booking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from appointments import selectors
from appointments.forms import SessionCompleteForm, SlotPickForm, parse_day
from appointments.models import Appointment, AppointmentStatus, Place
from appointments.policies import can_run_session, is_supervisor_of
from appointments.services import booking, sessions
from appointments.views.helpers import cancel_consequences, counselor_param, staff_center_or_404
from centers import hooks
from centers.audit.log import audit_page_view, audit_record
from centers.http import AuthedRequest
from centers.infra.confirm import confirmation_page, confirmed
from centers.infra.errors import error_text, form_errors


@login_required
def counselor_day(request: AuthedRequest) -> HttpResponse:
    """A counselor's day (a supervisor may look at any counselor of the center); fixed number of queries."""
    center = staff_center_or_404(request)
    counselor = counselor_param(request, center)
    day = parse_day(request.GET.get("day"))
    appointments = list(selectors.counselor_day(user=request.user, counselor=counselor, day=day))
    audit_page_view(
        actor=request.user,
        action="appointment.day_view",
        object_type="appointments.day",
        object_id=f"{counselor.pk}:{day}",
        center_id=center.pk,
        shown={"appointments": [a.pk for a in appointments]},
        detail={"rows": len(appointments)},
    )
    return render(
        request,
        "appointments/counselor_day.html",
        {
            "center": center,
            "counselor": counselor,
            "day": day,
            "prev_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "appointments": appointments,
            "counselors": selectors.counselors_of_center(center=center)
            if is_supervisor_of(request.user, center.pk)
            else None,
            "now": timezone.now(),
        },
    )


def _session_context(
    request: AuthedRequest, appointment: Appointment, form: SessionCompleteForm | None = None
) -> dict[str, Any]:
    runs = can_run_session(request.user, appointment)
    now = timezone.now()
    return {
        "a": appointment,
        "runs": runs,
        "call": selectors.number_to_call(appointment=appointment) if runs else None,
        "links": hooks.collect_list("person_links", resident=appointment.resident, user=request.user),
        "started": appointment.starts_at <= now,
        "can_complete": runs
        and appointment.starts_at <= now
        and appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN),
        "form": form or SessionCompleteForm(),
    }


@login_required
@require_GET
def session_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff who may see the booking: the session, the number to call (for its counselor and the supervisor)
    and links to the person's cases; completing it with a note once it has started."""
    appointment = selectors.appointment_for_staff(user=request.user, pk=pk)
    if appointment is None:
        raise Http404
    audit_record(actor=request.user, action="appointment.session_view", obj=appointment)
    return render(request, "appointments/session_detail.html", _session_context(request, appointment))


def _session_action(request: AuthedRequest, pk: int, action: Callable[..., Appointment], done: str) -> HttpResponse:
    appointment = selectors.appointment_for_staff(user=request.user, pk=pk)
    if appointment is None:
        raise Http404
    try:
        action(appointment=appointment, actor=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, done)
    day = timezone.localdate(appointment.starts_at)
    url = reverse("appointments:day") + f"?day={day}"
    if appointment.counselor_id != request.user.pk:
        url += f"&counselor={appointment.counselor_id}"
    return redirect(url)


@login_required
@require_POST
def session_check_in(request: AuthedRequest, pk: int) -> HttpResponse:
    """The counselor checks the person in."""
    return _session_action(request, pk, sessions.session_check_in, _("Checked in."))


@login_required
@require_POST
def session_complete(request: AuthedRequest, pk: int) -> HttpResponse:
    """The counselor completes a session that has started, with a short note; the person is asked for a rating.
    A refusal shows the session page again with the note as typed."""
    appointment = selectors.appointment_for_staff(user=request.user, pk=pk)
    if appointment is None or not can_run_session(request.user, appointment):
        raise Http404
    form = SessionCompleteForm(request.POST)
    if form.is_valid():
        try:
            sessions.session_complete(appointment=appointment, actor=request.user, note=form.cleaned_data["note"])
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Session completed."))
            return redirect("appointments:session", pk=appointment.pk)
    context = _session_context(request, appointment, form)
    return render(request, "appointments/session_detail.html", context, status=400)


@login_required
@require_POST
def session_no_show(request: AuthedRequest, pk: int) -> HttpResponse:
    """The counselor records that the person did not come."""
    return _session_action(request, pk, sessions.session_no_show, _("Recorded as a no-show."))


@login_required
@require_POST
def staff_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff cancel an appointment before it starts (the person is told), after a confirmation step."""
    appointment = selectors.appointment_for_staff(user=request.user, pk=pk)
    if appointment is None:
        raise Http404
    if not confirmed(request):
        day = timezone.localdate(appointment.starts_at)
        return confirmation_page(
            request,
            title=_("Cancel this appointment?"),
            consequences=[
                *cancel_consequences(appointment),
                _("%(name)s is told by message.") % {"name": appointment.resident.full_name},
            ],
            confirm_label=_("Yes, cancel the appointment"),
            back_url=reverse("appointments:day") + f"?day={day}",
        )
    return _session_action(request, pk, booking.appointment_cancel, _("The appointment is cancelled."))


@login_required
def staff_reschedule(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff move a booking (for instance after leave was recorded) to another free time of the same service."""
    appointment = selectors.appointment_for_staff(user=request.user, pk=pk)
    if appointment is None:
        raise Http404
    if request.method == "POST":
        form = SlotPickForm(request.POST)
        new_slot = selectors.bookable_slot(pk=form.cleaned_data["slot"]) if form.is_valid() else None
        if new_slot is None or new_slot.center_id != appointment.center_id:
            messages.error(request, _("This time does not exist. Please choose another time."))
            return redirect("appointments:staff_reschedule", pk=pk)
        try:
            moved = booking.appointment_reschedule(appointment=appointment, new_slot=new_slot, actor=request.user)
        except booking.SlotTaken:
            return render(
                request,
                "appointments/slot_taken.html",
                {
                    "slot": new_slot,
                    "alternatives": selectors.slots_nearest_free(slot=new_slot, online=False),
                    "back_url": reverse("appointments:staff_reschedule", args=[pk]),
                    "pick_url_name": "appointments:reschedule",
                },
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("appointments:staff_reschedule", pk=pk)
        messages.success(request, _("The appointment has been moved; the person is told."))
        day = timezone.localdate(moved.starts_at)
        return redirect(reverse("appointments:day") + f"?day={day}&counselor={moved.counselor_id}")
    day = parse_day(request.GET.get("day"), timezone.localdate(appointment.starts_at))
    slots = selectors.free_slots(
        center=appointment.center,
        service=appointment.service,
        station=appointment.station if appointment.place in (Place.STATION, Place.HOME) else None,
        day=day,
        online=False,
    )
    if appointment.place == Place.CENTER:
        slots = slots.filter(place=Place.CENTER)
    return render(
        request,
        "appointments/staff_reschedule.html",
        {
            "appointment": appointment,
            "slots": slots,
            "day": day,
            "prev_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
        },
    )
