"""Pages of a case's safety plan and emergency contacts, and the resident's own plan. Views stay thin."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases.safety import selectors, services
from cases.safety.forms import EmergencyContactForm, EmergencyContactUseForm, SafetyPlanForm
from centers.http import AuthedRequest
from centers.infra.errors import form_errors
from centers.policies import resident_of


@login_required
def case_safety_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    """Those who work the case: write the safety plan with the person; each save is a new version."""
    case = selectors.case_for_safety_work(user=request.user, pk=pk)
    current = selectors.safety_plan_current(case=case)
    if request.method == "POST":
        form = SafetyPlanForm(request.POST)
        if form.is_valid():
            try:
                plan = services.safety_plan_save(
                    case=case,
                    actor=request.user,
                    steps=form.steps(),
                    written_with_person=form.cleaned_data["written_with_person"],
                )
            except ValidationError as exc:
                form_errors(form, exc)
            except PermissionDenied as exc:
                raise Http404 from exc
            else:
                messages.success(request, _("Safety plan saved as version %(n)d.") % {"n": plan.version})
                return redirect("cases:case_safety_plan", pk=case.pk)
    else:
        initial = {step["name"]: step["text"] for step in current.steps} if current else {}
        form = SafetyPlanForm(initial=initial)
    return render(
        request,
        "cases/safety_plan_edit.html",
        {"case": case, "form": form, "current": current},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def case_safety_plan_history(request: AuthedRequest, pk: int) -> HttpResponse:
    """Those who work the case: every version of the safety plan, newest first."""
    case = selectors.case_for_safety_work(user=request.user, pk=pk, action="case.safety_plan_history")
    return render(
        request, "cases/safety_plan_history.html", {"case": case, "versions": selectors.safety_plan_history(case=case)}
    )


@login_required
def case_emergency_contacts(request: AuthedRequest, pk: int) -> HttpResponse:
    """Those who work the case: the emergency contacts, each with its basis and the record of its uses."""
    case = selectors.case_for_safety_work(user=request.user, pk=pk, action="case.emergency_contact_read")
    form = EmergencyContactForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.emergency_contact_add(case=case, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("Emergency contact recorded."))
            return redirect("cases:case_emergency_contacts", pk=case.pk)
    return render(
        request,
        "cases/emergency_contacts.html",
        {"case": case, "form": form, "contacts": selectors.emergency_contacts(case=case)},
        status=400 if form.errors else 200,
    )


@login_required
def emergency_contact_use(request: AuthedRequest, pk: int) -> HttpResponse:
    """Those who work the case: record that an emergency contact was called (when, basis, outcome)."""
    contact = selectors.emergency_contact_for_user(user=request.user, pk=pk)
    form = EmergencyContactUseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.emergency_contact_use(contact=contact, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404 from exc
        else:
            messages.success(request, _("The call is recorded on the case timeline."))
            return redirect(reverse("cases:case_emergency_contacts", args=[contact.case_id]))
    return render(
        request,
        "cases/emergency_contact_use.html",
        {"contact": contact, "case": contact.case, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def my_safety_plan(request: AuthedRequest) -> HttpResponse:
    """Residents: the safety plan in force on their own open case, to keep at hand on the phone."""
    if resident_of(request.user) is None:
        raise Http404
    return render(request, "cases/my_safety_plan.html", {"plans": selectors.resident_safety_plans(user=request.user)})
