"""Pages about the trainings run for staff and volunteers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.community import selectors as sel
from centers.community.forms import TrainingAttendanceForm, TrainingSessionForm
from centers.community.pages import center_or_404, scope_or_404
from centers.community.policies import volunteer_scope
from centers.community.training import services as training_services
from centers.http import AuthedRequest
from centers.infra.errors import form_errors


@login_required
def training_list(request: AuthedRequest) -> HttpResponse:
    """Supervisors and station managers: the trainings run for staff and volunteers."""
    scope_or_404(volunteer_scope(request.user))
    return render(
        request,
        "centers/community/training_list.html",
        {"sessions": sel.training_sessions_for_staff(user=request.user)},
    )


@login_required
def training_create(request: AuthedRequest) -> HttpResponse:
    """Schedule a training (date, topic, trainer, hours; a certificate if it gives one)."""
    scope = scope_or_404(volunteer_scope(request.user))
    form = TrainingSessionForm(
        request.POST or None, stations=sel.stations_in_scope(scope=scope), allow_center=scope.allows_center
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = training_services.training_session_create(
                actor=request.user, center=center_or_404(scope, data["station"]), **data
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Training scheduled."))
            return redirect("centers:training_detail", pk=session.pk)
    return render(request, "centers/community/staff_form.html", {"form": form, "title": _("New training")})


@login_required
def training_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One training and its attendance; ticking someone gives them the training record."""
    session = sel.training_session_for_staff(user=request.user, pk=pk)
    if session is None:
        raise Http404
    candidates = sel.training_candidates(session=session)
    records = list(session.records.select_related("user").order_by("user__display_name"))
    form = TrainingAttendanceForm(
        request.POST or None, candidates=candidates, initial={"attendees": [r.user_id for r in records]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            training_services.training_attendance_set(
                actor=request.user, session=session, attendees=form.cleaned_data["attendees"]
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Attendance saved."))
            return redirect("centers:training_detail", pk=pk)
    return render(
        request,
        "centers/community/training_detail.html",
        {"session": session, "form": form, "records": records, "started": session.starts_at <= timezone.now()},
    )
