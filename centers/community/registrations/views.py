"""Pages about places at workshops: a resident registers or cancels, staff do it for a caller."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centers.community import selectors as sel
from centers.community.forms import RegisterForm, StaffRegisterForm
from centers.community.models import RegistrationStatus
from centers.community.pages import staff_workshop_or_404
from centers.community.registrations import services as registration_services
from centers.http import AuthedRequest
from centers.infra.errors import error_text, form_errors
from centers.policies import resident_of


@login_required
@require_POST
def workshop_register(request: AuthedRequest, pk: int) -> HttpResponse:
    """Residents: take a place (or a place on the waiting list) for themselves or a child."""
    workshop = sel.workshop_public_get(pk=pk)
    registrants = sel.registrants_for_user(user=request.user)
    if workshop is None or not registrants:
        raise Http404
    form = RegisterForm(request.POST, registrants=registrants)
    if form.is_valid():
        try:
            registration = registration_services.workshop_register(
                workshop=workshop,
                resident=form.cleaned_data["resident"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            if registration.status == RegistrationStatus.CONFIRMED:
                messages.success(request, _("Your place is confirmed. We look forward to seeing you."))
            else:
                messages.info(
                    request,
                    _(
                        "The workshop is full. You are number %(position)s on the waiting list; we will text you if a place frees up."
                    )
                    % {"position": sel.waitlist_position(registration)},
                )
            return redirect("centers:my_workshops")
    mine = sel.registrations_for_user_at(user=request.user, workshop=workshop)
    return render(
        request,
        "centers/community/workshop_detail.html",
        {"workshop": workshop, "form": form, "mine": mine},
        status=400,
    )


@login_required
def my_workshops(request: AuthedRequest) -> HttpResponse:
    """Residents: the workshops they and their children registered for."""
    if resident_of(request.user) is None:
        raise Http404
    registrations = sel.with_waitlist_positions(list(sel.registrations_for_user(user=request.user)))
    return render(request, "centers/community/my_workshops.html", {"registrations": registrations})


@login_required
@require_POST
def registration_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    """Residents: give up a place or leave the waiting list."""
    registration = sel.registration_for_user(user=request.user, pk=pk)
    if registration is None:
        raise Http404
    try:
        registration_services.workshop_registration_cancel(registration=registration, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect("centers:my_workshops")


@login_required
@require_POST
def staff_workshop_register(request: AuthedRequest, pk: int) -> HttpResponse:
    """Staff: register a resident who phoned or walked in, found by mobile number."""
    workshop = staff_workshop_or_404(request, pk)
    form = StaffRegisterForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(message) for message in form.errors["phone"]))
        return redirect("centers:staff_workshop_detail", pk=pk)
    resident = sel.resident_by_phone_for_workshop(workshop=workshop, phone=form.cleaned_data["phone"])
    if resident is None:
        messages.error(request, _("No resident of this center has that mobile number. Register them first."))
        return redirect("centers:staff_workshop_detail", pk=pk)
    try:
        registration = registration_services.workshop_register(workshop=workshop, resident=resident, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s.") % {"name": resident.full_name, "status": registration.get_status_display()},
        )
    return redirect("centers:staff_workshop_detail", pk=pk)


@login_required
@require_POST
def staff_registration_cancel(request: AuthedRequest, pk: int, registration_pk: int) -> HttpResponse:
    """Staff: cancel a registration for a resident who called to say they cannot come."""
    workshop = staff_workshop_or_404(request, pk)
    registration = sel.workshop_registrations(workshop=workshop).filter(pk=registration_pk).first()
    if registration is None:
        raise Http404
    try:
        registration_services.workshop_registration_cancel(registration=registration, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Registration of %(name)s cancelled.") % {"name": registration.resident.full_name})
    return redirect("centers:staff_workshop_detail", pk=pk)
