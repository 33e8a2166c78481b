"""A case's safety plan (the six steps, versioned, encrypted at rest) and its emergency contacts."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers.infra.crypto import EncryptedTextField

STEP_MAX_LENGTH = 2000

# The six steps of a safety plan (Stanley & Brown), in the order a person goes through them in a crisis.
SAFETY_PLAN_STEPS = (
    ("warning_signs", _("1. My warning signs"), _("Thoughts, moods, situations that tell me a crisis may be coming.")),
    ("coping", _("2. What I can do on my own"), _("Things that help me feel better without contacting anyone.")),
    (
        "distraction",
        _("3. People and places that take my mind off things"),
        _("Who I can be with, where I can go, to get through a hard moment."),
    ),
    ("help_people", _("4. People I can ask for help"), _("Family members or friends I can tell how I feel.")),
    (
        "professionals",
        _("5. Professionals and hotlines"),
        _("My counselor, the center's 24-hour number, 12356; in danger 110 or 120."),
    ),
    (
        "safe_environment",
        _("6. Making my surroundings safe"),
        _("What I will put away or give to someone else (medicines, sharp objects), and how."),
    ),
)


class SafetyPlanVersion(models.Model):
    """One saved version of a case's safety plan; every save is a new row, the newest is the plan in force."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="safety_plans")
    version = models.PositiveIntegerField(_("version"))
    warning_signs = EncryptedTextField(SAFETY_PLAN_STEPS[0][1], blank=True)
    coping = EncryptedTextField(SAFETY_PLAN_STEPS[1][1], blank=True)
    distraction = EncryptedTextField(SAFETY_PLAN_STEPS[2][1], blank=True)
    help_people = EncryptedTextField(SAFETY_PLAN_STEPS[3][1], blank=True)
    professionals = EncryptedTextField(SAFETY_PLAN_STEPS[4][1], blank=True)
    safe_environment = EncryptedTextField(SAFETY_PLAN_STEPS[5][1], blank=True)
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("saved"), default=timezone.now)

    class Meta:
        verbose_name = _("safety plan version")
        verbose_name_plural = _("safety plan versions")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="safety_plan_one_row_per_version"),
        ]

    def __str__(self) -> str:
        return f"safety plan v{self.version} case {self.case_id}"

    @property
    def steps(self) -> list[dict]:
        """The six steps in order, for the pages: name, title, hint and what was written."""
        return [
            {"name": name, "title": title, "hint": hint, "text": getattr(self, name)}
            for name, title, hint in SAFETY_PLAN_STEPS
        ]


class ContactBasis(models.TextChoices):
    CONSENT = "consent", _("The person consented to this contact being called")
    IMMINENT_DANGER = "imminent_danger", _("Only in imminent danger to life (Mental Health Law)")


phone_number = RegexValidator(
    r"^\+?[0-9][0-9\- ]{4,19}$", _("Enter a phone number: digits, optionally with an area code and hyphens.")
)


class EmergencyContact(models.Model):
    """Someone to call about the person in a crisis, with the basis on which they may be called."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="emergency_contacts")
    name = EncryptedTextField(_("name"))
    relation = models.CharField(_("relation to the person"), max_length=40)
    phone = EncryptedTextField(_("phone"), validators=[phone_number])
    basis = models.CharField(_("basis for contacting them"), max_length=20, choices=ContactBasis.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    added_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("emergency contact")
        verbose_name_plural = _("emergency contacts")
        ordering = ["added_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(basis__in=["consent", "imminent_danger"]), name="emergency_contact_basis_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.relation} ({self.pk})"

    @property
    def basis_label(self) -> str:
        return str(ContactBasis(self.basis).label)


class EmergencyContactUse(models.Model):
    """Using an emergency contact: who was contacted, when, on what basis, and what came of it."""

    contact = models.ForeignKey(EmergencyContact, on_delete=models.CASCADE, related_name="uses")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="emergency_contact_uses")
    contacted_at = models.DateTimeField(_("contacted at"))
    basis = models.CharField(_("basis"), max_length=20, choices=ContactBasis.choices)
    danger = EncryptedTextField(_("the imminent danger"), blank=True)
    outcome = EncryptedTextField(_("outcome"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("use of an emergency contact")
        verbose_name_plural = _("uses of emergency contacts")
        ordering = ["-contacted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(basis__in=["consent", "imminent_danger"]), name="emergency_contact_use_basis_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"contact {self.contact_id} used {self.contacted_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        errors = {}
        if self.basis == ContactBasis.IMMINENT_DANGER and not (self.danger or "").strip():
            errors["danger"] = _("Say what imminent danger made this call necessary.")
        if self.contacted_at and self.contacted_at > timezone.now() + dt.timedelta(minutes=5):
            errors["contacted_at"] = _("The time of the call cannot be in the future.")
        if errors:
            raise ValidationError(errors)
