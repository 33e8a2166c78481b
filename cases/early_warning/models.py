"""The early-warning series: weekly risk figures per station."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers.models import Center, Station


class WeeklyRiskSummary(models.Model):
    """The early-warning series: one row per station and ISO week, computed by a periodic task."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="+")
    station = models.ForeignKey(Station, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField(_("week starting"))
    active_general = models.PositiveIntegerField(default=0)
    active_serious = models.PositiveIntegerField(default=0)
    active_high_risk = models.PositiveIntegerField(default=0)
    new_alerts = models.PositiveIntegerField(default=0)
    screenings = models.PositiveIntegerField(default=0)
    positive_screenings = models.PositiveIntegerField(default=0)
    phq9_count = models.PositiveIntegerField(default=0)
    mean_phq9 = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("weekly risk summary")
        verbose_name_plural = _("weekly risk summaries")
        ordering = ["station_id", "week_start"]
        constraints = [
            models.UniqueConstraint(fields=["station", "week_start"], name="weekly_summary_one_per_station_week"),
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.week_start}"

    @property
    def positive_share(self) -> float | None:
        return self.positive_screenings / self.screenings if self.screenings else None
