"""Staff pages: a counselor's day and sessions, booking for people, availability, a station's week,
the duty roster with its coverage gaps, the waitlist, and the private calendar feed."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from centers import hooks
from centers.audit import audit_page_view, audit_record
from centers.confirm import confirmation_page, confirmed
from centers.errors import error_text, form_errors
from centers.models import Center, Membership, Role, Station, User
from centers.policies import center_ids_for, has_role, station_ids_for
from centers.selectors import DUTY_CRISIS_TEAM, duty_gaps, duty_roles_for_shift

from . import ical, selectors, services
from .forms import (
    AvailabilityForm,
    DutyShiftForm,
    ExceptionForm,
    SessionCompleteForm,
    SlotPickForm,
    SlotSearchForm,
    StaffBookForm,
    parse_day,
)
from .models import Appointment, AppointmentStatus, CalendarFeed, Place, Service, feed_token_hash
from .policies import (
    can_manage_roster,
    can_remove_shift,
    can_run_session,
    can_see_station,
    can_view_roster,
    is_supervisor_of,
    staff_can_see_appointment,
)
from .views import cancel_consequences


def _center_or_404(request: HttpRequest):
    center = selectors.staff_center(user=request.user)
    if center is None:
        raise Http404
    return center


def _counselor_param(request: HttpRequest, center) -> User:
    """The counselor a page is about: oneself, or (for a supervisor) any counselor of the center."""
    pk = request.GET.get("counselor") or request.POST.get("counselor_for")
    if pk and str(pk) != str(request.user.pk):
        if not is_supervisor_of(request.user, center.pk) or not str(pk).isdigit():
            raise Http404
        counselor = selectors.counselors_of_center(center=center).filter(pk=int(pk)).first()
        if counselor is None:
            raise Http404
        return counselor
    return request.user


@login_required
def counselor_day(request: HttpRequest) -> HttpResponse:
    """A counselor's day (a supervisor may look at any counselor of the center); fixed number of queries."""
    center = _center_or_404(request)
    counselor = _counselor_param(request, center)
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


def _session_context(request: HttpRequest, appointment, form=None) -> dict:
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
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff who may see the booking: the session, the number to call (for its counselor and the supervisor)
    and links to the person's cases; completing it with a note once it has started."""
    appointment = selectors.appointment_for_staff(user=request.user, pk=pk)
    if appointment is None:
        raise Http404
    audit_record(actor=request.user, action="appointment.session_view", obj=appointment)
    return render(request, "appointments/session_detail.html", _session_context(request, appointment))


def _session_action(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
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
def session_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    """The counselor checks the person in."""
    return _session_action(request, pk, services.session_check_in, _("Checked in."))


@login_required
@require_POST
def session_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """The counselor completes a session that has started, with a short note; the person is asked for a rating.
    A refusal shows the session page again with the note as typed."""
    appointment = selectors.appointment_for_staff(user=request.user, pk=pk)
    if appointment is None or not can_run_session(request.user, appointment):
        raise Http404
    form = SessionCompleteForm(request.POST)
    if form.is_valid():
        try:
            services.session_complete(appointment=appointment, actor=request.user, note=form.cleaned_data["note"])
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
def session_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    """The counselor records that the person did not come."""
    return _session_action(request, pk, services.session_no_show, _("Recorded as a no-show."))


@login_required
@require_POST
def staff_cancel(request: HttpRequest, pk: int) -> HttpResponse:
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
    return _session_action(request, pk, services.appointment_cancel, _("The appointment is cancelled."))


@login_required
def staff_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
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
            moved = services.appointment_reschedule(appointment=appointment, new_slot=new_slot, actor=request.user)
        except services.SlotTaken:
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


@login_required
def staff_book(request: HttpRequest) -> HttpResponse:
    """Staff: find a free time for a phone, walk-in or hotline request (no online cutoff for staff)."""
    center = _center_or_404(request)
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
def staff_book_confirm(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Staff: book the chosen time for a registered person or for someone new, recording the channel."""
    center = _center_or_404(request)
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
            appointment = services.appointment_book_by_staff(
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
        except services.SlotTaken:
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
def station_week(request: HttpRequest, station_id: int) -> HttpResponse:
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


@login_required
def stations(request: HttpRequest) -> HttpResponse:
    """Open the week of the first station the user may see (a manager's own, else the center's first)."""
    center = _center_or_404(request)
    own = station_ids_for(request.user, [Role.STATION_MANAGER, Role.COUNSELOR])
    candidates = Station.objects.filter(center=center, is_active=True).order_by("code")
    station = candidates.filter(pk__in=own).first() or candidates.first()
    if station is None or not can_see_station(request.user, station):
        raise Http404
    return redirect("appointments:station_week", station_id=station.pk)


@login_required
def availability_list(request: HttpRequest) -> HttpResponse:
    """A counselor's weekly availability (a supervisor may manage any counselor's), with forms to add more."""
    center = _center_or_404(request)
    counselor = _counselor_param(request, center)
    supervisor_alone = counselor.pk == request.user.pk and is_supervisor_of(request.user, center.pk)
    if supervisor_alone and not has_role(counselor, Role.COUNSELOR, center_id=center.pk):
        counselor = selectors.counselors_of_center(center=center).first()
    if counselor is None or not has_role(counselor, Role.COUNSELOR, center_id=center.pk):
        raise Http404
    counselors = (
        selectors.counselors_of_center(center=center)
        if is_supervisor_of(request.user, center.pk)
        else User.objects.filter(pk=request.user.pk)
    )
    form = AvailabilityForm(
        request.POST or None, center=center, counselors=counselors, initial={"counselor": counselor.pk}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.availability_publish(
                actor=request.user,
                counselor=data["counselor"],
                center=center,
                place=data["place"],
                station=data["station"],
                room=data["room"],
                weekday=data["weekday"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                gap_minutes=data["gap_minutes"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
            )
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Availability published; the free times are open for booking."))
            url = reverse("appointments:availability")
            if data["counselor"].pk != request.user.pk:
                url += f"?counselor={data['counselor'].pk}"
            return redirect(url)
    return render(
        request,
        "appointments/availability_list.html",
        {
            "center": center,
            "counselor": counselor,
            "windows": selectors.availability_for(user=request.user, counselor=counselor),
            "form": form,
            "exception_form": ExceptionForm(counselors=counselors, initial={"counselor": counselor.pk}),
            "exceptions": selectors.exceptions_ahead(center=center, counselor=counselor),
            "counselors": counselors,
        },
    )


@login_required
@require_POST
def availability_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End a weekly window from today; booked sessions stay."""
    center = _center_or_404(request)
    window = selectors.availability_to_manage(user=request.user, center=center, pk=pk)
    if window is None:
        raise Http404
    try:
        services.availability_end(actor=request.user, availability=window, last_day=timezone.localdate())
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, _("The window ends today. Booked sessions stay; move them if needed."))
    url = reverse("appointments:availability")
    if window.counselor_id != request.user.pk:
        url += f"?counselor={window.counselor_id}"
    return redirect(url)


@login_required
@require_POST
def exception_add(request: HttpRequest) -> HttpResponse:
    """Record leave for a counselor, or a holiday of the whole center."""
    center = _center_or_404(request)
    counselors = (
        selectors.counselors_of_center(center=center)
        if is_supervisor_of(request.user, center.pk)
        else User.objects.filter(pk=request.user.pk)
    )
    form = ExceptionForm(request.POST, counselors=counselors)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _exception, booked = services.availability_exception_add(
                actor=request.user,
                center=center,
                counselor=data["counselor"],
                kind=data["kind"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                note=data["note"],
            )
        except PermissionDenied:
            messages.error(request, _("Only the supervisor can record a holiday of the whole center."))
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Recorded. Free times in that span are withdrawn."))
            if booked:
                messages.warning(
                    request,
                    _("%(count)s booked appointments fall in that span; please move or cancel them.")
                    % {"count": booked},
                )
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    chosen = form.cleaned_data.get("counselor") if form.is_valid() else None
    url = reverse("appointments:availability")
    if chosen is not None and chosen.pk != request.user.pk:
        url += f"?counselor={chosen.pk}"
    return redirect(url)


def _roster_page(request: HttpRequest, center, form: DutyShiftForm | None = None, status: int = 200) -> HttpResponse:
    """The roster of the two weeks from ?start=, with the add form (a refused one keeps what was typed)."""
    start_day = parse_day(request.GET.get("start"))
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(start_day, dt.time(), tzinfo=tz)
    end = start + dt.timedelta(days=14)
    shifts = list(selectors.roster_shifts(center=center, start=start, end=end))
    days = []
    for offset in range(14):
        day = start_day + dt.timedelta(days=offset)
        day_start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
        day_end = day_start + dt.timedelta(days=1)
        days.append((day, [s for s in shifts if s.starts_at < day_end and s.ends_at > day_start]))
    held: dict[int, set[str]] = {}
    for user_id, role in Membership.objects.filter(
        center=center, user_id__in={s.user_id for s in shifts}, is_active=True
    ).values_list("user_id", "role"):
        held.setdefault(user_id, set()).add(role)
    not_counted = {  # shifts the on-duty rule ignores (planned before a role was withdrawn or the rule existed)
        s.pk
        for s in shifts
        if not s.user.is_active
        or not held.get(s.user_id, set()) & set(duty_roles_for_shift(kind=s.kind, is_crisis_team=s.is_crisis_team))
    }
    supervisor = is_supervisor_of(request.user, center.pk)
    deletable = {
        s.pk
        for s in shifts
        if s.starts_at > timezone.now()  # the shift under way stays: alerts go to it
        and can_remove_shift(request.user, s)
    }
    gap_from = max(start, timezone.now())
    gaps = selectors.coverage_gaps(center=center, start=gap_from, end=end) if supervisor else None
    crisis_gaps = duty_gaps(center=center, duty=DUTY_CRISIS_TEAM, start=gap_from, end=end) if supervisor else None
    if form is None and (
        can_manage_roster(request.user, center.pk) or has_role(request.user, Role.STATION_MANAGER, center_id=center.pk)
    ):
        form = DutyShiftForm(center=center, staff=_roster_staff(center))
    return render(
        request,
        "appointments/roster.html",
        {
            "center": center,
            "days": days,
            "gaps": gaps,
            "crisis_gaps": crisis_gaps,
            "form": form,
            "start_day": start_day,
            "can_manage": can_manage_roster(request.user, center.pk),
            "deletable": deletable,
            "not_counted": not_counted,
        },
        status=status,
    )


def _roster_staff(center):
    """Whom the add form offers: the center's staff; the service refuses those the on-duty rule would not count."""
    return (
        User.objects.filter(memberships__center=center, memberships__is_active=True).distinct().order_by("display_name")
    )


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    """The duty roster of the coming two weeks, with gaps in the 24-hour coverage shown to the supervisor."""
    center = _center_or_404(request)
    if not can_view_roster(request.user, center.pk):
        raise Http404
    return _roster_page(request, center)


@login_required
@require_POST
def roster_add(request: HttpRequest) -> HttpResponse:
    """Add a duty shift (supervisor: any; station manager: on-site duty at their station)."""
    center = _center_or_404(request)
    if not can_view_roster(request.user, center.pk):
        raise Http404
    form = DutyShiftForm(request.POST, center=center, staff=_roster_staff(center))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.duty_shift_create(
                actor=request.user,
                center=center,
                kind=data["kind"],
                user=data["user"],
                station=data["station"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                is_crisis_team=data["is_crisis_team"],
            )
        except PermissionDenied:
            form.add_error(None, _("You may not plan this duty."))
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Shift added."))
            return redirect("appointments:roster")
    # The form is far down a long page: the reason is said at the top as well.
    reasons = " ".join(str(error) for errors in form.errors.values() for error in errors)
    messages.error(request, _("The shift was not added: %(reasons)s") % {"reasons": reasons})
    return _roster_page(request, center, form=form, status=400)


@login_required
@require_POST
def roster_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a shift that has not ended."""
    shift = selectors.duty_shift_for_staff(user=request.user, pk=pk)
    if shift is None or not can_remove_shift(request.user, shift):
        raise Http404  # seeing the roster is not planning it
    if not confirmed(request):
        start, end = timezone.localtime(shift.starts_at), timezone.localtime(shift.ends_at)
        return confirmation_page(
            request,
            title=_("Remove this shift?"),
            consequences=[
                _("%(who)s is no longer on duty (%(kind)s) from %(start)s to %(end)s.")
                % {
                    "who": shift.user.get_full_name() or shift.user.get_username(),
                    "kind": shift.get_kind_display(),
                    "start": f"{start:%Y-%m-%d %H:%M}",
                    "end": f"{end:%H:%M}",
                },
                _("Check that someone else covers this time before you remove it."),
            ],
            confirm_label=_("Yes, remove the shift"),
            back_url=reverse("appointments:roster"),
        )
    try:
        services.duty_shift_delete(actor=request.user, shift=shift)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Shift removed."))
    return redirect("appointments:roster")


@login_required
def waitlist_staff(request: HttpRequest) -> HttpResponse:
    """The center's waitlist in the order times are offered; staff mark priority."""
    center = _center_or_404(request)
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
def waitlist_priority(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark or unmark a waiting person as priority."""
    entry = selectors.waitlist_entry_for_staff(user=request.user, pk=pk)
    if entry is None:
        raise Http404
    try:
        services.waitlist_set_priority(actor=request.user, entry=entry, is_priority=request.POST.get("priority") == "1")
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, _("Waitlist updated."))
    return redirect("appointments:waitlist_staff")


@login_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """A counselor's private calendar address, shown once when it is made; making a new one ends the old."""
    if not has_role(request.user, Role.COUNSELOR):
        raise Http404
    if request.method == "POST":
        feed = services.calendar_feed_revoke(user=request.user)
        messages.success(request, _("A new calendar address has been made; the old one no longer works."))
    else:
        feed = services.calendar_feed_ensure(user=request.user)
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
