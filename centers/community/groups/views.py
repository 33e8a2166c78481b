"""Pages about service groups: who is in them and the work they hold."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centers.audit.log import audit_record
from centers.community import selectors as sel
from centers.community.forms import GroupMembersForm, ServiceGroupForm
from centers.community.groups import services as group_services
from centers.community.pages import center_or_404, scope_or_404
from centers.community.policies import CommunityScope, can_manage_groups, group_scope
from centers.http import AuthedRequest
from centers.infra.errors import error_text, form_errors
from centers.models import ServiceGroup, Station


@login_required
def group_list(request: AuthedRequest) -> HttpResponse:
    """Supervisors (all), station managers and counselors (their station's): the service groups."""
    scope = scope_or_404(group_scope(request.user))
    return render(
        request,
        "centers/community/group_list.html",
        {
            "groups": sel.groups_for_staff(user=request.user),
            "dissolved": sel.groups_for_staff(user=request.user, active=False)[:20],
            "can_create": bool(scope.center_ids),
        },
    )


@login_required
def group_create(request: AuthedRequest) -> HttpResponse:
    """Supervisors: form a group for a station and a need."""
    scope = group_scope(request.user)
    if not scope.center_ids:
        raise Http404
    center = center_or_404(CommunityScope(center_ids=scope.center_ids), None)
    form = ServiceGroupForm(
        request.POST or None,
        stations=Station.objects.filter(center=center, is_active=True),
        candidates=sel.group_member_candidates(center=center),
    )
    if request.method == "POST" and form.is_valid():
        try:
            group = group_services.service_group_create(actor=request.user, center=center, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Service group formed."))
            return redirect("centers:group_detail", pk=group.pk)
    return render(request, "centers/community/staff_form.html", {"form": form, "title": _("New service group")})


def _group(request: AuthedRequest, pk: int) -> ServiceGroup:
    group = sel.group_for_staff(user=request.user, pk=pk)
    if group is None:
        raise Http404
    return group


@login_required
def group_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The group's members, caseload and what is due."""
    group = _group(request, pk)
    manage = can_manage_groups(request.user, group.center_id) and group.is_active
    members_form = (
        GroupMembersForm(
            candidates=sel.group_member_candidates(center=group.center), initial={"members": group.members.all()}
        )
        if manage
        else None
    )
    audit_record(actor=request.user, action="service_group.view", obj=group)
    return render(
        request,
        "centers/community/group_detail.html",
        {"group": group, "open_work": sel.group_open_work(group=group), "manage": manage, "members_form": members_form},
    )


@login_required
@require_POST
def group_members(request: AuthedRequest, pk: int) -> HttpResponse:
    """Supervisors: change who is in the group."""
    group = _group(request, pk)
    if not can_manage_groups(request.user, group.center_id):
        raise Http404
    form = GroupMembersForm(request.POST, candidates=sel.group_member_candidates(center=group.center))
    if form.is_valid():
        try:
            group_services.service_group_members_set(
                actor=request.user, group=group, members=form.cleaned_data["members"]
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Members updated."))
    else:
        messages.error(request, _("Choose counselors and volunteers of this center."))
    return redirect("centers:group_detail", pk=pk)


@login_required
@require_POST
def group_dissolve(request: AuthedRequest, pk: int) -> HttpResponse:
    """Supervisors: dissolve a group once its open work has been handed over."""
    group = _group(request, pk)
    if not can_manage_groups(request.user, group.center_id):
        raise Http404
    try:
        group_services.service_group_dissolve(actor=request.user, group=group)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("centers:group_detail", pk=pk)
    messages.success(request, _("The group is dissolved."))
    return redirect("centers:group_list")
