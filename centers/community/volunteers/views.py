"""Pages about volunteers: their own record, and the staff pages that register them and give them tasks."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centers.audit.log import audit_record
from centers.community import selectors as sel
from centers.community.forms import TrainingRecordForm, VolunteerForm, VolunteerTaskForm
from centers.community.models import VolunteerTask
from centers.community.pages import center_or_404, scope_or_404
from centers.community.policies import volunteer_is_cleared, volunteer_scope
from centers.community.training import services as training_services
from centers.community.volunteers import services as volunteer_services
from centers.http import AuthedRequest
from centers.infra.errors import error_text, form_errors
from centers.models import Membership, Role
from centers.policies import has_role


@login_required
def my_duties(request: AuthedRequest) -> HttpResponse:
    """Volunteers: tasks to come, tasks done, training and hours."""
    if not has_role(request.user, Role.VOLUNTEER):
        raise Http404
    return render(request, "centers/community/my_duties.html", sel.volunteer_duty_record(user=request.user))


@login_required
def volunteer_list(request: AuthedRequest) -> HttpResponse:
    """Supervisors and station managers: volunteers, and whether their training is current."""
    scope_or_404(volunteer_scope(request.user))
    return render(
        request,
        "centers/community/volunteer_list.html",
        {"volunteers": sel.volunteers_for_staff(user=request.user), "today": timezone.localdate()},
    )


@login_required
def volunteer_register(request: AuthedRequest) -> HttpResponse:
    """Supervisors and station managers: register a volunteer (they set a password with "Forgot password")."""
    scope = scope_or_404(volunteer_scope(request.user))
    form = VolunteerForm(
        request.POST or None, stations=sel.stations_in_scope(scope=scope), allow_center=scope.allows_center
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = volunteer_services.volunteer_register(
                actor=request.user,
                center=center_or_404(scope, data["station"]),
                station=data["station"],
                display_name=data["display_name"],
                email=data["email"],
                phone=data["phone"],
                last_name=data["last_name"],
                first_name=data["first_name"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            membership = user.memberships.get(role=Role.VOLUNTEER)
            messages.success(request, _("Volunteer registered. Record their training before giving them tasks."))
            return redirect("centers:volunteer_detail", pk=membership.pk)
    return render(request, "centers/community/staff_form.html", {"form": form, "title": _("Register a volunteer")})


def _volunteer(request: AuthedRequest, pk: int) -> Membership:
    membership = sel.volunteer_for_staff(user=request.user, pk=pk)
    if membership is None:
        raise Http404
    return membership


def _volunteer_page(
    request: AuthedRequest,
    membership: Membership,
    *,
    training_form: TrainingRecordForm | None = None,
    task_form: VolunteerTaskForm | None = None,
    status: int = 200,
) -> HttpResponse:
    scope = volunteer_scope(request.user)
    audit_record(actor=request.user, action="volunteer.view", obj=membership, detail={"user": membership.user_id})
    return render(
        request,
        "centers/community/volunteer_detail.html",
        {
            "membership": membership,
            "volunteer": membership.user,
            "cleared": volunteer_is_cleared(membership.user, center=membership.center),
            "records": sel.training_records_for(membership=membership),
            "tasks": sel.volunteer_tasks_for(membership=membership),
            "hours": sel.volunteer_hours(volunteer=membership.user),
            "training_form": training_form or TrainingRecordForm(),
            "task_form": task_form
            or VolunteerTaskForm(
                stations=sel.stations_in_scope(scope=scope),
                allow_center=scope.allows_center,
                initial={"station": membership.station_id},
            ),
        },
        status=status,
    )


@login_required
def volunteer_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """Supervisors and station managers: one volunteer's training, tasks and hours."""
    return _volunteer_page(request, _volunteer(request, pk))


@login_required
@require_POST
def volunteer_training_add(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record a completed course (a renewal clears the volunteer again)."""
    membership = _volunteer(request, pk)
    form = TrainingRecordForm(request.POST)
    if form.is_valid():
        try:
            training_services.training_record_add(
                actor=request.user, center=membership.center, user=membership.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Training recorded."))
            return redirect("centers:volunteer_detail", pk=pk)
    return _volunteer_page(request, membership, training_form=form, status=400)


@login_required
@require_POST
def volunteer_task_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    """Give a volunteer a task; refused while their training is not current."""
    membership = _volunteer(request, pk)
    scope = volunteer_scope(request.user)
    form = VolunteerTaskForm(
        request.POST, stations=sel.stations_in_scope(scope=scope), allow_center=scope.allows_center
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            volunteer_services.volunteer_task_assign(
                actor=request.user,
                volunteer=membership.user,
                center=membership.center,
                station=data["station"],
                kind=data["kind"],
                title=data["title"],
                due_at=data["due_at"],
                hours=data["hours"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Task assigned."))
            return redirect("centers:volunteer_detail", pk=pk)
    return _volunteer_page(request, membership, task_form=form, status=400)


def _task(request: AuthedRequest, pk: int) -> tuple[VolunteerTask, Membership]:
    """A task of a volunteer the user manages, and that volunteer's membership (the page to go back to)."""
    task = sel.volunteer_task_for_staff(user=request.user, pk=pk)
    membership = sel.volunteers_for_staff(user=request.user).filter(user_id=task.volunteer_id).first() if task else None
    if task is None or membership is None:
        raise Http404
    return task, membership


@login_required
@require_POST
def volunteer_task_done(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark a task done: its hours count."""
    task, membership = _task(request, pk)
    try:
        volunteer_services.volunteer_task_complete(actor=request.user, task=task)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Task marked done; its hours are counted."))
    return redirect("centers:volunteer_detail", pk=membership.pk)


@login_required
@require_POST
def volunteer_task_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    """Withdraw an assigned task."""
    task, membership = _task(request, pk)
    try:
        volunteer_services.volunteer_task_cancel(actor=request.user, task=task)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Task withdrawn."))
    return redirect("centers:volunteer_detail", pk=membership.pk)
