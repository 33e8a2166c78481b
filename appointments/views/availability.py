"""A counselor's weekly availability, leave and the center's holidays."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments import selectors
from appointments.forms import AvailabilityForm, ExceptionForm
from appointments.policies import is_supervisor_of
from appointments.services import availability
from appointments.views.helpers import counselor_param, staff_center_or_404
from centers.http import AuthedRequest
from centers.infra.errors import error_text, form_errors
from centers.models import Role, User
from centers.policies import has_role


@login_required
def availability_list(request: AuthedRequest) -> HttpResponse:
    """A counselor's weekly availability (a supervisor may manage any counselor's), with forms to add more."""
    center = staff_center_or_404(request)
    asked = counselor_param(request, center)
    counselor: User | None = asked
    supervisor_alone = asked.pk == request.user.pk and is_supervisor_of(request.user, center.pk)
    if supervisor_alone and not has_role(asked, Role.COUNSELOR, center_id=center.pk):
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
            availability.availability_publish(
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
def availability_end(request: AuthedRequest, pk: int) -> HttpResponse:
    """End a weekly window from today; booked sessions stay."""
    center = staff_center_or_404(request)
    window = selectors.availability_to_manage(user=request.user, center=center, pk=pk)
    if window is None:
        raise Http404
    try:
        availability.availability_end(actor=request.user, availability=window, last_day=timezone.localdate())
    except PermissionDenied as exc:
        raise Http404 from exc
    messages.success(request, _("The window ends today. Booked sessions stay; move them if needed."))
    url = reverse("appointments:availability")
    if window.counselor_id != request.user.pk:
        url += f"?counselor={window.counselor_id}"
    return redirect(url)


@login_required
@require_POST
def exception_add(request: AuthedRequest) -> HttpResponse:
    """Record leave for a counselor, or a holiday of the whole center."""
    center = staff_center_or_404(request)
    counselors = (
        selectors.counselors_of_center(center=center)
        if is_supervisor_of(request.user, center.pk)
        else User.objects.filter(pk=request.user.pk)
    )
    form = ExceptionForm(request.POST, counselors=counselors)
    if form.is_valid():
        data = form.cleaned_data
        try:
            _exception, booked = availability.availability_exception_add(
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
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    chosen = form.cleaned_data.get("counselor") if form.is_valid() else None
    url = reverse("appointments:availability")
    if chosen is not None and chosen.pk != request.user.pk:
        url += f"?counselor={chosen.pk}"
    return redirect(url)
