"""Pages of the station evaluations: supervisors draft, score and publish; officials read published ones."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from centers.audit.log import audit_record
from centers.http import AuthedRequest
from centers.infra.confirm import confirmation_page, confirmed
from centers.infra.errors import error_text, field_errors
from centers.infra.replica import reads_from_replica
from centers.models import Center
from centers.policies import supervised_center_ids
from centers.reporting.disclosure import SUPPRESSION_NOTE
from centers.reporting.evaluations import selectors as sel
from centers.reporting.evaluations import services as svc
from centers.reporting.evaluations.figures import quarter_has_ended, quarter_of
from centers.reporting.evaluations.models import EvaluationCriterion
from centers.reporting.exports import table_response


def _supervisor_center(request: HttpRequest) -> Center:
    ids = supervised_center_ids(request.user)
    if not ids:
        raise Http404
    wanted = request.GET.get("center") or request.POST.get("center")
    pk = int(wanted) if wanted and wanted.isdigit() and int(wanted) in ids else min(ids)
    return Center.objects.get(pk=pk)


def _period(request: HttpRequest, center: Center) -> tuple[int, int] | None:
    """The quarter asked for (?period=2026-3), else the latest published one."""
    quarters = sel.published_quarters(center=center)
    raw = request.GET.get("period", "")
    try:
        year, quarter = (int(part) for part in raw.split("-"))
        if (year, quarter) in quarters:
            return year, quarter
    except ValueError:
        pass
    return quarters[0] if quarters else None


@login_required
@reads_from_replica
def evaluation_list(request: AuthedRequest) -> HttpResponse:
    """Supervisors: every evaluation of the center, and a form to open a quarter."""
    center = _supervisor_center(request)
    year, quarter = quarter_of(timezone.localdate())
    last = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return render(
        request,
        "centers/evaluations/evaluation_list.html",
        {
            "center": center,
            "evaluations": list(sel.evaluations_for_supervisor(user=request.user, center=center)),
            "suggested_year": last[0],
            "suggested_quarter": last[1],
            "quarters": (1, 2, 3, 4),
        },
    )


@login_required
@require_POST
def evaluation_open(request: AuthedRequest) -> HttpResponse:
    """Supervisors: open a quarter, one draft per station with its figures."""
    center = _supervisor_center(request)
    try:
        year, quarter = int(request.POST.get("year", "")), int(request.POST.get("quarter", ""))
        created = svc.evaluation_quarter_open(center=center, year=year, quarter=quarter, actor=request.user)
    except ValueError:
        messages.error(request, _("Give a year and a quarter from 1 to 4."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("%(n)s draft evaluations opened.") % {"n": len(created)})
    return redirect("centers:evaluation_list")


def _scores_from_post(
    request: HttpRequest, criteria: list[EvaluationCriterion]
) -> tuple[dict[int, Decimal | None], dict[int, str], dict[str, str]]:
    scores: dict[int, Decimal | None] = {}
    comments: dict[int, str] = {}
    errors: dict[str, str] = {}
    for criterion in criteria:
        raw = request.POST.get(f"score_{criterion.pk}", "").strip()
        comments[criterion.pk] = request.POST.get(f"comment_{criterion.pk}", "").strip()[:300]
        if not raw:
            scores[criterion.pk] = None
            continue
        try:
            scores[criterion.pk] = Decimal(raw)
        except InvalidOperation:
            errors[f"score_{criterion.pk}"] = _("Give %(name)s a score from 0 to %(max)s.") % {
                "name": criterion.name,
                "max": criterion.max_score,
            }
    return scores, comments, errors


# Never the replica: a scoring form filled from a lagging copy would be saved over newer scores.
@login_required
def evaluation_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """Supervisors: a draft's figures and the criteria to score; a published one shows read-only."""
    evaluation = sel.evaluation_for_supervisor(user=request.user, pk=pk)
    if evaluation is None:
        raise Http404
    criteria = sel.criteria_in_use(center=evaluation.center)
    errors: dict = {}
    if request.method == "POST" and not evaluation.is_published:
        scores, comments, errors = _scores_from_post(request, criteria)
        if not errors:
            try:
                svc.evaluation_score(
                    evaluation=evaluation,
                    actor=request.user,
                    scores=scores,
                    comments=comments,
                    summary=request.POST.get("summary", "").strip(),
                )
            except ValidationError as exc:
                errors = field_errors(exc)  # sentences, never the list Django keeps them in
            else:
                messages.success(request, _("Scores saved."))
                return redirect("centers:evaluation_edit", pk=evaluation.pk)
    saved = {s.criterion_id: s for s in sel.scores_of(evaluation=evaluation)}
    previous = sel.previous_evaluation(evaluation=evaluation)
    rows = [
        {
            "criterion": c,
            "score": request.POST.get(f"score_{c.pk}") if errors else (saved[c.pk].score if c.pk in saved else ""),
            "comment": request.POST.get(f"comment_{c.pk}")
            if errors
            else (saved[c.pk].comment if c.pk in saved else ""),
            "error": errors.get(f"score_{c.pk}"),
        }
        for c in criteria
    ]
    return render(
        request,
        "centers/evaluations/evaluation_edit.html",
        {
            "evaluation": evaluation,
            "figure_rows": sel.figure_rows(evaluation=evaluation, previous=previous, official=False),
            "criteria_rows": rows,
            "errors": [message for key, message in errors.items() if not key.startswith("score_")],
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def evaluation_refresh(request: AuthedRequest, pk: int) -> HttpResponse:
    """Supervisors: recompute a draft's figures."""
    evaluation = sel.evaluation_for_supervisor(user=request.user, pk=pk)
    if evaluation is None:
        raise Http404
    try:
        svc.evaluation_refresh_figures(evaluation=evaluation, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Figures recomputed from the data."))
    return redirect("centers:evaluation_edit", pk=evaluation.pk)


@login_required
@require_POST
def evaluation_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    """Supervisors: publish a fully scored draft; officials see it from then on."""
    evaluation = sel.evaluation_for_supervisor(user=request.user, pk=pk)
    if evaluation is None:
        raise Http404
    ended = quarter_has_ended(evaluation.year, evaluation.quarter)
    consequences = [
        _("Officials see the evaluation of %(station)s for %(period)s from now on, and it cannot be changed.")
        % {"station": evaluation.station.name, "period": evaluation.period_label}
    ]
    if not ended:
        consequences.append(_("This quarter has not ended yet: its figures will still change."))

    def ask(error: str = "") -> HttpResponse:
        return confirmation_page(
            request,
            title=_("Publish this evaluation?"),
            consequences=consequences,
            confirm_label=_("Yes, publish"),
            back_url=reverse("centers:evaluation_edit", args=[evaluation.pk]),
            choice=None
            if ended
            else {
                "name": "early",
                "kind": "checkbox",
                "label": _("Publish early: officials may see the figures of a quarter that has not ended yet."),
            },
            error=error,
            status=400 if error else 200,
        )

    if not confirmed(request):
        return ask()
    try:
        svc.evaluation_publish(evaluation=evaluation, actor=request.user, early=request.POST.get("early") == "yes")
    except ValidationError as exc:
        if not ended:  # asked again on the same page, with what was sent
            return ask(error_text(exc))
        messages.error(request, error_text(exc))
        return redirect("centers:evaluation_edit", pk=evaluation.pk)
    messages.success(request, _("Evaluation published."))
    return redirect("centers:evaluation_detail", pk=evaluation.pk)


def _dashboard_center(request: HttpRequest) -> Center:
    center = sel.dashboard_center(request.user, request.GET.get("center"))
    if center is None:
        raise Http404
    return center


def _ranking_table(rows) -> tuple[list, list]:
    headers = [
        _("Rank"),
        _("Station"),
        _("Total score"),
        _("Last quarter"),
        pgettext("difference from last quarter", "Change"),
    ]
    body = [
        [
            row.rank,
            row.evaluation.station.name,
            float(row.evaluation.total),
            float(row.previous_total) if row.previous_total is not None else "—",
            f"{row.change:+.1f}" if row.change is not None else "—",
        ]
        for row in rows
    ]
    return headers, body


@login_required
@reads_from_replica
def evaluation_ranking(request: AuthedRequest) -> HttpResponse:
    """Officials and supervisors: the published ranking of stations for a quarter."""
    center = _dashboard_center(request)
    period = _period(request, center)
    rows = sel.ranking(center=center, year=period[0], quarter=period[1]) if period else []
    headers, body = _ranking_table(rows)
    return render(
        request,
        "centers/evaluations/ranking.html",
        {
            "center": center,
            "period": period,
            "periods": sel.published_quarters(center=center),
            "rows": rows,
            "headers": headers,
            "chart": {
                "labels": [r.evaluation.station.name for r in rows],
                "values": [float(r.evaluation.total or 0) for r in rows],  # published: always scored
                "label": _("Total score"),
            },
        },
    )


@login_required
@reads_from_replica
def evaluation_ranking_export(request: AuthedRequest, fmt: str) -> HttpResponse:
    """Officials and supervisors: the ranking as CSV or XLSX."""
    center = _dashboard_center(request)
    period = _period(request, center)
    if period is None:
        raise Http404
    headers, body = _ranking_table(sel.ranking(center=center, year=period[0], quarter=period[1]))
    audit_record(
        actor=request.user,
        action="dashboard.export",
        object_type="ranking",
        center_id=center.pk,
        detail={"format": fmt},
    )
    return table_response(
        fmt=fmt,
        filename=f"ranking-{period[0]}-Q{period[1]}",
        title=f"{center.name} · {_('Ranking')}",
        period=f"{period[0]} Q{period[1]}",
        headers=headers,
        rows=body,
    )


def _detail_context(request: HttpRequest, pk: int) -> dict:
    evaluation = sel.evaluation_published(user=request.user, pk=pk)
    if evaluation is None:
        raise Http404
    previous = sel.previous_evaluation(evaluation=evaluation)
    return {
        "evaluation": evaluation,
        "previous": previous,
        "figure_rows": sel.figure_rows(evaluation=evaluation, previous=previous, official=True),
        "scores": sel.scores_of(evaluation=evaluation),
    }


@login_required
@reads_from_replica
def evaluation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """Officials and supervisors: one published evaluation, with last quarter beside it (aggregates only)."""
    return render(request, "centers/evaluations/evaluation_detail.html", _detail_context(request, pk))


@login_required
@reads_from_replica
def evaluation_report(request: AuthedRequest, pk: int) -> HttpResponse:
    """The evaluation as a report that prints cleanly (print CSS in static/css/print.css)."""
    return render(request, "centers/evaluations/evaluation_report.html", _detail_context(request, pk))


@login_required
@reads_from_replica
def evaluation_detail_export(request: AuthedRequest, pk: int, fmt: str) -> HttpResponse:
    """Officials and supervisors: a published evaluation's figures and scores as CSV or XLSX."""
    context = _detail_context(request, pk)
    evaluation = context["evaluation"]
    headers = [
        _("Figure"),
        evaluation.period_label,
        _("Last quarter"),
        pgettext("difference from last quarter", "Change"),
    ]
    body = [[str(r.figure.label), r.shown, r.previous_shown, r.change] for r in context["figure_rows"]]
    body += [
        [f"{s.criterion.name} ({_('weight')} {s.weight})", f"{s.score} / {s.max_score}", "", ""]
        for s in context["scores"]
    ]
    body.append([_("Total score"), float(evaluation.total), "", ""])
    audit_record(
        actor=request.user,
        action="dashboard.export",
        obj=evaluation,
        center_id=evaluation.center_id,
        detail={"format": fmt},
    )
    return table_response(
        fmt=fmt,
        filename=f"evaluation-{evaluation.station.code}-{evaluation.year}-Q{evaluation.quarter}",
        title=f"{evaluation.center.name} · {evaluation.station.name}",
        period=evaluation.period_label,
        headers=headers,
        rows=body,
        note=SUPPRESSION_NOTE,
    )


def _criterion_fields(request: HttpRequest) -> tuple[dict, dict]:
    data = {
        "code": request.POST.get("code", "").strip(),
        "name": request.POST.get("name", "").strip(),
        "description": request.POST.get("description", "").strip(),
        "is_active": request.POST.get("is_active") == "on",
    }
    errors: dict[str, str] = {}
    try:
        data["weight"] = Decimal(request.POST.get("weight", "").strip())
    except InvalidOperation:
        errors["weight"] = _("Give the weight as a number above 0.")
    for key in ("max_score", "position"):
        raw = request.POST.get(key, "").strip() or ("0" if key == "position" else "")
        if not raw.isdigit():
            errors[key] = _("Give a whole number.")
        else:
            data[key] = int(raw)
    return data, errors


@login_required
def evaluation_criteria(request: AuthedRequest) -> HttpResponse:
    """Supervisors: the center's weighted criteria; add one, or change one (published totals keep their weights)."""
    center = _supervisor_center(request)
    svc.criteria_ensure_defaults(center=center)
    errors: dict = {}
    editing = None
    if request.method == "POST":
        if request.POST.get("pk"):
            editing = sel.criterion_for_supervisor(user=request.user, pk=request.POST["pk"])
            if editing is None or editing.center_id != center.pk:
                raise Http404
        data, errors = _criterion_fields(request)
        if not errors:
            try:
                svc.criterion_save(center=center, actor=request.user, criterion=editing, **data)
            except ValidationError as exc:
                errors = field_errors(exc)
            else:
                messages.success(request, _("Criterion saved."))
                return redirect(f"{request.path}?center={center.pk}")
    criteria = list(sel.criteria_all(user=request.user, center=center))
    active = [c for c in criteria if c.is_active]
    total_weight = sum((c.weight for c in active), Decimal(0))
    return render(
        request,
        "centers/evaluations/criteria.html",
        {
            "center": center,
            "criteria": [
                {"criterion": c, "share": (c.weight / total_weight * 100) if c.is_active and total_weight else None}
                for c in criteria
            ],
            "errors": errors,
            "editing_pk": editing.pk if editing else None,
            "posted": request.POST if errors else None,
        },
        status=400 if errors else 200,
    )
