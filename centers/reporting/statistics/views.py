"""The officials' statistics and early-warning curves (aggregates only), their exports, and the
supervisor's "refresh now". Pages read the summary tables only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from centers.audit.log import audit_record
from centers.http import AuthedRequest
from centers.infra.dates import week_start
from centers.infra.replica import reads_from_replica
from centers.models import Center, Station
from centers.policies import supervised_center_ids
from centers.reporting.disclosure import SUPPRESSION_NOTE
from centers.reporting.evaluations.selectors import dashboard_center
from centers.reporting.exports import table_response
from centers.reporting.statistics import selectors as sel
from centers.reporting.statistics.services import summary_refresh_request


def _center(request: HttpRequest) -> Center:
    center = dashboard_center(request.user, request.GET.get("center") or request.POST.get("center"))
    if center is None:
        raise Http404
    return center


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    this_year = timezone.localdate().year
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= this_year + 1 else this_year


def _station(request: HttpRequest, center: Center, stations: list[Station]) -> Station | None:
    raw = request.GET.get("station", "")
    if not raw:
        return None
    match = next((s for s in stations if str(s.pk) == raw), None)
    if match is None:
        raise Http404  # another center's station, or none at all
    return match


def _common(request: HttpRequest, center: Center) -> dict:
    return {
        "center": center,
        "last_refresh": sel.last_refresh(center=center),
        "can_refresh": center.pk in supervised_center_ids(request.user),
    }


@login_required
@reads_from_replica
def statistics_overview(request: AuthedRequest) -> HttpResponse:
    """Officials and supervisors: person-times by month, station and service; residents served; crisis events."""
    center = _center(request)
    year = _year(request)
    tables = sel.monthly_tables(center=center, year=year)
    years = sel.years_available(center=center)
    return render(
        request,
        "centers/statistics/overview.html",
        {
            **_common(request, center),
            "year": year,
            "years": years or [year],
            "tables": tables,
            "charts": sel.monthly_charts(tables),
            "query": urlencode({"center": center.pk, "year": year}),
        },
    )


@login_required
@reads_from_replica
def statistics_warning(request: AuthedRequest) -> HttpResponse:
    """Officials and supervisors: the early-warning curve of the street or one station."""
    center = _center(request)
    stations = list(Station.objects.filter(center=center, is_active=True).order_by("code"))
    station = _station(request, center, stations)
    points = sel.warning_curve(center=center, station=station, end_week=week_start(timezone.localdate()))
    view = sel.warning_view(points)
    return render(
        request,
        "centers/statistics/warning.html",
        {
            **_common(request, center),
            "stations": stations,
            "station": station,
            "table": view.table,
            "chart": view.chart,
            "crossed": view.crossed,
            "query": urlencode({"center": center.pk, "station": station.pk if station else ""}),
        },
    )


@login_required
@reads_from_replica
def statistics_export(request: AuthedRequest, table: str, fmt: str) -> HttpResponse:
    """Officials and supervisors: any statistics table as CSV or XLSX, with the same "<5" cells as the page."""
    center = _center(request)
    if table == "warning":
        stations = list(Station.objects.filter(center=center, is_active=True))
        station = _station(request, center, stations)
        found = sel.warning_view(
            sel.warning_curve(center=center, station=station, end_week=week_start(timezone.localdate()))
        ).table
        name = f"warning-{station.code if station else 'street'}"
        place = station.name if station else _("Whole street")
        period = _("%(place)s, weeks starting %(first)s to %(last)s") % {
            "place": place,
            "first": found.rows[0][0] if found.rows else "",
            "last": found.rows[-1][0] if found.rows else "",
        }
    else:
        year = _year(request)
        monthly = sel.monthly_tables(center=center, year=year).get(table)
        if monthly is None:
            raise Http404
        found = monthly
        name = f"{table}-{year}"
        period = _("Year %(year)s") % {"year": year}
    audit_record(
        actor=request.user, action="dashboard.export", object_type=table, center_id=center.pk, detail={"format": fmt}
    )
    return table_response(
        fmt=fmt,
        filename=name,
        title=f"{center.name} · {found.title}",
        period=period,
        headers=found.headers,
        rows=found.shown,
        note=SUPPRESSION_NOTE,
    )


@login_required
@require_POST
def statistics_refresh(request: AuthedRequest) -> HttpResponse:
    """Supervisors: recompute the summary tables now (a worker does it within a minute)."""
    center = _center(request)
    try:
        summary_refresh_request(center=center, actor=request.user)
    except PermissionDenied as exc:
        raise Http404 from exc  # officials read the figures; only the center's supervisor asks for a refresh
    messages.success(request, _("The figures will be recomputed within a minute."))
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("centers:statistics")
