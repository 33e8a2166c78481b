"""Station evaluations (站点考核评价) and the summary tables the officials' dashboards read.

Imported by CentersConfig.import_models. The summary tables hold aggregates only (no people); they are
filled by centers.reporting.statistics.services from the other apps' answers to the hook points in centers/hooks.py.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers.models import Center, Station


class EvaluationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class EvaluationCriterion(models.Model):
    """A criterion the supervisor scores, weighted into the total. Each center keeps its own list."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="evaluation_criteria")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("what to look at"), max_length=300, blank=True)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    max_score = models.PositiveSmallIntegerField(
        _("highest score"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        ordering = ["center_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="evaluation_criterion_code_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="evaluation_criterion_weight_positive"),
            models.CheckConstraint(condition=Q(max_score__gte=1), name="evaluation_criterion_max_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class StationEvaluation(models.Model):
    """One station's evaluation for one quarter: figures computed from the data, plus scored criteria."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="station_evaluations")
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="evaluations")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    status = models.CharField(
        _("status"), max_length=10, choices=EvaluationStatus.choices, default=EvaluationStatus.DRAFT
    )
    figures = models.JSONField(_("figures"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    figures_computed_at = models.DateTimeField(_("figures computed"), null=True, blank=True)
    total = models.DecimalField(_("total score"), max_digits=5, decimal_places=1, null=True, blank=True)
    summary = models.TextField(_("supervisor's summary"), blank=True)
    is_imported = models.BooleanField(_("imported from earlier records"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("station evaluation")
        verbose_name_plural = _("station evaluations")
        ordering = ["-year", "-quarter", "station_id"]
        constraints = [
            models.UniqueConstraint(fields=["station", "year", "quarter"], name="evaluation_one_per_station_quarter"),
            models.CheckConstraint(condition=Q(quarter__gte=1, quarter__lte=4), name="evaluation_quarter_1_to_4"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False, total__isnull=False),
                name="evaluation_published_has_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station} {self.year} Q{self.quarter}"

    def get_absolute_url(self) -> str:
        return reverse("centers:evaluation_detail", args=[self.pk])

    def clean(self) -> None:
        if self.station_id and self.center_id and self.station.center_id != self.center_id:
            raise ValidationError({"station": _("The station belongs to another center.")})
        if self.status == EvaluationStatus.PUBLISHED and (self.published_at is None or self.total is None):
            raise ValidationError(_("A published evaluation needs its total and the time it was published."))

    @property
    def is_published(self) -> bool:
        return self.status == EvaluationStatus.PUBLISHED

    @property
    def period_label(self) -> str:
        return f"{self.year} Q{self.quarter}"


class CriterionScore(models.Model):
    """The supervisor's score on one criterion; weight and highest score are copied so a later change of
    the criterion never moves a published total."""

    evaluation = models.ForeignKey(StationEvaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(EvaluationCriterion, on_delete=models.PROTECT, related_name="scores")
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)])
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    max_score = models.PositiveSmallIntegerField(_("highest score"))
    comment = models.CharField(_("comment"), max_length=300, blank=True)
    scored_at = models.DateTimeField(_("scored"), default=timezone.now)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "criterion"], name="criterion_score_once"),
            models.CheckConstraint(condition=Q(score__gte=0), name="criterion_score_not_negative"),
            models.CheckConstraint(condition=Q(score__lte=models.F("max_score")), name="criterion_score_within_max"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"

    def clean(self) -> None:
        if self.score is not None and self.max_score and self.score > self.max_score:
            raise ValidationError({"score": _("The score cannot be higher than %(max)s.") % {"max": self.max_score}})


# --- Summary tables for the officials' statistics (aggregates only) --------------------------------------


class MonthlyServiceFigure(models.Model):
    """Person-times of one service at one station (no station: at the center itself) in one month."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    station = models.ForeignKey(Station, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    month = models.DateField(_("month"))
    service = models.CharField(_("service"), max_length=30)
    person_times = models.PositiveIntegerField(_("person-times"), default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("monthly service figure")
        verbose_name_plural = _("monthly service figures")
        ordering = ["month", "station_id", "service"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "month", "service"], condition=Q(station__isnull=False), name="monthly_service_once"
            ),
            models.UniqueConstraint(
                fields=["center", "month", "service"],
                condition=Q(station__isnull=True),
                name="monthly_service_center_once",
            ),
        ]
        indexes = [models.Index(fields=["center", "month"], name="monthly_service_center_month")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m} {self.service}"


class MonthlyStationFigure(models.Model):
    """Residents served and crisis events of one station (no station: at the center itself) in one month."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    station = models.ForeignKey(Station, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    month = models.DateField(_("month"))
    residents_served = models.PositiveIntegerField(_("residents served"), default=0)
    crisis_events = models.PositiveIntegerField(_("crisis events"), default=0)
    crisis_handled = models.PositiveIntegerField(_("crisis events handled"), default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("monthly station figure")
        verbose_name_plural = _("monthly station figures")
        ordering = ["month", "station_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "month"], condition=Q(station__isnull=False), name="monthly_station_once"
            ),
            models.UniqueConstraint(
                fields=["center", "month"], condition=Q(station__isnull=True), name="monthly_station_center_once"
            ),
        ]
        indexes = [models.Index(fields=["center", "month"], name="monthly_station_center_month")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.month:%Y-%m}"


class WeeklyWarningFigure(models.Model):
    """The early-warning curve's point of one station and week: active cases per tier and new alerts."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(_("week starting"))
    general = models.PositiveIntegerField(_("general"), default=0)
    serious = models.PositiveIntegerField(_("serious"), default=0)
    high_risk = models.PositiveIntegerField(_("high-risk"), default=0)
    new_alerts = models.PositiveIntegerField(_("new crisis alerts"), default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("weekly warning figure")
        verbose_name_plural = _("weekly warning figures")
        ordering = ["week_start", "station_id"]
        constraints = [
            models.UniqueConstraint(fields=["station", "week_start"], name="weekly_warning_once"),
        ]
        indexes = [models.Index(fields=["center", "week_start"], name="weekly_warning_center_week")]

    def __str__(self) -> str:
        return f"{self.station_id} {self.week_start}"


class SummaryRefresh(models.Model):
    """A request to recompute a center's summary tables (nightly by beat, or on demand by a supervisor).
    The row comes first; the minute sweep runs whatever is still pending, once."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    rows_written = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("summary refresh")
        verbose_name_plural = _("summary refreshes")
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["center", "finished_at"], name="summary_refresh_pending")]

    def __str__(self) -> str:
        return f"{self.center_id} {self.requested_at:%Y-%m-%d %H:%M}"
