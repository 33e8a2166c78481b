"""Staff landing pages: the workspace, the alerts panel, the supervisor console, an expert's and a volunteer's lists."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from cases import policies, selectors
from cases import workspace as workspace_selectors
from cases.consult import selectors as consult_selectors
from cases.views.common import audit_shown, case_worker_required
from centers.community.selectors import volunteer_training_state
from centers.http import AuthedRequest
from centers.models import Role
from centers.policies import has_role

# How many of the most urgent cases the workspace queue shows; the case list has the rest, with filters.
WORKSPACE_QUEUE = 20
# The follow-ups due this week the workspace lists, and how many it reads for them and for its overdue panel
# (the oldest first, so the overdue ones come first: workspace_selectors.follow_ups_overdue).
FOLLOW_UPS_SHOWN = 50
FOLLOW_UPS_READ = 80


@login_required
def workspace(request: AuthedRequest) -> HttpResponse:
    """The counselor's queue: open crisis alerts, then cases by tier and deadline, and follow-ups due.

    The queue shows the WORKSPACE_QUEUE most urgent cases (one more is read to know whether the list
    goes on); the case list has every one of them, with filters."""
    case_worker_required(request)
    user = request.user
    # The cases the person may open, read once; every panel looks its rows up among them (None for a
    # supervisor, whose panels filter by the visibility rule itself: policies.visible_case_id_list).
    visible = policies.visible_case_id_list(user)
    every, still_open = (visible.all, visible.open) if visible else (None, None)
    cases = list(selectors.case_list(user=user, visible=still_open)[: WORKSPACE_QUEUE + 1])
    alerts = workspace_selectors.alerts_with_deliveries(selectors.alerts_for_user(user=user, visible=every))
    follow_ups = list(selectors.follow_ups_for_user(user=user, visible=every)[:FOLLOW_UPS_READ])
    panels = workspace_selectors.workspace_panels_for(user=user, follow_ups=follow_ups, visible=visible)
    follow_ups = follow_ups[:FOLLOW_UPS_SHOWN]
    consult = consult_selectors.consult_panel_for(user=user)
    audit_shown(
        request,
        "workspace.view",
        cases=[*cases[:WORKSPACE_QUEUE], *panels["new_intakes"]],
        alerts=alerts,
        follow_ups=list({f.pk: f for f in [*follow_ups, *panels["overdue"]]}.values()),
        appointments=panels["appointments_today"],
        referrals=panels["referrals"],
        conversations=[*consult["waiting"], *consult["mine"]],
    )
    return render(
        request,
        "cases/workspace.html",
        {
            "alerts": alerts,
            "cases": cases[:WORKSPACE_QUEUE],
            "more_cases": len(cases) > WORKSPACE_QUEUE,
            "queue_size": WORKSPACE_QUEUE,
            "follow_ups": follow_ups,
            "panels": panels,
            "consult": consult,
        },
    )


@login_required
def alerts_panel(request: AuthedRequest) -> HttpResponse:
    """The open-alerts panel alone, polled by the workspace and console every 30 seconds (htmx)."""
    case_worker_required(request)
    alerts = workspace_selectors.alerts_with_deliveries(selectors.alerts_for_user(user=request.user))
    return render(request, "cases/partials/alerts.html", {"alerts": alerts})


@never_cache
@login_required
def alerts_latest(request: AuthedRequest) -> HttpResponse:
    """Polled every few seconds by an open workspace or console (alerts-live.js, as a background request): the
    newest open alert that reached the person; the page reloads its alerts panel when the answer changes."""
    case_worker_required(request)  # first: to anyone else the address does not exist, whatever the method
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    return JsonResponse(selectors.alerts_latest(user=request.user))


@login_required
def console(request: AuthedRequest) -> HttpResponse:
    """The supervisor's console: open alerts, decisions waiting, and the center's queue."""
    if not has_role(request.user, Role.SUPERVISOR):
        raise Http404
    shown = {
        "alerts": workspace_selectors.alerts_with_deliveries(selectors.alerts_for_user(user=request.user)),
        "waiting": list(selectors.cases_awaiting_supervisor(user=request.user)),
        "no_consultation": list(selectors.cases_missing_expert_review(user=request.user)),
        "cases": list(selectors.case_list(user=request.user)[:50]),
    }
    panels = workspace_selectors.console_panels_for(user=request.user)
    consult = consult_selectors.consult_panel_for(user=request.user)
    audit_shown(
        request,
        "console.view",
        **shown,
        new_intakes=panels["new_intakes"],
        consultations=panels["consultations"],
        conversations=[*consult["waiting"], *consult["mine"]],
    )
    return render(request, "cases/console.html", {**shown, "panels": panels, "consult": consult})


@login_required
def consultations(request: AuthedRequest) -> HttpResponse:
    """The consultations asked of an expert."""
    if not has_role(request.user, Role.EXPERT):
        raise Http404
    consultations = list(selectors.consultations_for_expert(user=request.user))
    audit_shown(request, "consultation.list_view", consultations=consultations)
    return render(request, "cases/consultations.html", {"consultations": consultations})


@login_required
def volunteer_tasks(request: AuthedRequest) -> HttpResponse:
    """A volunteer's follow-up visits: whom to contact and when, nothing clinical."""
    if not has_role(request.user, Role.VOLUNTEER):
        raise Http404
    tasks = list(selectors.volunteer_tasks(user=request.user))
    audit_shown(request, "followup.list_view", follow_ups=tasks)
    training = volunteer_training_state(user=request.user)
    return render(request, "cases/volunteer_tasks.html", {"tasks": tasks, "training": training})
