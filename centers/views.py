"""Pages of the organisation: the public home, each role's landing, health."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from fucheng.celery import app as celery_app

from .audit import audit_record, audit_verify, role_display
from .audit_forms import AuditFilterForm
from .models import Role
from .policies import can_read_audit, can_view_dashboard, has_role, landing_url_for, resident_of
from .selectors import audit_event_list, resident_wards, staff_memberships, station_list_public
from .sweeps import sweeps_late

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    """The public front page: what the center offers and how to get help now."""
    return render(request, "centers/home.html", {"stations": station_list_public()})


def crisis(request: HttpRequest) -> HttpResponse:
    """Help right now: hotlines first. Renders without the database or the task queue."""
    return render(request, "centers/crisis.html")


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """After sign-in, send each person to their own home page."""
    return redirect(landing_url_for(request.user))


@login_required
def resident_home(request: HttpRequest) -> HttpResponse:
    """A resident's own page: their details, their children, and what they can do."""
    resident = resident_of(request.user)
    return render(
        request,
        "centers/resident_home.html",
        {"resident": resident, "wards": resident_wards(user=request.user)},
    )


@login_required
def station_home(request: HttpRequest) -> HttpResponse:
    """A station manager's page: their stations' operations."""
    if not has_role(request.user, Role.STATION_MANAGER, Role.SUPERVISOR):
        raise Http404
    return render(request, "centers/station_home.html", {"memberships": staff_memberships(user=request.user)})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The street official's dashboard: aggregates only."""
    if not can_view_dashboard(request.user):
        raise Http404
    return render(request, "centers/dashboard.html", {"memberships": staff_memberships(user=request.user)})


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, for auditors only, with filters."""
    if not can_read_audit(request.user):
        audit_record(actor=request.user, action="audit.read", outcome="denied")
        raise Http404
    form = AuditFilterForm(request.GET)
    filters = {key: value for key, value in form.cleaned_data.items() if value} if form.is_valid() else {}
    rows = audit_event_list(user=request.user, **filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    for row in page:
        row.role_label = role_display(row.role)
    audit_record(actor=request.user, action="audit.read", detail={"page": page.number, "filters": sorted(filters)})
    params = {key: value for key, value in request.GET.items() if key != "page" and key in form.fields}
    return render(request, "centers/audit_log.html", {"page": page, "form": form, "params": params})


@login_required
@require_POST
def audit_verify_view(request: HttpRequest) -> HttpResponse:
    """Auditors: walk the hash chain now and say whether any row was edited or removed."""
    if not can_read_audit(request.user):
        raise Http404
    problems = audit_verify()
    audit_record(actor=request.user, action="audit.verify", detail={"problems": len(problems)})
    if problems:
        messages.error(
            request,
            _("The audit log has been tampered with: %(count)s problem(s), first: %(first)s")
            % {"count": len(problems), "first": problems[0]},
        )
    else:
        messages.success(request, _("The audit chain is intact."))
    return redirect("centers:audit_log")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and sweeps for load balancers and monitoring: 200 when all are well, else 503.

    A sweep on an interval is late when its last run is older than two intervals (the scheduler or every
    worker has stopped); `sweeps` then names it. A sweep that has never run is not judged (a new install)."""
    status = {"database": "ok", "broker": "ok", "sweeps": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not answering"
        logger.warning("healthz: database check failed: %s", exc)
        status["database"] = "unavailable"
        status["sweeps"] = "unknown"
    else:
        late = sweeps_late()
        if late:
            status["sweeps"] = "late: " + ", ".join(run.name for run in late)
            logger.warning("healthz: %s", status["sweeps"])
    try:
        broker_ping()
    except Exception as exc:
        logger.warning("healthz: broker check failed: %s", exc)
        status["broker"] = "unavailable"
    ok = all(value == "ok" for value in status.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", **status}, status=200 if ok else 503)


def broker_ping() -> None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.1, interval_max=0.1, timeout=2)


@never_cache
@require_GET
def session_state(request: HttpRequest) -> JsonResponse:
    """Polled by idle.js on staff pages: is this person still signed in? (An expired staff session never
    gets here: the idle middleware signs it out and answers with the sign-in page's address.)"""
    return JsonResponse({"signed_in": request.user.is_authenticated})
