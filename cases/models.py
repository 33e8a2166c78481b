"""Cases: the case and its timeline, tiers and stages, notes, expert consultations, re-assessments.

The other rooms keep their models beside them (alerts, referrals, follow_ups, screenings, early_warning,
consult, safety); CasesConfig.import_models loads them as models of this app.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers.infra.crypto import EncryptedTextField, encrypt_text
from centers.models import Center, Resident, ServiceGroup, Station

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class EncryptedJSONField(EncryptedTextField):
    """JSON stored encrypted (screening answers): code sees a dict, the database only ciphertext."""

    description = "JSON encrypted at rest"

    def to_python(self, value):
        if value is None or isinstance(value, dict | list):
            return value
        return json.loads(value) if value else {}

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, str):
            value = self.to_python(value)
        return encrypt_text(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def from_db_value(self, value, expression, connection):
        text = super().from_db_value(value, expression, connection)
        return json.loads(text) if text else {}

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), ensure_ascii=False)


class Tier(models.IntegerChoices):
    """Ordered: a higher number is a higher risk (centers change thresholds, never this order)."""

    GENERAL = 1, _("General")
    SERIOUS = 2, _("Serious")
    HIGH_RISK = 3, _("High-risk")


class Stage(models.TextChoices):
    RELIEVE = "relieve", _("Relieve (疏)")
    ASSESS = "assess", _("Assess (评)")
    DISPATCH = "dispatch", _("Dispatch (转)")
    INTERVENE = "intervene", _("Refer and intervene (介)")
    FOLLOW_UP = "follow_up", _("Follow up (访)")
    CLOSED = "closed", _("Closed")


# The 疏 → 评 → 转 → 介 → 访 state machine. Closing and reopening have their own services.
TRANSITIONS: dict[str, set[str]] = {
    Stage.RELIEVE: {Stage.ASSESS},
    Stage.ASSESS: {Stage.DISPATCH},
    Stage.DISPATCH: {Stage.INTERVENE},
    Stage.INTERVENE: {Stage.FOLLOW_UP},
    Stage.FOLLOW_UP: {Stage.INTERVENE, Stage.ASSESS},
    Stage.CLOSED: set(),
}


class CrisisPhase(models.TextChoices):
    BEFORE = "before", _("Before a crisis (事前)")
    DURING = "during", _("During a crisis (事中)")
    AFTER = "after", _("After a crisis (事后)")


class Channel(models.TextChoices):
    ONLINE_BOOKING = "online_booking", _("First session booked online")
    HOTLINE = "hotline", _("Hotline call")
    WALK_IN = "walk_in", _("Walk-in")
    STATION_REPORT = "station_report", _("Station report")
    PARTNER_REFERRAL = "partner_referral", _("Referral from a partner")
    SCREENING = "screening", _("Positive screening")
    HELP_NOW = "help_now", _('"I need help now" request')
    ONLINE_CONSULT = "online_consult", _("Online conversation with the counselor on duty")


class SpecialTag(models.TextChoices):
    COMMUNITY_CORRECTION = "community_correction", _("Community correction")
    DRUG_REHABILITATION = "drug_rehabilitation", _("Drug rehabilitation")
    SEVERE_MENTAL_ILLNESS = "severe_mental_illness", _("Severe mental illness")
    MINOR = "minor", _("Minor")
    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    MIGRANT_WORKER = "migrant_worker", _("Migrant worker")


class CaseQuerySet(models.QuerySet["Case"]):
    def open(self) -> CaseQuerySet:
        return self.exclude(stage=Stage.CLOSED)

    def response_missed(self, at: dt.datetime) -> CaseQuerySet:
        """Open cases past their response time without it: a general one unassigned, a serious or high-risk
        one without a first contact (the same test as Case.response_done)."""
        unmet = Q(tier=Tier.GENERAL, assigned_at__isnull=True) | Q(tier__gt=Tier.GENERAL, first_contact_at__isnull=True)
        return self.open().filter(unmet, respond_by__lte=at)

    def review_missed(self, at: dt.datetime) -> CaseQuerySet:
        """Open serious and high-risk cases past their expert-review time with no consultation asked."""
        asked = Consultation.objects.filter(case=OuterRef("pk"))
        return self.open().filter(tier__gte=Tier.SERIOUS, expert_review_by__lte=at).exclude(Exists(asked))


def choice_label(choices: type[models.Choices], value: Any) -> Any:
    """The label of a stored choice, for list rows: Django's get_FOO_display() rebuilds the field's choices
    dictionary on every call (8 ms for the workspace's 50 rows); the enum's label is a lookup. An unknown
    value is shown as stored, as get_FOO_display() would."""
    try:
        return choices(value).label
    except ValueError:
        return value


class Case(models.Model):
    """One person's case at one center; a person has at most one open case per center."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="cases", verbose_name=_("center"))
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("station")
    )
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="cases", verbose_name=_("person"))
    channel = models.CharField(_("first channel"), max_length=30, choices=Channel.choices)
    source = models.CharField(_("source"), max_length=120, blank=True)
    summary = EncryptedTextField(_("presenting concern"), blank=True)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, default=Tier.GENERAL)
    opened_tier = models.PositiveSmallIntegerField(_("tier when opened"), choices=Tier.choices, default=Tier.GENERAL)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.RELIEVE)
    crisis_phase = models.CharField(
        _("crisis phase"), max_length=10, choices=CrisisPhase.choices, default=CrisisPhase.BEFORE
    )
    special_tags = models.JSONField(_("special populations"), default=list, blank=True)
    counselors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="cases", verbose_name=_("counselors")
    )
    service_group = models.ForeignKey(
        ServiceGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("service group"),
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    respond_by = models.DateTimeField(_("respond by"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    expert_review_by = models.DateTimeField(_("expert review by"), null=True, blank=True)
    ever_high_risk = models.BooleanField(_("was ever high-risk"), default=False)
    # How far a missed deadline has been chased: 0 not yet, 1 the responsible person, 2 the supervisors.
    response_chase_level = models.PositiveSmallIntegerField(_("missed response chased"), default=0)
    review_chase_level = models.PositiveSmallIntegerField(_("missed expert review chased"), default=0)
    pending_tier = models.PositiveSmallIntegerField(
        _("tier awaiting confirmation"), choices=Tier.choices, null=True, blank=True
    )
    pending_tier_reason = EncryptedTextField(_("reason for the proposed tier"), max_length=300, blank=True)
    pending_tier_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closure_requested_at = models.DateTimeField(_("closure requested"), null=True, blank=True)
    closure_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closure_summary = EncryptedTextField(_("closing summary"), blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-tier", "respond_by", "-opened_at"]
        indexes = [
            models.Index(fields=["center", "stage", "tier"], name="case_center_stage_tier"),
            models.Index(fields=["station", "stage"], name="case_station_stage"),
            # New intakes (workspace and console): the few open cases nobody has taken yet.
            models.Index(
                fields=["center", "-tier", "respond_by"],
                condition=Q(assigned_at__isnull=True) & ~Q(stage="closed"),
                name="case_unassigned_open",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "center"], condition=~Q(stage="closed"), name="case_one_open_per_person_center"
            ),
            models.CheckConstraint(condition=Q(tier__in=[1, 2, 3]), name="case_tier_valid"),
            models.CheckConstraint(condition=Q(stage__in=[s.value for s in Stage]), name="case_stage_valid"),
            models.CheckConstraint(
                condition=~Q(stage="closed") | Q(closed_at__isnull=False), name="case_closed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.get_tier_display()}"

    def get_absolute_url(self) -> str:
        return reverse("cases:case_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return Case.reference_for(self.pk) if self.pk else ""

    @staticmethod
    def reference_for(pk: int) -> str:
        """The reference people quote (C000123), from the id alone: bulk work need not load the case."""
        return f"C{pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.stage != Stage.CLOSED

    @property
    def tier_label(self) -> str:
        return choice_label(Tier, self.tier)

    @property
    def stage_label(self) -> str:
        return choice_label(Stage, self.stage)

    @property
    def tier_css(self) -> str:
        css: dict[int, str] = {Tier.GENERAL: "general", Tier.SERIOUS: "serious", Tier.HIGH_RISK: "high_risk"}
        return css.get(self.tier, "")

    @property
    def tag_labels(self) -> list[StrOrPromise]:
        labels = dict(SpecialTag.choices)
        return [labels[t] for t in self.special_tags if t in labels]

    @property
    def response_done(self) -> bool:
        """General cases need assigning; serious and high-risk ones a first contact."""
        return bool(self.assigned_at if self.tier == Tier.GENERAL else self.first_contact_at)

    @property
    def response_overdue(self) -> bool:
        return (
            self.is_open and self.respond_by is not None and not self.response_done and self.respond_by < timezone.now()
        )

    def clean(self) -> None:
        errors = {}
        station = self.station if self.station_id else None
        if station is not None and self.center_id and station.center_id != self.center_id:
            errors["station"] = _("The station belongs to another center.")
        if self.resident_id and self.center_id and self.resident.center_id != self.center_id:
            errors["resident"] = _("The person is registered with another center.")
        unknown = [t for t in self.special_tags or [] if t not in SpecialTag.values]
        if unknown:
            errors["special_tags"] = _("Unknown special population.")
        if self.stage == Stage.CLOSED and not self.closed_at:
            errors["stage"] = _("A closed case needs a closing time.")
        if errors:
            raise ValidationError(errors)


class EventKind(models.TextChoices):
    OPENED = "opened", _("Case opened")
    JOINED = "joined", _("New signal joined the case")
    REOPENED = "reopened", _("Case reopened")
    TIER = "tier", _("Tier changed")
    TIER_PROPOSED = "tier_proposed", _("Lower tier proposed")
    STAGE = "stage", _("Stage changed")
    PHASE = "phase", _("Crisis phase changed")
    ROUTED = "routed", _("Routed")
    ASSIGNED = "assigned", _("Counselor assigned")
    ALERT = "alert", _("Crisis alert raised")
    ALERT_ACK = "alert_ack", _("Crisis alert acknowledged")
    ESCALATED = "escalated", _("Escalated")
    CONTACT = "contact", _("First contact made")
    SCREENING = "screening", _("Screening recorded")
    NOTE = "note", _("Note added")
    REFERRAL = "referral", _("Referral")
    FOLLOW_UP = "follow_up", _("Follow-up")
    CONSULTATION = "consultation", _("Expert consultation")
    TAGS = "tags", _("Special populations changed")
    REASSESSED = "reassessed", _("Re-assessed")
    CLOSURE_REQUESTED = "closure_requested", _("Closure requested")
    CLOSED = "closed", _("Case closed")
    CONSENT = "consent", _("Consent recorded")
    GROUP = "group", _("Service group changed")
    CONVERSATION = "conversation", _("Online conversation linked")
    ERASURE = "erasure", _("The person asked for erasure: the record is kept")
    SAFETY_PLAN = "safety_plan", _("Safety plan saved")
    EMERGENCY_CONTACT = "emergency_contact", _("Emergency contact recorded")
    EMERGENCY_CONTACT_USED = "emergency_contact_used", _("Emergency contact contacted")


class CaseEvent(models.Model):
    """One entry of a case's timeline: who did what, when, and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("what"), max_length=30, choices=EventKind.choices)
    from_value = models.CharField(_("from"), max_length=40, blank=True)
    to_value = models.CharField(_("to"), max_length=40, blank=True)
    reason = EncryptedTextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def kind_label(self) -> str:
        return choice_label(EventKind, self.kind)

    @property
    def from_label(self) -> str:
        return event_value_label(self.kind, self.from_value)

    @property
    def to_label(self) -> str:
        return event_value_label(self.kind, self.to_value)


# The choices of the other rooms that the timeline labels (event_value_label) live here, beside the
# case, so that this module imports none of the domain model modules that build on it.
class ReferralStatus(models.TextChoices):
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    COMPLETED = "completed", _("Completed")


class FollowUpKind(models.TextChoices):
    REGULAR = "regular", _("Follow-up by tier")
    POST_CLOSURE = "post_closure", _("Follow-up after closure")
    REASSESSMENT = "reassessment", _("Re-assessment after partner feedback")


class AlertLevel(models.IntegerChoices):
    """How far a crisis alert has been escalated (CrisisAlert.Level)."""

    TEAM = 0, _("Crisis team on duty")
    SUPERVISOR = 1, _("Supervisor")
    CONTACT = 2, _("Escalation contact")


ROUTE_LABELS = {
    "crisis_team": _("Crisis team on duty"),
    "center_counselors": _("Center counselors"),
    "station_counselors": _("Station counselors"),
}
FOLLOW_UP_EVENT_LABELS = {"assigned": _("assigned"), "done": _("done"), "not_reached": _("person not reached")}
CONSULTATION_EVENT_LABELS = {"requested": _("advice asked for"), "advised": _("advice given")}
INTAKE_REF_LABELS = {
    "station-request": _("passed on by a colleague"),
    "appointment": _("from a booking"),
    "conversation": _("from an online conversation"),
}


def event_value_label(kind: str, value: str) -> str:
    """What a timeline shows for a stored code: labels in the reader's language, ids hidden."""
    if not value:
        return ""
    try:
        if kind in (EventKind.TIER, EventKind.TIER_PROPOSED, EventKind.REASSESSED):
            return str(Tier(int(value)).label)
        if kind in (EventKind.STAGE, EventKind.REOPENED):
            return str(Stage(value).label)
        if kind == EventKind.PHASE:
            return str(CrisisPhase(value).label)
        if kind in (EventKind.OPENED, EventKind.JOINED) and ":" in value:
            # The record the intake came from (its `ref`): named by kind, its id hidden.
            return str(INTAKE_REF_LABELS.get(value.split(":", 1)[0], ""))
        if kind in (EventKind.OPENED, EventKind.JOINED, EventKind.ALERT):
            return str(dict(Channel.choices + [("judgement", _("Counselor judgement"))])[value])
        if kind == EventKind.ROUTED:
            return str(ROUTE_LABELS[value])
        if kind == EventKind.REFERRAL:
            return str(ReferralStatus(value).label)
        if kind == EventKind.TAGS:
            labels = dict(SpecialTag.choices)
            return "、".join(str(labels[t]) for t in value.split(",") if t in labels)
        if kind == EventKind.ESCALATED:
            if value.startswith("follow_up:"):
                return str(_("Overdue follow-up, level %(level)s") % {"level": value.split(":", 1)[1]})
            return str(AlertLevel(int(value)).label)
        if kind == EventKind.FOLLOW_UP:
            return str(FOLLOW_UP_EVENT_LABELS.get(value) or FollowUpKind(value).label)
        if kind == EventKind.CONVERSATION:
            return f"OC{int(value):06d}"
        if kind == EventKind.CONSULTATION:
            return str(CONSULTATION_EVENT_LABELS[value])
        if kind == EventKind.SAFETY_PLAN:
            return str(_("version %(n)d") % {"n": int(value)})
    except (KeyError, ValueError):
        return value
    if kind in (
        EventKind.ASSIGNED,
        EventKind.ALERT_ACK,
        EventKind.CONTACT,
        EventKind.NOTE,
        EventKind.GROUP,
        EventKind.CONSENT,
        EventKind.ERASURE,
        EventKind.EMERGENCY_CONTACT,
        EventKind.EMERGENCY_CONTACT_USED,
    ):
        return ""  # ids and codes that mean nothing to a reader
    return value


class CaseNote(models.Model):
    """A session note, encrypted at rest; readable by the case's counselors and the supervisor only."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = EncryptedTextField(_("note"))
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"note {self.pk} case {self.case_id}"


class Consultation(models.Model):
    """An expert consultation on a case; the expert sees only the cases consulted on."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consultations")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consultations")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    question = EncryptedTextField(_("question for the expert"))
    advice = EncryptedTextField(_("advice"), blank=True)
    advised_at = models.DateTimeField(_("advised"), null=True, blank=True)

    class Meta:
        verbose_name = _("expert consultation")
        verbose_name_plural = _("expert consultations")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"consultation {self.pk} case {self.case_id}"


class Reassessment(models.Model):
    """A re-assessment before closure: a new screening or a structured judgement."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reassessments")
    screening = models.ForeignKey("Screening", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    judged_tier = models.PositiveSmallIntegerField(_("risk now"), choices=Tier.choices)
    functioning_improved = models.BooleanField(_("daily functioning improved"), default=False)
    supports_in_place = models.BooleanField(_("support network in place"), default=False)
    rationale = EncryptedTextField(_("rationale"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("re-assessment")
        verbose_name_plural = _("re-assessments")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"reassessment {self.pk} case {self.case_id}"
