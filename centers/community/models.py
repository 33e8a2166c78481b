"""The community side of 1+16+N: volunteers' training, training sessions, workshops and volunteer tasks.

Imported by CentersConfig.import_models so the models belong to the `centers` app.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

HOURS: dict[str, Any] = {
    "max_digits": 5,
    "decimal_places": 1,
    "validators": [MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("200"))],
}


def _station_in_center(obj: Any, field: str = "station") -> dict[str, Any]:
    station = getattr(obj, field)
    if station is not None and obj.center_id and station.center_id != obj.center_id:
        return {field: _("The station belongs to another center.")}
    return {}


class TrainingSession(models.Model):
    """A training the center (or a station) runs for staff and volunteers."""

    center = models.ForeignKey(
        "centers.Center", on_delete=models.PROTECT, related_name="training_sessions", verbose_name=_("center")
    )
    station = models.ForeignKey(
        "centers.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="training_sessions",
        verbose_name=_("held at station"),
        help_text=_("Leave empty for a training at the center."),
    )
    topic = models.CharField(_("topic"), max_length=120)
    trainer = models.CharField(_("trainer"), max_length=60)
    starts_at = models.DateTimeField(_("date and time"))
    hours = models.DecimalField(_("hours"), **HOURS)
    certificate_months = models.PositiveSmallIntegerField(
        _("certificate valid for (months)"),
        default=0,
        validators=[MaxValueValidator(60)],
        help_text=_("0 if attending gives no certificate; otherwise attendees are cleared for volunteer tasks."),
    )
    created_by = models.ForeignKey(
        "centers.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-starts_at", "pk"]
        indexes = [models.Index(fields=["center", "starts_at"], name="training_center_start")]

    def __str__(self) -> str:
        return f"{self.topic} · {timezone.localtime(self.starts_at):%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("centers:training_detail", args=[self.pk])

    def clean(self) -> None:
        errors = _station_in_center(self)
        if errors:
            raise ValidationError(errors)


class TrainingRecord(models.Model):
    """One person's completed training: a course, its hours, and the certificate with its expiry."""

    center = models.ForeignKey(
        "centers.Center", on_delete=models.PROTECT, related_name="training_records", verbose_name=_("center")
    )
    user = models.ForeignKey(
        "centers.User", on_delete=models.CASCADE, related_name="training_records", verbose_name=_("person")
    )
    session = models.ForeignKey(
        TrainingSession,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("training session"),
    )
    course = models.CharField(_("course"), max_length=120)
    hours = models.DecimalField(_("hours"), **HOURS)
    completed_on = models.DateField(_("completed on"))
    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    certificate_expires_on = models.DateField(
        _("certificate valid until"),
        null=True,
        blank=True,
        help_text=_("Leave empty if the course gives no certificate."),
    )
    recorded_by = models.ForeignKey(
        "centers.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-completed_on", "-pk"]
        indexes = [models.Index(fields=["user", "certificate_expires_on"], name="training_user_expiry")]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"], condition=Q(session__isnull=False), name="training_record_once_per_session"
            ),
            models.CheckConstraint(
                condition=Q(certificate_expires_on__isnull=True) | Q(certificate_expires_on__gt=F("completed_on")),
                name="training_certificate_expires_after_completion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.course} · {self.completed_on}"

    def clean(self) -> None:
        if self.certificate_expires_on and self.completed_on and self.certificate_expires_on <= self.completed_on:
            raise ValidationError(
                {"certificate_expires_on": _("The certificate must expire after the course was completed.")}
            )
        if self.completed_on and self.completed_on > timezone.localdate():
            raise ValidationError({"completed_on": _("A training cannot be completed in the future.")})


class WorkshopKind(models.TextChoices):
    PARENT_CHILD = "parent_child", _("Parent–child workshop")
    LECTURE = "lecture", _("Mental-health lecture")
    SAND_PLAY = "sand_play", _("Sand-play group")
    SUPPORT_GROUP = "support_group", _("Support group")
    OTHER = "other", _("Other activity")


class Workshop(models.Model):
    """A workshop or lecture at a station or the center, with a capacity and online registration."""

    center = models.ForeignKey(
        "centers.Center", on_delete=models.PROTECT, related_name="workshops", verbose_name=_("center")
    )
    station = models.ForeignKey(
        "centers.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="workshops",
        verbose_name=_("station"),
        help_text=_("Leave empty for an activity at the center."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=WorkshopKind.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    place = models.CharField(_("place"), max_length=120, blank=True, help_text=_("Room or address."))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(_("places"), validators=[MinValueValidator(1), MaxValueValidator(500)])
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    attendance_taken_at = models.DateTimeField(_("attendance taken"), null=True, blank=True)
    created_by = models.ForeignKey(
        "centers.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["center", "starts_at"], name="workshop_center_start"),
            models.Index(fields=["station", "starts_at"], name="workshop_station_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="workshop_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="workshop_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("centers:workshop_detail", args=[self.pk])

    @property
    def where(self):
        return self.station or self.center

    @property
    def is_upcoming(self) -> bool:
        return self.starts_at > timezone.now()

    @property
    def duration_hours(self) -> Decimal:
        seconds = (self.ends_at - self.starts_at).total_seconds()
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.1"))

    def clean(self) -> None:
        errors = _station_in_center(self)
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("A workshop must end after it starts.")
        if errors:
            raise ValidationError(errors)


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Place confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Attendance(models.TextChoices):
    UNKNOWN = "", _("Not taken")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")


class WorkshopRegistration(models.Model):
    """A resident's place (or place on the waiting list) at a workshop."""

    workshop = models.ForeignKey(
        Workshop, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("workshop")
    )
    resident = models.ForeignKey(
        "centers.Resident", on_delete=models.CASCADE, related_name="workshop_registrations", verbose_name=_("resident")
    )
    status = models.CharField(_("status"), max_length=12, choices=RegistrationStatus.choices)
    attendance = models.CharField(_("attendance"), max_length=10, choices=Attendance.choices, blank=True, default="")
    note = models.CharField(
        _("note for the organisers"),
        max_length=200,
        blank=True,
        help_text=_("Anything the organisers should know, e.g. the child's age."),
    )
    registered_by = models.ForeignKey(
        "centers.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("place confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # A place given from the waiting list is a row first; the sweep texts the person and sets notified_at.
    promoted_at = models.DateTimeField(_("moved up from the waiting list"), null=True, blank=True)
    notified_at = models.DateTimeField(_("told by SMS"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)

    # Not a column: the place in the waiting list, set by selectors.with_waitlist_positions for a page.
    position: int | None

    class Meta:
        verbose_name = _("workshop registration")
        verbose_name_plural = _("workshop registrations")
        ordering = ["registered_at", "pk"]
        indexes = [
            models.Index(fields=["workshop", "status", "registered_at"], name="registration_queue"),
            models.Index(
                fields=["promoted_at"],
                condition=Q(promoted_at__isnull=False, notified_at__isnull=True),
                name="registration_to_notify",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "resident"],
                condition=~Q(status="cancelled"),
                name="registration_one_active_per_resident",
            ),
            models.CheckConstraint(
                condition=Q(attendance="") | Q(status="confirmed"),
                name="registration_attendance_only_when_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workshop} · {self.resident} · {self.get_status_display()}"


class DutyStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class VolunteerTaskKind(models.TextChoices):
    WORKSHOP_DUTY = "workshop_duty", _("Workshop duty")
    HOME_VISIT = "home_visit", _("Home visit with a counselor")
    OUTREACH = "outreach", _("Community outreach")
    OTHER = "other", _("Other task")


class VolunteerTask(models.Model):
    """A task given to a volunteer (a workshop duty or other community work); its hours count when done."""

    center = models.ForeignKey(
        "centers.Center", on_delete=models.PROTECT, related_name="volunteer_tasks", verbose_name=_("center")
    )
    station = models.ForeignKey(
        "centers.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer_tasks",
        verbose_name=_("station"),
    )
    volunteer = models.ForeignKey(
        "centers.User", on_delete=models.PROTECT, related_name="volunteer_tasks", verbose_name=_("volunteer")
    )
    workshop = models.ForeignKey(
        Workshop,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duties",
        verbose_name=_("workshop"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=VolunteerTaskKind.choices)
    title = models.CharField(_("task"), max_length=120)
    due_at = models.DateTimeField(_("when"))
    hours = models.DecimalField(_("hours"), **HOURS)
    status = models.CharField(_("status"), max_length=10, choices=DutyStatus.choices, default=DutyStatus.ASSIGNED)
    assigned_by = models.ForeignKey(
        "centers.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("volunteer task")
        verbose_name_plural = _("volunteer tasks")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["volunteer", "status", "due_at"], name="vtask_volunteer_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "volunteer"],
                condition=Q(workshop__isnull=False) & ~Q(status="cancelled"),
                name="vtask_one_duty_per_workshop",
            ),
            models.CheckConstraint(
                condition=~Q(kind="workshop_duty") | Q(workshop__isnull=False),
                name="vtask_workshop_duty_has_workshop",
            ),
            models.CheckConstraint(
                condition=Q(status="done", done_at__isnull=False) | (~Q(status="done") & Q(done_at__isnull=True)),
                name="vtask_done_at_when_done",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.volunteer}"

    def clean(self) -> None:
        errors = _station_in_center(self)
        if self.kind == VolunteerTaskKind.WORKSHOP_DUTY and not self.workshop_id:
            errors["workshop"] = _("A workshop duty needs its workshop.")
        if self.workshop is not None and self.center_id and self.workshop.center_id != self.center_id:
            errors["workshop"] = _("The workshop belongs to another center.")
        if errors:
            raise ValidationError(errors)
