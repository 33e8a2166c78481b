"""Screenings: completed instruments (PHQ-9, GAD-7, ASQ), scored by code, answers encrypted at rest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.instruments import Instrument, Text, instrument_get
from cases.models import Case, EncryptedJSONField
from centers.models import Center, Resident, Station


class Screening(models.Model):
    """One completed instrument, scored by code; answers are kept for re-scoring, never shown to others."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="screenings")
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="screenings")
    station = models.ForeignKey(Station, on_delete=models.SET_NULL, null=True, blank=True, related_name="screenings")
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="screenings")
    instrument = models.CharField(_("instrument"), max_length=10)
    answers = EncryptedJSONField(_("answers"), default=dict)
    score = models.PositiveSmallIntegerField(_("score"))
    band = models.CharField(_("band"), max_length=30)
    positive = models.BooleanField(_("positive"), default=False)
    acute = models.BooleanField(_("acute risk"), default=False)
    item9 = models.PositiveSmallIntegerField(_("PHQ-9 item 9"), null=True, blank=True)
    self_reported = models.BooleanField(_("taken online by the person"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    taken_at = models.DateTimeField(_("taken"), default=timezone.now)

    class Meta:
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["station", "taken_at"], name="screening_station_time")]
        constraints = [
            models.CheckConstraint(condition=Q(instrument__in=["phq9", "gad7", "asq"]), name="screening_instrument"),
            models.CheckConstraint(condition=Q(score__lte=27), name="screening_score_range"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.score} ({self.band})"

    @property
    def instrument_def(self) -> Instrument | None:
        return instrument_get(self.instrument)

    @property
    def band_label(self) -> Text | str:
        definition = self.instrument_def
        for _low, code, label in definition.bands if definition else ():
            if code == self.band:
                return label
        return self.band
