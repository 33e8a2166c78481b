"""Availability, slots, bookings, reminders, waitlist, calendar feeds and feedback after a session."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from centers.infra.crypto import EncryptedTextField
from centers.models import Center, Resident, Room, Station, User


class Service(models.TextChoices):
    FACE_TO_FACE = "face_to_face", _("Face-to-face counseling")
    PHONE = "phone", _("Phone consultation")
    HOME_VISIT = "home_visit", _("Home visit")


class Place(models.TextChoices):
    CENTER = "center", _("At the center")
    STATION = "station", _("At a community station")
    REMOTE = "remote", _("By phone / online")
    HOME = "home", _("Home visits")


# Which service each kind of place offers.
SERVICE_OF_PLACE = {
    Place.CENTER: Service.FACE_TO_FACE,
    Place.STATION: Service.FACE_TO_FACE,
    Place.REMOTE: Service.PHONE,
    Place.HOME: Service.HOME_VISIT,
}


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Availability(models.Model):
    """A counselor's weekly window at one place, from which bookable slots are generated."""

    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="availabilities", verbose_name=_("center")
    )
    counselor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="availabilities", verbose_name=_("counselor")
    )
    place = models.CharField(_("place"), max_length=20, choices=Place.choices)
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="availabilities",
        verbose_name=_("station"),
        help_text=_("Required at a station; for home visits, the community served."),
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="availabilities", verbose_name=_("room")
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    gap_minutes = models.PositiveSmallIntegerField(
        _("break between sessions (minutes)"), default=10, validators=[MaxValueValidator(60)]
    )
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("published by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("weekly availability")
        verbose_name_plural = _("weekly availability")
        ordering = ["center_id", "counselor_id", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="availability_ends_after_start"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="availability_valid_range",
            ),
            models.CheckConstraint(
                condition=~Q(place="station") | Q(station__isnull=False), name="availability_station_place_has_station"
            ),
            models.CheckConstraint(
                condition=~Q(place__in=["center", "remote"]) | Q(station__isnull=True),
                name="availability_center_remote_no_station",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counselor} · {self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def service(self) -> str:
        return SERVICE_OF_PLACE[Place(self.place)]

    def clean(self) -> None:
        errors = {}
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            errors["end_time"] = _("The window must end after it starts.")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end date must not be before the start date.")
        if self.place == Place.STATION and not self.station_id:
            errors["station"] = _("Choose the station.")
        if self.place in (Place.CENTER, Place.REMOTE) and self.station_id:
            errors["station"] = _("Leave the station empty for the center or for phone consultations.")
        if self.station is not None and self.center_id and self.station.center_id != self.center_id:
            errors["station"] = _("The station belongs to another center.")
        if self.room is not None:
            if self.place not in (Place.CENTER, Place.STATION):
                errors["room"] = _("A room only applies to sessions at the center or a station.")
            elif self.room.center_id != self.center_id or self.room.station_id != self.station_id:
                errors["room"] = _("The room is not at this place.")
        if errors:
            raise ValidationError(errors)


class ExceptionKind(models.TextChoices):
    LEAVE = "leave", _("Leave")
    HOLIDAY = "holiday", _("Public holiday")


class AvailabilityException(models.Model):
    """A span when availability does not apply: a counselor's leave, or a holiday for the whole center."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+", verbose_name=_("center"))
    counselor = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="availability_exceptions",
        verbose_name=_("counselor"),
        help_text=_("Empty for a holiday of the whole center."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ExceptionKind.choices)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    note = models.CharField(_("note"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("leave or holiday")
        verbose_name_plural = _("leave and holidays")
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="exception_valid_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on}–{self.ends_on}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The last day must not be before the first day.")})


class SlotStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CANCELLED = "cancelled", _("Cancelled")


class Slot(models.Model):
    """One bookable time of one counselor at one place, generated from availability."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="slots", verbose_name=_("center"))
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="slots", verbose_name=_("station")
    )
    counselor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="slots", verbose_name=_("counselor"))
    availability = models.ForeignKey(
        Availability, on_delete=models.SET_NULL, null=True, blank=True, related_name="slots", verbose_name=_("from")
    )
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="slots", verbose_name=_("room")
    )
    place = models.CharField(_("place"), max_length=20, choices=Place.choices)
    service = models.CharField(_("service"), max_length=20, choices=Service.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(_("status"), max_length=20, choices=SlotStatus.choices, default=SlotStatus.OPEN)
    # A freed time offered to someone on the waitlist is held for them until this moment.
    held_for = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("held for")
    )
    held_until = models.DateTimeField(_("held until"), null=True, blank=True)

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["center", "service", "starts_at"], name="slot_center_service_time"),
            models.Index(fields=["station", "starts_at"], name="slot_station_time"),
            models.Index(fields=["counselor", "starts_at"], name="slot_counselor_time"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
            models.UniqueConstraint(
                fields=["counselor", "starts_at"], condition=Q(status="open"), name="slot_one_open_per_counselor_time"
            ),
            models.UniqueConstraint(
                fields=["room", "starts_at"],
                condition=Q(status="open", room__isnull=False),
                name="slot_one_open_per_room_time",
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{local:%Y-%m-%d %H:%M} · {self.get_service_display()} · {self.counselor.public_name}"

    @property
    def where(self) -> str:
        if self.place == Place.STATION and self.station_id:
            return str(self.station)
        if self.place == Place.CENTER:
            return str(self.center)
        if self.place == Place.HOME:
            return str(_("At your home"))
        return str(_("By phone"))


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
    AppointmentStatus.NO_SHOW,
)
UPCOMING_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
ACTIVE_Q = ~Q(status="cancelled")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PHONE = "phone", _("By phone")
    WALK_IN = "walk_in", _("Walk-in")
    HOTLINE = "hotline", _("Hotline")
    WAITLIST = "waitlist", _("From the waitlist")


class Appointment(models.Model):
    """A booking of one slot by or for one resident. Times are copied from the slot so the database can
    refuse overlaps."""

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("slot"))
    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("center"))
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        verbose_name=_("station"),
    )
    counselor = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("counselor")
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("resident")
    )
    service = models.CharField(_("service"), max_length=20, choices=Service.choices)
    place = models.CharField(_("place"), max_length=20, choices=Place.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    status = models.CharField(
        _("status"), max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    channel = models.CharField(_("booked through"), max_length=20, choices=Channel.choices)
    reason = EncryptedTextField(_("what you would like to talk about"), max_length=500, blank=True)
    visit_address = models.CharField(_("address for the home visit"), max_length=200, blank=True)
    booked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("booked by")
    )
    booked_at = models.DateTimeField(_("booked"), default=timezone.now)
    rescheduled_from = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rescheduled_to",
        verbose_name=_("moved from"),
    )
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # What the counselor records when completing the session: clinical, so encrypted at rest like case notes.
    session_note = EncryptedTextField(_("session note"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("cancelled by")
    )

    # Set by the station week page: whether the viewer may open this booking (else it shows only as taken).
    shown_to_viewer: bool

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["counselor", "starts_at"], name="appt_counselor_time"),
            models.Index(fields=["resident", "starts_at"], name="appt_resident_time"),
            models.Index(fields=["center", "booked_at"], name="appt_center_booked"),
            models.Index(fields=["station", "starts_at"], name="appt_station_time"),
            # "Is this counselor busy then?" (every booking asks, under its locks): the active appointments
            # that have not ended by the new one's start are the few ahead, not the years behind.
            models.Index(
                fields=["counselor", "ends_at"], condition=~Q(status="cancelled"), name="appt_counselor_ends_active"
            ),
        ]
        # On PostgreSQL, migration 0002 adds exclusion constraints refusing overlapping active
        # appointments of one counselor or of one resident.
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"),
            models.UniqueConstraint(fields=["slot"], condition=ACTIVE_Q, name="appointment_one_active_per_slot"),
            models.UniqueConstraint(
                fields=["counselor", "starts_at"], condition=ACTIVE_Q, name="appointment_counselor_once_per_time"
            ),
            models.UniqueConstraint(
                fields=["resident", "starts_at"], condition=ACTIVE_Q, name="appointment_resident_once_per_time"
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{local:%Y-%m-%d %H:%M} · {self.get_service_display()}"

    def get_absolute_url(self) -> str:
        return reverse("appointments:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status != AppointmentStatus.CANCELLED

    @property
    def is_upcoming(self) -> bool:
        return self.status in UPCOMING_STATUSES and self.starts_at > timezone.now()

    @property
    def where(self) -> str:
        if self.place == Place.STATION and self.station_id:
            return str(self.station)
        if self.place == Place.CENTER:
            return str(self.center)
        if self.place == Place.HOME:
            return str(_("At your home"))
        return str(_("By phone: the counselor calls you"))

    @property
    def address(self) -> str:
        if self.place == Place.STATION and self.station is not None:
            return self.station.address
        if self.place == Place.CENTER:
            return self.center.address
        if self.place == Place.HOME:
            return self.visit_address
        return ""

    def clean(self) -> None:
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("An appointment must end after it starts.")
        if self.resident_id and self.center_id and self.resident.center_id != self.center_id:
            errors["resident"] = _("This person is registered with another center.")
        if self.service == Service.HOME_VISIT and not self.visit_address.strip():
            errors["visit_address"] = _("Give the address for the home visit.")
        if errors:
            raise ValidationError(errors)


class Feedback(models.Model):
    """A resident's rating (1–5) of a completed session, with an optional comment."""

    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("appointment")
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)], help_text=_("1 (poor) to 5 (very good)")
    )
    # A resident's own words on a session can tell of their distress: encrypted like the other clinical text.
    comment = EncryptedTextField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("given"), default=timezone.now)

    class Meta:
        verbose_name = _("session feedback")
        verbose_name_plural = _("session feedback")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id}: {self.rating}"


class ReminderKind(models.TextChoices):
    CONFIRMATION = "confirm", _("Booking confirmation")
    DAY_BEFORE = "24h", _("24 hours before")
    TWO_HOURS = "2h", _("2 hours before")
    CANCELLATION = "cancel", _("Cancellation notice")
    FEEDBACK = "feedback", _("Request for feedback")


REMINDER_OFFSETS_HOURS = {ReminderKind.DAY_BEFORE: 24, ReminderKind.TWO_HOURS: 2}


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Not needed")
    FAILED = "failed", _("Failed")


class Reminder(models.Model):
    """A message about an appointment (confirmation, reminders, cancellation, feedback request) due at a
    moment through one channel. It is a row first; the beat sweep sends it exactly once."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("appointment")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    channel = models.CharField(_("channel"), max_length=20)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["status", "due_at"], name="reminder_status_due")]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "kind", "channel"], name="reminder_once_per_kind_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_id} {self.kind} {self.channel} {self.status}"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered a time")
    BOOKED = "booked", _("Booked")
    LEFT = "left", _("Left the waitlist")
    EXPIRED = "expired", _("Ended")


class WaitlistEntry(models.Model):
    """A resident waiting for a time at a place, for a service, within a range of days."""

    center = models.ForeignKey(Center, on_delete=models.PROTECT, related_name="+", verbose_name=_("center"))
    station = models.ForeignKey(
        Station,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waitlist_entries",
        verbose_name=_("station"),
        help_text=_("Empty for the center itself or for phone consultations."),
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="waitlist_entries", verbose_name=_("resident")
    )
    service = models.CharField(_("service"), max_length=20, choices=Service.choices)
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("until"))
    is_priority = models.BooleanField(
        _("priority"), default=False, help_text=_("Set by the center: offered a time before the others.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("added by")
    )

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist")
        ordering = ["-is_priority", "joined_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="waitlist_valid_range"),
            models.UniqueConstraint(
                fields=["resident", "service", "station"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waitlist_one_open_per_resident_place_service",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_service_display()} · {self.first_day}–{self.last_day}"

    def clean(self) -> None:
        errors = {}
        if self.first_day and self.last_day and self.last_day < self.first_day:
            errors["last_day"] = _("The last day must not be before the first day.")
        if self.station is not None and self.center_id and self.station.center_id != self.center_id:
            errors["station"] = _("The station belongs to another center.")
        if self.resident_id and self.center_id and self.resident.center_id != self.center_id:
            errors["resident"] = _("This person is registered with another center.")
        if errors:
            raise ValidationError(errors)


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    DECLINED = "declined", _("Declined")


class WaitlistOffer(models.Model):
    """A freed slot offered to one waiting person until `expires_at`."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers", verbose_name=_("entry"))
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE, related_name="offers", verbose_name=_("slot"))
    offered_at = models.DateTimeField(_("offered"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    status = models.CharField(_("status"), max_length=20, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    notified_at = models.DateTimeField(_("person told"), null=True, blank=True)

    class Meta:
        verbose_name = _("waitlist offer")
        verbose_name_plural = _("waitlist offers")
        ordering = ["-offered_at"]
        indexes = [models.Index(fields=["status", "expires_at"], name="offer_status_expiry")]
        constraints = [
            models.UniqueConstraint(fields=["slot"], condition=Q(status="open"), name="offer_one_open_per_slot"),
            models.UniqueConstraint(fields=["entry", "slot"], name="offer_once_per_entry_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.slot_id} ({self.status})"


def feed_token_hash(secret: str) -> str:
    """What is stored of a feed's secret: its SHA-256, so the table alone opens no calendar."""
    return hashlib.sha256(secret.encode()).hexdigest()


class CalendarFeed(models.Model):
    """A counselor's private iCalendar address. Only a hash of its secret is kept: the address is shown
    once, when it is made; making a new one ends the old."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("owner"))
    token_hash = models.CharField(_("secret (SHA-256)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The address's secret, on the instance only when a service has just made it; never stored.
    secret: str = ""

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user}"
