"""The duty roster of a center, with the gaps in its 24-hour coverage (the model and its services live in
centers.roster; the pages stay with the other staff pages)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from appointments.forms import DutyShiftForm, parse_day
from appointments.policies import is_supervisor_of
from appointments.views.helpers import staff_center_or_404
from centers.http import AuthedRequest
from centers.infra.confirm import confirmation_page, confirmed
from centers.infra.errors import error_text, form_errors
from centers.messaging.selectors import reachable_on_the_phone
from centers.models import Center, Membership, Role, User
from centers.policies import has_role
from centers.roster.policies import can_manage_roster, can_remove_shift, can_view_roster
from centers.roster.selectors import coverage_gaps, duty_shift_for_staff, roster_shifts
from centers.roster.services import duty_shift_create, duty_shift_delete
from centers.selectors import DUTY_CRISIS_TEAM, duty_gaps, duty_roles_for_shift


def _roster_page(
    request: AuthedRequest, center: Center, form: DutyShiftForm | None = None, status: int = 200
) -> HttpResponse:
    """The roster of the two weeks from ?start=, with the add form (a refused one keeps what was typed)."""
    start_day = parse_day(request.GET.get("start"))
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(start_day, dt.time(), tzinfo=tz)
    end = start + dt.timedelta(days=14)
    shifts = list(roster_shifts(center=center, start=start, end=end))
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
    # Coming shifts of people an alert cannot reach on the phone (no confirmed mobile number): the roster warns.
    unreachable = {
        s.pk
        for s in shifts
        if s.ends_at > timezone.now() and s.pk not in not_counted and not reachable_on_the_phone(user=s.user)
    }
    supervisor = is_supervisor_of(request.user, center.pk)
    deletable = {
        s.pk
        for s in shifts
        if s.starts_at > timezone.now()  # the shift under way stays: alerts go to it
        and can_remove_shift(request.user, s)
    }
    gap_from = max(start, timezone.now())
    gaps = coverage_gaps(center=center, start=gap_from, end=end) if supervisor else None
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
            "unreachable": unreachable,
        },
        status=status,
    )


def _roster_staff(center: Center) -> QuerySet[User]:
    """Whom the add form offers: the center's staff; the service refuses those the on-duty rule would not count."""
    return (
        User.objects.filter(memberships__center=center, memberships__is_active=True).distinct().order_by("display_name")
    )


@login_required
def roster(request: AuthedRequest) -> HttpResponse:
    """The duty roster of the coming two weeks, with gaps in the 24-hour coverage shown to the supervisor."""
    center = staff_center_or_404(request)
    if not can_view_roster(request.user, center.pk):
        raise Http404
    return _roster_page(request, center)


@login_required
@require_POST
def roster_add(request: AuthedRequest) -> HttpResponse:
    """Add a duty shift (supervisor: any; station manager: on-site duty at their station)."""
    center = staff_center_or_404(request)
    if not can_view_roster(request.user, center.pk):
        raise Http404
    form = DutyShiftForm(request.POST, center=center, staff=_roster_staff(center))
    if form.is_valid():
        data = form.cleaned_data
        try:
            duty_shift_create(
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
def roster_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    """Remove a shift that has not ended."""
    shift = duty_shift_for_staff(user=request.user, pk=pk)
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
        duty_shift_delete(actor=request.user, shift=shift)
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Shift removed."))
    return redirect("appointments:roster")
