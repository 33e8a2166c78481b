"""Staff management for a center's supervisor: who works here, in which role, and new accounts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centers.accounts.security import sign_in_paused_since, sign_in_unlock
from centers.http import AuthedRequest
from centers.infra.errors import form_errors
from centers.models import Role
from centers.selectors import staff_membership_for_manager, staff_memberships_of_center, supervised_center
from centers.services import membership_revoke, staff_account_create
from centers.staff.forms import StaffAccountForm


def _center_or_404(request: HttpRequest):
    center = supervised_center(user=request.user)
    if center is None:
        raise Http404
    return center


@login_required
def staff_list(request: AuthedRequest) -> HttpResponse:
    """Supervisors: everyone with a role in their center, and whose sign-in is paused after wrong passwords."""
    center = _center_or_404(request)
    memberships = list(staff_memberships_of_center(user=request.user, center=center))
    paused = sign_in_paused_since({m.user_id for m in memberships})
    rows = [(m, paused.get(m.user_id)) for m in memberships]  # each role, and since when sign-in is paused
    return render(request, "centers/staff_list.html", {"center": center, "rows": rows})


@login_required
def staff_create(request: AuthedRequest) -> HttpResponse:
    """Supervisors: create a staff account with its first role; the person sets a password by reset link."""
    center = _center_or_404(request)
    form = StaffAccountForm(request.POST if request.method == "POST" else None, center=center)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = staff_account_create(
                actor=request.user,
                center=center,
                role=data["role"],
                email=data["email"],
                display_name=data["display_name"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                phone=data["phone"],
                station=data["station"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Account created for %(name)s. They set their password with “Forgot password” on the sign-in page.")
                % {"name": user.display_name},
            )
            return redirect("centers:staff_list")
    return render(request, "centers/staff_form.html", {"form": form, "center": center})


@login_required
@require_POST
def staff_unlock(request: AuthedRequest, pk: int) -> HttpResponse:
    """Supervisors: lift the sign-in pause of a person of their center (from every address)."""
    membership = staff_membership_for_manager(user=request.user, pk=pk)  # a role in a center the user supervises
    if membership is None:
        raise Http404
    sign_in_unlock(actor=request.user, user=membership.user, center_id=membership.center_id)
    messages.success(request, _("%(name)s can sign in again.") % {"name": membership.user})
    return redirect("centers:staff_list")


@login_required
@require_POST
def staff_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    """Supervisors: withdraw one role from a person of their center."""
    membership = staff_membership_for_manager(user=request.user, pk=pk)  # a role in a center the user supervises
    if membership is None:
        raise Http404
    if membership.user_id == request.user.pk and membership.role == Role.SUPERVISOR:
        messages.error(request, _("You cannot withdraw your own supervisor role."))
        return redirect("centers:staff_list")
    membership_revoke(actor=request.user, membership=membership)
    messages.success(request, _("Role withdrawn."))
    return redirect("centers:staff_list")
