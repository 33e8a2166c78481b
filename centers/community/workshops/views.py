"""Pages about workshops and lectures: the public list, and the staff pages that run them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centers.audit.log import audit_record
from centers.community import selectors as sel
from centers.community.forms import (
    AttendanceForm,
    CapacityForm,
    DutyAssignForm,
    RegisterForm,
    StaffRegisterForm,
    WorkshopForm,
)
from centers.community.models import RegistrationStatus
from centers.community.pages import center_or_404, scope_or_404, staff_workshop_or_404
from centers.community.policies import workshop_scope
from centers.community.workshops import services as workshop_services
from centers.http import AuthedRequest
from centers.infra.errors import error_text, form_errors
from centers.models import Station, User
from centers.policies import resident_of


def workshop_list(request: HttpRequest) -> HttpResponse:
    """Anyone: upcoming workshops and lectures, with places left; filter by station."""
    stations = Station.objects.filter(is_active=True, workshops__isnull=False).distinct().order_by("center_id", "code")
    station = None
    if request.GET.get("station", "").isdigit():
        station = Station.objects.filter(pk=int(request.GET["station"]), is_active=True).first()
    resident = resident_of(request.user)
    workshops = sel.workshop_list_public(center=resident.center if resident else None, station=station)
    return render(
        request,
        "centers/community/workshop_list.html",
        {"workshops": workshops, "stations": stations, "station": station},
    )


def workshop_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone: one workshop; a signed-in resident sees the registration form."""
    workshop = sel.workshop_public_get(pk=pk)
    if workshop is None:
        raise Http404
    registrants = sel.registrants_for_user(user=request.user)
    form = RegisterForm(registrants=registrants) if registrants else None
    mine = sel.registrations_for_user_at(user=request.user, workshop=workshop)
    return render(
        request,
        "centers/community/workshop_detail.html",
        {"workshop": workshop, "form": form, "mine": mine},
    )


@login_required
def staff_workshop_list(request: AuthedRequest) -> HttpResponse:
    """Staff who run workshops: upcoming and past ones of their stations."""
    scope_or_404(workshop_scope(request.user))
    return render(
        request,
        "centers/community/staff_workshop_list.html",
        {
            "upcoming": sel.workshops_for_staff(user=request.user),
            "past": sel.workshops_for_staff(user=request.user, past=True)[:30],
        },
    )


@login_required
def staff_workshop_create(request: AuthedRequest) -> HttpResponse:
    """Staff: announce a workshop or lecture at a station they run (or the center)."""
    scope = scope_or_404(workshop_scope(request.user))
    form = WorkshopForm(
        request.POST or None, stations=sel.stations_in_scope(scope=scope), allow_center=scope.allows_center
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            workshop = workshop_services.workshop_create(
                actor=request.user,
                center=center_or_404(scope, data["station"]),
                station=data["station"],
                kind=data["kind"],
                title=data["title"],
                description=data["description"],
                place=data["place"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                capacity=data["capacity"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("Workshop announced; residents can register now."))
            return redirect("centers:staff_workshop_detail", pk=workshop.pk)
    return render(request, "centers/community/staff_form.html", {"form": form, "title": _("New workshop")})


@login_required
def staff_workshop_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff: who registered, the waiting list, volunteers on duty, places."""
    workshop = staff_workshop_or_404(request, pk)
    registrations = list(sel.workshop_registrations(workshop=workshop))
    audit_record(actor=request.user, action="workshop.registrations_view", obj=workshop)
    volunteers = sel.volunteers_for_staff(user=request.user).filter(center_id=workshop.center_id)
    return render(
        request,
        "centers/community/staff_workshop_detail.html",
        {
            "workshop": workshop,
            "confirmed": [r for r in registrations if r.status == RegistrationStatus.CONFIRMED],
            "waitlisted": [r for r in registrations if r.status == RegistrationStatus.WAITLISTED],
            "duties": sel.workshop_duties(workshop=workshop),
            "capacity_form": CapacityForm(initial={"capacity": workshop.capacity}),
            "register_form": StaffRegisterForm(),
            "duty_form": DutyAssignForm(
                volunteers=User.objects.filter(pk__in=volunteers.values("user_id")).order_by("display_name")
            ),
        },
    )


@login_required
@require_POST
def staff_workshop_capacity(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff: change the number of places; extra places go to the waiting list first."""
    workshop = staff_workshop_or_404(request, pk)
    form = CapacityForm(request.POST)
    if form.is_valid():
        try:
            workshop_services.workshop_capacity_change(
                actor=request.user, workshop=workshop, capacity=form.cleaned_data["capacity"]
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Places updated."))
    else:
        messages.error(request, _("Enter a number of places between 1 and 500."))
    return redirect("centers:staff_workshop_detail", pk=pk)


@login_required
@require_POST
def staff_workshop_duty(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff: give a volunteer a duty at the workshop (only if their training is current)."""
    workshop = staff_workshop_or_404(request, pk)
    volunteers = sel.volunteers_for_staff(user=request.user).filter(center_id=workshop.center_id)
    form = DutyAssignForm(request.POST, volunteers=User.objects.filter(pk__in=volunteers.values("user_id")))
    if form.is_valid():
        try:
            workshop_services.workshop_duty_assign(
                actor=request.user, workshop=workshop, volunteer=form.cleaned_data["volunteer"]
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        except PermissionDenied:
            messages.error(request, _("You do not manage this volunteer."))
        else:
            messages.success(request, _("Duty assigned."))
    else:
        messages.error(request, _("Choose a volunteer."))
    return redirect("centers:staff_workshop_detail", pk=pk)


@login_required
@require_POST
def staff_workshop_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff: call off a workshop; everyone registered is told."""
    workshop = staff_workshop_or_404(request, pk)
    try:
        workshop_services.workshop_cancel(actor=request.user, workshop=workshop)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Workshop cancelled; everyone registered is being told by SMS."))
    return redirect("centers:staff_workshop_detail", pk=pk)


@login_required
def staff_workshop_attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff: tick who came once the workshop has started; attendance counts as person-times served."""
    workshop = staff_workshop_or_404(request, pk)
    registrations = [
        r for r in sel.workshop_registrations(workshop=workshop) if r.status == RegistrationStatus.CONFIRMED
    ]
    duties = list(sel.workshop_duties(workshop=workshop))
    initial = {
        "attended": [r.pk for r in registrations if r.attendance == "attended"],
        "duties_done": [d.pk for d in duties if d.status == "done"],
    }
    form = AttendanceForm(request.POST or None, registrations=registrations, duties=duties, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            workshop_services.workshop_attendance_record(
                actor=request.user,
                workshop=workshop,
                attended_ids=form.cleaned_data["attended"],
                duty_done_ids=form.cleaned_data["duties_done"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Attendance saved: %(count)s attended.") % {"count": len(form.cleaned_data["attended"])},
            )
            return redirect("centers:staff_workshop_detail", pk=pk)
    else:
        audit_record(actor=request.user, action="workshop.registrations_view", obj=workshop)
    return render(
        request,
        "centers/community/staff_workshop_attendance.html",
        {"workshop": workshop, "form": form, "registrations": registrations, "duties": duties},
    )
