"""Writes of the station evaluations: open a quarter, compute figures, score criteria, publish."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centers.audit.log import audit_record
from centers.models import Center, Role, Station, User
from centers.policies import has_role
from centers.reporting.evaluations.figures import jsonable, quarter_bounds, quarter_has_ended
from centers.reporting.evaluations.models import (
    CriterionScore,
    EvaluationCriterion,
    EvaluationStatus,
    StationEvaluation,
)
from centers.reporting.evaluations.selectors import figures_compute

DEFAULT_CRITERIA = [
    # code, name, weight, highest score
    ("service_quality", gettext_lazy("Quality of counseling and case handling"), "30", 10),
    ("crisis_response", gettext_lazy("Crisis response and follow-up discipline"), "30", 10),
    ("outreach", gettext_lazy("Outreach: workshops, lectures and volunteers"), "20", 10),
    ("records", gettext_lazy("Records, consent and privacy practice"), "20", 10),
]


def _require_supervisor(actor: User, center: Center) -> None:
    if not has_role(actor, Role.SUPERVISOR, center_id=center.pk):
        raise ValidationError(_("Only a supervisor of this center may change its evaluations."))


@transaction.atomic
def criteria_ensure_defaults(*, center: Center) -> list[EvaluationCriterion]:
    """A center without criteria gets the default four (equal footing for every station)."""
    if not EvaluationCriterion.objects.filter(center=center).exists():
        for position, (code, name, weight, max_score) in enumerate(DEFAULT_CRITERIA):
            criterion = EvaluationCriterion(
                center=center, code=code, name=str(name), weight=Decimal(weight), max_score=max_score, position=position
            )
            criterion.full_clean()
            criterion.save()
    return list(EvaluationCriterion.objects.filter(center=center, is_active=True))


@transaction.atomic
def criterion_save(
    *,
    center: Center,
    actor: User,
    name: str,
    weight: Decimal,
    max_score: int,
    code: str,
    description: str = "",
    position: int = 0,
    is_active: bool = True,
    criterion: EvaluationCriterion | None = None,
) -> EvaluationCriterion:
    """A supervisor adds or changes a criterion; published evaluations keep the weights they were scored with."""
    _require_supervisor(actor, center)
    criterion = criterion or EvaluationCriterion(center=center)
    if criterion.center_id != center.pk:
        raise ValidationError(_("The criterion belongs to another center."))
    criterion.name, criterion.weight, criterion.max_score = name, weight, max_score
    criterion.code, criterion.description, criterion.position, criterion.is_active = (
        code,
        description,
        position,
        is_active,
    )
    criterion.full_clean()
    criterion.save()
    audit_record(actor=actor, action="evaluation.criterion_save", obj=criterion, center_id=center.pk)
    return criterion


@transaction.atomic
def evaluation_quarter_open(*, center: Center, year: int, quarter: int, actor: User) -> list[StationEvaluation]:
    """A supervisor opens a quarter: one draft per active station, figures computed now. Existing ones stay."""
    _require_supervisor(actor, center)
    if quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("Choose a quarter from 1 to 4.")})
    start, _end = quarter_bounds(year, quarter)
    if start > timezone.now():
        raise ValidationError({"quarter": _("This quarter has not started yet.")})
    criteria_ensure_defaults(center=center)
    existing = set(
        StationEvaluation.objects.filter(center=center, year=year, quarter=quarter).values_list("station_id", flat=True)
    )
    created: list[StationEvaluation] = []
    for station in Station.objects.filter(center=center, is_active=True).exclude(pk__in=existing).order_by("pk"):
        evaluation = StationEvaluation(center=center, station=station, year=year, quarter=quarter)
        evaluation.figures = figures_compute(station=station, year=year, quarter=quarter)
        evaluation.figures_computed_at = timezone.now()
        evaluation.full_clean()
        evaluation.save()
        created.append(evaluation)
    audit_record(
        actor=actor,
        action="evaluation.open_quarter",
        object_type="centers.stationevaluation",
        center_id=center.pk,
        detail={"year": year, "quarter": quarter, "created": len(created)},
    )
    return created


def _lock_draft(evaluation: StationEvaluation, actor: User) -> StationEvaluation:
    evaluation = StationEvaluation.objects.select_for_update().select_related("center", "station").get(pk=evaluation.pk)
    _require_supervisor(actor, evaluation.center)
    if evaluation.status != EvaluationStatus.DRAFT:
        raise ValidationError(_("This evaluation is published and can no longer be changed."))
    return evaluation


@transaction.atomic
def evaluation_refresh_figures(*, evaluation: StationEvaluation, actor: User) -> StationEvaluation:
    """Recompute a draft's figures from the data as it stands now."""
    evaluation = _lock_draft(evaluation, actor)
    evaluation.figures = figures_compute(station=evaluation.station, year=evaluation.year, quarter=evaluation.quarter)
    evaluation.figures_computed_at = timezone.now()
    evaluation.full_clean()
    evaluation.save(update_fields=["figures", "figures_computed_at"])
    audit_record(actor=actor, action="evaluation.refresh_figures", obj=evaluation, center_id=evaluation.center_id)
    return evaluation


def _total(scores: list[CriterionScore]) -> Decimal | None:
    weights = sum((s.weight for s in scores), Decimal(0))
    if not scores or not weights:
        return None
    points = sum((s.weight * s.score / s.max_score for s in scores), Decimal(0))
    return (points / weights * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@transaction.atomic
def evaluation_score(
    *,
    evaluation: StationEvaluation,
    actor: User,
    scores: dict[int, Decimal | None],
    comments: dict[int, str] | None = None,
    summary: str | None = None,
) -> StationEvaluation:
    """A supervisor scores a draft's criteria (criterion id → score); the total is the weighted mean on 0–100."""
    evaluation = _lock_draft(evaluation, actor)
    comments = comments or {}
    criteria = {c.pk: c for c in EvaluationCriterion.objects.filter(center=evaluation.center, is_active=True)}
    errors: dict[str, str] = {}
    for criterion_id, value in scores.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise ValidationError(_("That criterion is not in use at this center."))
        if value is None:
            continue
        if value < 0 or value > criterion.max_score:
            errors[f"score_{criterion_id}"] = _("Give %(name)s a score from 0 to %(max)s.") % {
                "name": criterion.name,
                "max": criterion.max_score,
            }
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for criterion_id, value in scores.items():
        if value is None:
            CriterionScore.objects.filter(evaluation=evaluation, criterion_id=criterion_id).delete()
            continue
        criterion = criteria[criterion_id]
        row = CriterionScore.objects.filter(evaluation=evaluation, criterion=criterion).first() or CriterionScore(
            evaluation=evaluation, criterion=criterion
        )
        row.score, row.weight, row.max_score = value, criterion.weight, criterion.max_score
        row.comment, row.scored_at, row.scored_by = comments.get(criterion_id, ""), now, actor
        row.full_clean()
        row.save()
    if summary is not None:
        evaluation.summary = summary
    evaluation.total = _total(list(evaluation.scores.all()))
    evaluation.full_clean()
    evaluation.save(update_fields=["total", "summary"])
    audit_record(
        actor=actor,
        action="evaluation.score",
        obj=evaluation,
        center_id=evaluation.center_id,
        detail={"total": str(evaluation.total)},
    )
    return evaluation


@transaction.atomic
def evaluation_publish(*, evaluation: StationEvaluation, actor: User, early: bool = False) -> StationEvaluation:
    """Publish a draft once every criterion in use is scored; officials see it from then on, unchanged. Before
    the quarter has ended only when the supervisor confirms an early publication (`early`)."""
    evaluation = _lock_draft(evaluation, actor)
    if not quarter_has_ended(evaluation.year, evaluation.quarter) and not early:
        end = timezone.localtime(quarter_bounds(evaluation.year, evaluation.quarter)[1]).date()
        raise ValidationError(
            _(
                "This quarter ends on %(end)s, so its figures are not complete yet. Publish it early only if you "
                "confirm that officials may see figures of an unfinished quarter."
            )
            % {"end": end.isoformat()}
        )
    in_use = set(
        EvaluationCriterion.objects.filter(center=evaluation.center, is_active=True).values_list("pk", flat=True)
    )
    scored = set(evaluation.scores.values_list("criterion_id", flat=True))
    missing = EvaluationCriterion.objects.filter(pk__in=in_use - scored).order_by("position")
    if missing:
        raise ValidationError(
            _("Score every criterion before publishing; still missing: %(names)s.")
            % {"names": ", ".join(c.name for c in missing)}
        )
    evaluation.total = _total(list(evaluation.scores.filter(criterion_id__in=in_use)))
    if evaluation.total is None:
        raise ValidationError(_("Score every criterion before publishing; still missing: %(names)s.") % {"names": "—"})
    evaluation.status = EvaluationStatus.PUBLISHED
    evaluation.published_at = timezone.now()
    evaluation.published_by = actor
    evaluation.full_clean()
    evaluation.save(update_fields=["status", "published_at", "published_by", "total"])
    audit_record(
        actor=actor,
        action="evaluation.publish",
        obj=evaluation,
        center_id=evaluation.center_id,
        detail={"early": True} if early else None,
    )
    return evaluation


@transaction.atomic
def evaluation_import(
    *,
    station: Station,
    year: int,
    quarter: int,
    figures: dict[str, Any],
    scores: dict[str, Decimal],
    actor: User,
    summary: str = "",
) -> StationEvaluation:
    """Load an evaluation made before the portal (paper records), published as it was; marked as imported."""
    center = station.center
    _require_supervisor(actor, center)
    criteria = {c.code: c for c in criteria_ensure_defaults(center=center)}
    evaluation, _created = StationEvaluation.objects.get_or_create(
        station=station, year=year, quarter=quarter, defaults={"center": center, "is_imported": True}
    )
    if evaluation.is_published:
        return evaluation
    evaluation.figures = {k: jsonable(v) for k, v in figures.items()}
    evaluation.figures_computed_at = timezone.now()
    evaluation.summary = summary
    evaluation.is_imported = True
    evaluation.save()
    evaluation_score(
        evaluation=evaluation,
        actor=actor,
        scores={criteria[code].pk: value for code, value in scores.items()},
    )
    return evaluation_publish(evaluation=evaluation, actor=actor)
