"""When each periodic sweep last ran: one row per sweep, updated at the end of every run.

Loaded with the app's models (CentersConfig.import_models). `/healthz` and the outbox dispatcher read it to notice a stopped
scheduler; the dispatcher keeps the start of an outage it has told people about in `outage_since`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SweepRun(models.Model):
    name = models.CharField(_("sweep"), max_length=100, unique=True)
    # The beat interval in seconds; empty for sweeps on a calendar (nightly, hourly), which are not judged.
    interval_seconds = models.PositiveIntegerField(null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run"))
    # The last run before an outage the people on call were told about; cleared once they are told it is back.
    outage_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sweep run")
        verbose_name_plural = _("sweep runs")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_run_at:%Y-%m-%d %H:%M:%S}"
