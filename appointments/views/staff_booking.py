"""Staff booking for people (phone, walk-in, hotline) and a station's week."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import selectors
from appointments.forms import SlotSearchForm, StaffBookForm, parse_day
from appointments.models import Service
from appointments.policies import can_see_station, staff_can_see_appointment
from appointments.services import booking
from appointments.views.helpers import staff_center_or_404
from centers.audit.log import audit_page_view
from centers.http import AuthedRequest
from centers.infra.errors import error_text
from centers.models import Center, Role, Station
from centers.policies import center_ids_for, station_ids_for


@login_required
def staff_book(request: AuthedRequest) -> HttpResponse:
    """Staff: find a free time for a phone, walk-in or hotline request (no online cutoff for staff)."""
    center = staff_center_or_404(request)
    centers = [center]
    form = SlotSearchForm(request.GET or None, centers=Center.objects.filter(pk=center.pk).prefetch_related("stations"))
    slots = None
    day = None
    if form.is_bound and form.is_valid() and form.cleaned_data["center"]:
        data = form.cleaned_data
        day = data["day"] or timezone.localdate()
        slots = list(
            selectors.free_slots(
                center=data["center"], service=data["service"], station=data["station"], day=day, online=False
            )
        )
    return render(
        request, "appointments/staff_book.html", {"form": form, "slots": slots, "day": day, "centers": centers}
    )


@login_required
def staff_book_confirm(request: AuthedRequest, slot_id: int) -> HttpResponse:
    """Staff: book the chosen time for a registered person or for someone new, recording the channel."""
    center = staff_center_or_404(request)
    slot = selectors.bookable_slot(pk=slot_id)
    if slot is None or slot.center_id not in center_ids_for(request.user):
        messages.error(request, _("This time does not exist. Please choose another time."))
        return redirect("appointments:staff_book")
    query = request.GET.get("q", "")
    if query.strip() and not selectors.resident_query_usable(query):
        messages.info(request, _("Type at least two characters of the name, or the whole mobile number."))
    shown = (
        list(selectors.residents_for_staff(user=request.user, center=slot.center, query=query)[:50])
        if query.strip()
        else []
    )
    form = StaffBookForm(
        request.POST if request.method == "POST" else None,
        residents=selectors.residents_for_staff(user=request.user, center=slot.center),
        shown=shown,
        needs_address=slot.service == Service.HOME_VISIT,
    )
    if request.method == "GET":
        audit_page_view(
            actor=request.user,
            action="resident.search",
            object_type="centers.resident",
            center_id=slot.center_id,
            shown={"residents": [r.pk for r in shown]},
            detail={"query_given": bool(query)},
        )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = booking.appointment_book_by_staff(
                slot=slot,
                actor=request.user,
                channel=data["channel"],
                resident=data["resident"],
                new_name=data["new_name"],
                new_phone=data["new_phone"],
                reason=data["reason"],
                visit_address=data.get("visit_address", ""),
                create_anyway=data["create_anyway"],
            )
        except booking.SlotTaken:
            alternatives = selectors.slots_nearest_free(slot=slot, online=False)
            return render(
                request,
                "appointments/slot_taken.html",
                {
                    "slot": slot,
                    "alternatives": alternatives,
                    "back_url": reverse("appointments:staff_book"),
                    "pick_url_name": "appointments:staff_book_confirm",
                },
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    target = {"full_name": "new_name", "phone": "new_phone"}.get(field, field)
                    form.add_error(target if target in form.fields else None, errors)
            else:
                messages.error(request, error_text(exc))
        else:
            messages.success(
                request,
                _("Booked for %(name)s: %(when)s.")
                % {
                    "name": appointment.resident.full_name,
                    "when": timezone.localtime(appointment.starts_at).strftime("%Y-%m-%d %H:%M"),
                },
            )
            # The session's page: every booking role may open it (a station manager cannot open a counselor's day).
            return redirect("appointments:session", pk=appointment.pk)
    return render(
        request, "appointments/staff_book_confirm.html", {"slot": slot, "form": form, "query": query, "center": center}
    )


@login_required
def stations(request: AuthedRequest) -> HttpResponse:
    """Open the week of the first station the user may see (a manager's own, else the center's first)."""
    center = staff_center_or_404(request)
    own = station_ids_for(request.user, [Role.STATION_MANAGER, Role.COUNSELOR])
    candidates = Station.objects.filter(center=center, is_active=True).order_by("code")
    station = candidates.filter(pk__in=own).first() or candidates.first()
    if station is None or not can_see_station(request.user, station):
        raise Http404
    return redirect("appointments:station_week", station_id=station.pk)


@login_required
def station_week(request: AuthedRequest, station_id: int) -> HttpResponse:
    """A station's week: every slot with its booking, in a fixed number of queries."""
    station = (
        Station.objects.filter(pk=station_id, center_id__in=center_ids_for(request.user))
        .select_related("center")
        .first()
    )
    if station is None:
        raise Http404
    start = parse_day(request.GET.get("week"))
    start -= dt.timedelta(days=start.weekday())
    if not can_see_station(request.user, station):
        raise Http404
    slots = list(selectors.station_week(user=request.user, station=station, week_start=start))
    for slot in slots:  # who booked: only on the appointments the viewer may open (their station's, their own)
        for appointment in slot.active_appointments:
            appointment.shown_to_viewer = staff_can_see_appointment(request.user, appointment)
    days = []
    for offset in range(7):
        day = start + dt.timedelta(days=offset)
        days.append((day, [s for s in slots if timezone.localdate(s.starts_at) == day]))
    audit_page_view(
        actor=request.user,
        action="appointment.station_week_view",
        object_type="centers.station",
        object_id=station.pk,
        center_id=station.center_id,
        station_id=station.pk,
        shown={"slots": [s.pk for s in slots]},
    )
    return render(
        request,
        "appointments/station_week.html",
        {
            "station": station,
            "days": days,
            "week_start": start,
            "prev_week": start - dt.timedelta(days=7),
            "next_week": start + dt.timedelta(days=7),
            "stations": Station.objects.filter(center=station.center, is_active=True),
        },
    )
