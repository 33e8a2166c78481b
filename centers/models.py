"""The organisation and its people: the "1 + 16 + N" of a street center."""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from centers.access_cache import forget

mainland_mobile = RegexValidator(r"^1[3-9]\d{9}$", _("Enter a mainland mobile number of 11 digits, e.g. 13812341234."))


def generated_username(prefix: str) -> str:
    """A unique sign-in-free username: people sign in by email or mobile number, never by this."""
    return f"{prefix}-{secrets.token_hex(6)}"


def mask_phone(phone: str | None) -> str:
    """138****1234: enough to recognise a number, not enough to dial it."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


class User(AbstractUser):
    """An account. Residents sign up themselves; staff accounts are created for them."""

    email = models.EmailField(_("email address"), blank=True)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True, validators=[mainland_mobile])
    phone_verified = models.BooleanField(_("mobile number verified"), default=False)
    display_name = models.CharField(
        _("display name"),
        max_length=40,
        blank=True,
        help_text=_("How the person is shown to residents, e.g. a surname and a title (王老师)."),
    )
    # Staff only: their member id in the center's WeCom (企业微信), where crisis alerts and escalations reach them.
    wecom_userid = models.CharField(
        _("WeCom user id"),
        max_length=64,
        blank=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_.@-]+$", _("Letters, digits and _ . @ - only, as WeCom shows it."))],
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=~Q(email=""), name="user_email_unique_ci"),
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="user_phone_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.email or mask_phone(self.phone) or self.username

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def public_name(self) -> str | StrPromise:
        """What a resident may see of a staff member: title and family name only."""
        return self.display_name or (self.last_name and f"{self.last_name}老师") or _("Counselor")


# The columns a staff member's name needs (User.__str__, public_name): a list of people shown by name
# reads these, not the password hash and the rest of the row.
NAME_FIELDS = ("id", "display_name", "first_name", "last_name", "email", "phone", "username")
# The columns of a user row no page shows: a joined or prefetched person leaves them out (defer).
USER_UNSHOWN = ("password", "last_login", "is_superuser", "is_staff", "date_joined", "wecom_userid")


def user_unshown(path: str) -> list[str]:
    """defer() arguments for the person at `path` (a relation to User) on a joined row."""
    return [f"{path}__{name}" for name in USER_UNSHOWN]


class Center(models.Model):
    """A street's psychological service center (the "1"). Each center's data is its own."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    hotline = models.CharField(_("24-hour hotline"), max_length=20)
    sms_signature = models.CharField(
        _("SMS signature"),
        max_length=12,
        blank=True,
        help_text=_("The name in 【】 at the start of every text message, as registered with the SMS provider."),
    )
    escalation_contact_name = models.CharField(_("escalation contact"), max_length=60, blank=True)
    escalation_contact_phone = models.CharField(_("escalation contact phone"), max_length=20, blank=True)
    escalation_contact_email = models.EmailField(_("escalation contact email"), blank=True)
    # Rules a center may tune (ARCHITECTURE.md section 3): numbers only, never the order of tiers.
    cancel_cutoff_hours = models.PositiveSmallIntegerField(
        _("cancellation cutoff (hours)"), default=12, validators=[MaxValueValidator(168)]
    )
    face_to_face_minutes = models.PositiveSmallIntegerField(
        _("face-to-face session (minutes)"), default=50, validators=[MinValueValidator(10), MaxValueValidator(240)]
    )
    phone_minutes = models.PositiveSmallIntegerField(
        _("phone consultation (minutes)"), default=20, validators=[MinValueValidator(5), MaxValueValidator(120)]
    )
    # Booking fairness: one person cannot take every free time of a busy week.
    max_upcoming_sessions = models.PositiveSmallIntegerField(
        _("upcoming sessions one resident may book"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("Bookings by staff are not limited; they book for clinical need."),
    )
    one_session_per_day = models.BooleanField(_("at most one session a day per resident"), default=True)
    alert_ack_minutes = models.PositiveSmallIntegerField(
        _("crisis alert acknowledgement (minutes)"), default=15, validators=[MinValueValidator(1)]
    )
    alert_second_escalation_minutes = models.PositiveSmallIntegerField(
        _("second escalation (minutes)"), default=30, validators=[MinValueValidator(2)]
    )
    conversation_wait_minutes = models.PositiveSmallIntegerField(
        _("online conversation answer time (minutes)"), default=10, validators=[MinValueValidator(1)]
    )
    phq9_serious_threshold = models.PositiveSmallIntegerField(
        _("PHQ-9 score for serious"), default=15, validators=[MinValueValidator(5), MaxValueValidator(27)]
    )
    gad7_serious_threshold = models.PositiveSmallIntegerField(
        _("GAD-7 score for serious"), default=15, validators=[MinValueValidator(5), MaxValueValidator(21)]
    )
    # Four eyes: leaving high-risk and signing off a once-high-risk closure need a supervisor other than the
    # one who proposed or closed. A center with a single supervisor names a deputy who may give that decision.
    deputy_supervisor = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deputy for four-eyes decisions"),
        help_text=_(
            "A counselor or supervisor of this center (center-wide) who may confirm leaving high-risk and sign off "
            "closures when the only supervisor proposed them."
        ),
    )
    record_retention_years = models.PositiveSmallIntegerField(
        _("counseling record retention (years)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("How long a closed counseling record is kept; erasure requests cannot remove it before then."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("center")
        verbose_name_plural = _("centers")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(alert_second_escalation_minutes__gt=models.F("alert_ack_minutes")),
                name="center_second_escalation_after_first",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.alert_ack_minutes is not None
            and self.alert_second_escalation_minutes is not None
            and self.alert_second_escalation_minutes <= self.alert_ack_minutes
        ):
            raise ValidationError(
                {"alert_second_escalation_minutes": _("The second escalation must come after the first.")}
            )
        if self.deputy_supervisor_id and self.pk:
            eligible = Membership.objects.filter(
                user_id=self.deputy_supervisor_id,
                center_id=self.pk,
                station__isnull=True,
                role__in=[Role.COUNSELOR, Role.SUPERVISOR],
                is_active=True,
                user__is_active=True,
            ).exists()
            if not eligible:
                raise ValidationError(
                    {
                        "deputy_supervisor": _(
                            "The deputy must be an active counselor or supervisor of this center, for the whole center."
                        )
                    }
                )


class Station(models.Model):
    """A community station (one of the "16") under a center."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="stations", verbose_name=_("center"))
    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=40)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["center_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["center", "code"], name="station_code_unique_per_center"),
            models.UniqueConstraint(fields=["center", "name"], name="station_name_unique_per_center"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COUNSELOR = "counselor", _("Counselor")
    VOLUNTEER = "volunteer", _("Volunteer")
    STATION_MANAGER = "station_manager", _("Station manager")
    SUPERVISOR = "supervisor", _("Center supervisor")
    EXPERT = "expert", _("Expert")
    OFFICIAL = "official", _("Street official")
    AUDITOR = "auditor", _("Auditor")


# Roles whose scope is one station; the others act for the whole center.
STATION_SCOPED_ROLES = {Role.STATION_MANAGER}
CENTER_SCOPED_ROLES = {Role.SUPERVISOR, Role.EXPERT, Role.OFFICIAL, Role.AUDITOR}


class MembershipQuerySet(models.QuerySet):
    """update() and bulk_create() send no signals: they end the cached roles of the people they touch
    themselves (centers.access_cache)."""

    def update(self, **kwargs):
        user_ids = set(self.values_list("user_id", flat=True))
        rows = super().update(**kwargs)
        for user_id in user_ids:
            forget(user_id)
        return rows

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        for user_id in {m.user_id for m in created}:
            forget(user_id)
        return created


class Membership(models.Model):
    """A staff member's role in a center, optionally narrowed to one station."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("account"))
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("center"))
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("station"),
        help_text=_("Leave empty for a role across the whole center."),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        ordering = ["center_id", "station_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "center", "station", "role"],
                condition=Q(station__isnull=False),
                name="membership_unique_station_role",
            ),
            models.UniqueConstraint(
                fields=["user", "center", "role"],
                condition=Q(station__isnull=True),
                name="membership_unique_center_role",
            ),
            models.CheckConstraint(
                condition=~Q(role="station_manager") | Q(station__isnull=False),
                name="membership_station_manager_has_station",
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["supervisor", "expert", "official", "auditor"]) | Q(station__isnull=True),
                name="membership_center_roles_have_no_station",
            ),
        ]

    def __str__(self) -> str:
        where = self.station or self.center
        return f"{self.user} · {self.get_role_display()} · {where}"

    def clean(self) -> None:
        errors = {}
        if self.station_id and self.center_id and self.station is not None and self.station.center_id != self.center_id:
            errors["station"] = _("The station belongs to another center.")
        if self.role in STATION_SCOPED_ROLES and not self.station_id:
            errors["station"] = _("A station manager needs a station.")
        if self.role in CENTER_SCOPED_ROLES and self.station_id:
            errors["station"] = _("This role acts for the whole center; leave the station empty.")
        if errors:
            raise ValidationError(errors)


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNSPECIFIED = "", _("Not given")


class Resident(models.Model):
    """A person the center serves, with or without an account of their own."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="residents", verbose_name=_("center"))
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("home community station"),
    )
    user = models.OneToOneField(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="resident", verbose_name=_("account")
    )
    full_name = models.CharField(_("name"), max_length=60)
    phone = models.CharField(_("mobile number"), max_length=11, blank=True, validators=[mainland_mobile])
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    guardian = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="wards",
        verbose_name=_("guardian"),
        help_text=_("For a minor: the resident who acts for them."),
    )
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["center_id", "full_name"]
        indexes = [models.Index(fields=["center", "phone"], name="resident_center_phone")]
        constraints = [
            models.CheckConstraint(condition=~Q(guardian=models.F("pk")), name="resident_not_own_guardian"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def age_on(self, day) -> int | None:
        if not self.birth_date:
            return None
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())

    @property
    def needs_guardian_consent(self) -> bool:
        """Under 14 (PIPL Art. 31): a guardian consents for them."""
        age = self.age
        return age is not None and age < 14

    def clean(self) -> None:
        errors = {}
        if self.station_id and self.center_id and self.station is not None and self.station.center_id != self.center_id:
            errors["station"] = _("The station belongs to another center.")
        if self.guardian_id:
            if self.guardian_id == self.pk:
                errors["guardian"] = _("A person cannot be their own guardian.")
            elif self.guardian is not None and self.guardian.center_id != self.center_id:
                errors["guardian"] = _("The guardian must be registered with the same center.")
        if self.birth_date and self.birth_date > timezone.localdate():
            errors["birth_date"] = _("The date of birth cannot be in the future.")
        if errors:
            raise ValidationError(errors)


class ServiceNeed(models.TextChoices):
    FAMILY_DIVORCE = "family_divorce", _("Families after divorce")
    YOUTH = "youth", _("Children and youth")
    ELDERLY = "elderly", _("Elderly people")
    SPECIAL_POPULATIONS = "special_populations", _("Special populations")
    WORKPLACE = "workplace", _("Workplace stress")
    BEREAVEMENT = "bereavement", _("Bereavement")
    OTHER = "other", _("Other needs")


class ServiceGroup(models.Model):
    """A psychological service group (one of the "N"): counselors and volunteers around a need."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="service_groups", verbose_name=_("center")
    )
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="service_groups", verbose_name=_("station")
    )
    name = models.CharField(_("name"), max_length=100)
    need = models.CharField(_("need"), max_length=30, choices=ServiceNeed.choices)
    members = models.ManyToManyField(User, blank=True, related_name="service_groups", verbose_name=_("members"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    dissolved_at = models.DateTimeField(_("dissolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("service group")
        verbose_name_plural = _("service groups")
        ordering = ["center_id", "station_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "name"], condition=Q(is_active=True), name="service_group_active_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.station_id and self.center_id and self.station.center_id != self.center_id:
            raise ValidationError({"station": _("The station belongs to another center.")})


class PartnerKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    PSYCHIATRIC = "psychiatric", _("Psychiatric care")
    POLICE = "police", _("Police")
    SCHOOL = "school", _("School")
    COMMUNITY_CORRECTION = "community_correction", _("Community correction office")
    DRUG_REHABILITATION = "drug_rehabilitation", _("Drug rehabilitation office")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")


class PartnerInstitution(models.Model):
    """An outside institution that receives referrals and reports back."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="partners", verbose_name=_("center"))
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=30, choices=PartnerKind.choices)
    contact_name = models.CharField(_("contact person"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("partner institution")
        verbose_name_plural = _("partner institutions")
        ordering = ["center_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["center", "name"], name="partner_name_unique_per_center")]

    def __str__(self) -> str:
        return self.name


class RoomKind(models.TextChoices):
    COUNSELING = "counseling", _("Counseling room")
    SAND_PLAY = "sand_play", _("Sand play room")
    EMOTIONAL_RELEASE = "emotional_release", _("Emotional release room")
    EDUCATION = "education", _("Education room")


class Room(models.Model):
    """A room at the center (no station) or at a station."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="rooms", verbose_name=_("center"))
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="rooms", verbose_name=_("station")
    )
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=30, choices=RoomKind.choices)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=2, validators=[MinValueValidator(1)])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["center_id", "station_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "station", "name"], condition=Q(station__isnull=False), name="room_name_per_station"
            ),
            models.UniqueConstraint(
                fields=["center", "name"], condition=Q(station__isnull=True), name="room_name_per_center"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station or self.center} · {self.name}"

    def clean(self) -> None:
        if self.station_id and self.center_id and self.station is not None and self.station.center_id != self.center_id:
            raise ValidationError({"station": _("The station belongs to another center.")})


class ShiftKind(models.TextChoices):
    ONLINE_HOTLINE = "online_hotline", _("24-hour online and hotline duty")
    ONSITE = "onsite", _("On-site duty")


class DutyShift(models.Model):
    """One person on duty for a span of time; crisis routing reads who is on now."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="duty_shifts", verbose_name=_("center"))
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duty_shifts",
        verbose_name=_("station"),
        help_text=_("Empty for duty at the center or online."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ShiftKind.choices)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="duty_shifts", verbose_name=_("on duty"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    is_crisis_team = models.BooleanField(_("crisis team"), default=False)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["center", "kind", "starts_at", "ends_at"], name="shift_center_kind_time")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.user} · {self.starts_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("A shift must end after it starts.")
        if self.station_id and self.center_id and self.station is not None and self.station.center_id != self.center_id:
            errors["station"] = _("The station belongs to another center.")
        if errors:
            raise ValidationError(errors)


# --- The deployment's administrators (等保 level 3) -----------------------------------------------------------
#
# Three separated duties, no one person holding two. A duty belongs to the deployment, not to a center: the system
# administrator keeps accounts, centers, stations and settings (no clinical content, no audit log); the security
# administrator keeps roles, second factors and sign-in pauses; the deployment's auditor reads the whole audit log,
# the rows that belong to no center included, and changes nothing. One row per person (the one-to-one key), so
# nobody holds two duties; a center's auditor role is an audit duty too, so a system or security administrator may
# not hold one (centers.accounts.administrators). Django's superuser flag is for a laptop: `check --deploy` refuses
# it in production.


class AdministratorKind(models.TextChoices):
    SYSTEM = "system", _("System administrator")
    SECURITY = "security", _("Security administrator")
    AUDIT = "audit", _("Deployment auditor")


class Administrator(models.Model):
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="administrator", verbose_name=_("account"))
    kind = models.CharField(_("duty"), max_length=16, choices=AdministratorKind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    granted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )

    class Meta:
        verbose_name = _("administrator")
        verbose_name_plural = _("administrators")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AdministratorKind.values), name="administrator_kind_known"),
            models.CheckConstraint(condition=~Q(granted_by=models.F("user")), name="administrator_not_self_granted"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()}"
