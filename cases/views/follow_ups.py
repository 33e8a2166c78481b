"""Follow-ups: record one as done, give one to a counselor or volunteer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cases import forms, policies, selectors
from cases.models import FollowUpKind
from cases.services import follow_ups as follow_up_services
from centers.http import AuthedRequest
from centers.infra.errors import form_errors


@login_required
def follow_up_done(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record a follow-up contact; a volunteer sees the contact details and the task, nothing clinical."""
    follow_up = selectors.follow_up_for_user(user=request.user, pk=pk)
    form = forms.FollowUpDoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            follow_up_services.follow_up_complete(
                follow_up=follow_up,
                actor=request.user,
                reached=form.cleaned_data["reached"],
                outcome=form.cleaned_data["outcome"],
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Follow-up recorded."))
            if policies.can_work_case(request.user, follow_up.case):
                return redirect(follow_up.case)
            return redirect("cases:volunteer_tasks")
    return render(
        request,
        "cases/follow_up_done.html",
        {
            "follow_up": follow_up,
            "form": form,
            "resident": follow_up.case.resident,
            "is_reassessment": follow_up.kind == FollowUpKind.REASSESSMENT,
        },
        status=400 if form.errors else 200,
    )


@login_required
def follow_up_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    """Give a follow-up to a counselor or a volunteer allowed to take it."""
    follow_up = selectors.follow_up_for_user(user=request.user, pk=pk)
    if not policies.can_work_case(request.user, follow_up.case):
        raise Http404
    people = selectors.follow_up_assignees(case=follow_up.case)
    form = forms.FollowUpAssignForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            follow_up_services.follow_up_assign(
                follow_up=follow_up, assignee=form.cleaned_data["assignee"], actor=request.user
            )
        except ValidationError as exc:
            form_errors(form, exc)
        else:
            messages.success(request, _("Follow-up assigned."))
            return redirect(follow_up.case)
    return render(
        request,
        "cases/follow_up_assign.html",
        {"follow_up": follow_up, "form": form},
        status=400 if form.errors else 200,
    )
