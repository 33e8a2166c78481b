"""Pages of the organisation: the public home, each role's landing, health."""

from __future__ import annotations

import logging

from celery import current_app as celery_app
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST

from centers import hooks
from centers.audit.forms import AuditFilterForm
from centers.audit.log import audit_record, audit_verify
from centers.http import AuthedRequest
from centers.models import Role, Station
from centers.own_numbers import ACTING_CENTER_SESSION_KEY, numbers_for_request, staff_center_choices
from centers.policies import can_read_audit, can_view_dashboard, has_role, landing_url_for, resident_of
from centers.selectors import (
    audit_event_list,
    audit_rows_in_words,
    center_public,
    resident_wards,
    staff_memberships,
    station_list_public,
)
from centers.sweeps.selectors import sweeps_late

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    """The public front page of the person's own center (a visitor: the default one): what it offers,
    its stations, and how to get help now."""
    center = numbers_for_request(request).center
    stations = station_list_public(center=center) if center is not None else Station.objects.none()
    return render(request, "centers/home.html", {"stations": stations, "center": center})


def center_home(request: HttpRequest, code: str) -> HttpResponse:
    """One center's public page: its own stations and its own 24-hour number."""
    center = center_public(code=code)
    if center is None:
        raise Http404
    request.viewed_center = center  # type: ignore[attr-defined]  # read by own_numbers.numbers_for_request
    return render(request, "centers/home.html", {"stations": station_list_public(center=center), "center": center})


def crisis(request: HttpRequest) -> HttpResponse:
    """Help right now: hotlines first. Renders without the database or the task queue."""
    return render(request, "centers/crisis.html")


@login_required
def landing(request: AuthedRequest) -> HttpResponse:
    """After sign-in, send each person to their own home page."""
    return redirect(landing_url_for(request.user))


@login_required
def resident_home(request: AuthedRequest) -> HttpResponse:
    """A resident's own page: their details, their children, and what they can do."""
    resident = resident_of(request.user)
    badges: dict[str, int] = {}
    for answer in hooks.collect("resident_home_badges", user=request.user):
        badges.update(answer)
    return render(
        request,
        "centers/resident_home.html",
        {"resident": resident, "wards": resident_wards(user=request.user), "badges": badges},
    )


@login_required
def station_home(request: AuthedRequest) -> HttpResponse:
    """A station manager's page: their stations' operations."""
    if not has_role(request.user, Role.STATION_MANAGER, Role.SUPERVISOR):
        raise Http404
    return render(request, "centers/station_home.html", {"memberships": staff_memberships(user=request.user)})


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    """The street official's dashboard: aggregates only."""
    if not can_view_dashboard(request.user):
        raise Http404
    return render(request, "centers/dashboard.html", {"memberships": staff_memberships(user=request.user)})


@login_required
def audit_log(request: AuthedRequest) -> HttpResponse:
    """The audit log, for auditors only, with filters."""
    if not can_read_audit(request.user):
        audit_record(actor=request.user, action="audit.read", outcome="denied")
        raise Http404
    form = AuditFilterForm(request.GET)
    filters = {key: value for key, value in form.cleaned_data.items() if value} if form.is_valid() else {}
    rows = audit_event_list(user=request.user, **filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    page.object_list = audit_rows_in_words(list(page.object_list), user=request.user)
    audit_record(actor=request.user, action="audit.read", detail={"page": page.number, "filters": sorted(filters)})
    params = {key: value for key, value in request.GET.items() if key != "page" and key in form.fields}
    return render(request, "centers/audit_log.html", {"page": page, "form": form, "params": params})


@login_required
@require_POST
def audit_verify_view(request: AuthedRequest) -> HttpResponse:
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


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> FileResponse:
    """Everyone: the portal's icon where browsers ask for it, so the request is answered, not logged as refused."""
    path = finders.find("favicon.ico")
    if not path:
        raise Http404
    return FileResponse(open(path, "rb"), content_type="image/x-icon")  # noqa: SIM115 (FileResponse closes it)


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


@login_required
@require_POST
def acting_center_choose(request: AuthedRequest) -> HttpResponse:
    """Staff with roles in several centers choose the one they act for; kept in the session."""
    wanted = request.POST.get("center", "")
    center = next((c for c in staff_center_choices(request.user) if str(c.pk) == wanted), None)
    if center is None:
        messages.error(request, _("You have no role in that center."))
        return redirect(landing_url_for(request.user))
    request.session[ACTING_CENTER_SESSION_KEY] = center.pk
    audit_record(actor=request.user, action="center.act_for", obj=center, center_id=center.pk)
    messages.success(request, _("You are now acting for %(center)s.") % {"center": center.name})
    return redirect(landing_url_for(request.user))
