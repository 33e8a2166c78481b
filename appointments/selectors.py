"""Reads of the appointments app, scoped to the acting user."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.conf import settings
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments import free_days
from appointments.models import (
    ACTIVE_Q,
    Appointment,
    AppointmentStatus,
    Availability,
    AvailabilityException,
    Channel,
    Feedback,
    OfferStatus,
    Place,
    Service,
    Slot,
    SlotStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistStatus,
)
from appointments.policies import (
    BOOKING_ROLES,
    can_see_station,
    can_see_waitlist_entry,
    resident_ids_acting_for,
    resident_search_station_ids,
    staff_can_see_appointment,
)
from centers.contacts import Callee, session_callee
from centers.models import Center, Resident, Role, Station, User
from centers.own_numbers import preferred_center
from centers.policies import center_ids_for, has_role, station_ids_for

if TYPE_CHECKING:  # WithAnnotations takes two arguments only for the type checker
    from django_stubs_ext import WithAnnotations


class ActiveBookings(TypedDict):
    active_appointments: list[Appointment]


SlotWithBookings: TypeAlias = "WithAnnotations[Slot, ActiveBookings]"


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    return start, start + dt.timedelta(days=1)


# --- Free times -----------------------------------------------------------------------------------


def earliest_online_start(center: Center, now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(hours=center.cancel_cutoff_hours)


def _free(slots: QuerySet[Slot], *, now: dt.datetime, resident_id: int | None = None) -> QuerySet[Slot]:
    taken = Appointment.objects.filter(ACTIVE_Q, slot=OuterRef("pk"))
    not_held = Q(held_until__isnull=True) | Q(held_until__lte=now)
    if resident_id is not None:
        not_held |= Q(held_for_id=resident_id)
    return (
        slots.filter(status=SlotStatus.OPEN)
        .filter(not_held)
        .exclude(Exists(taken))
        .select_related("counselor", "station", "center", "room")
        .order_by("starts_at", "pk")
    )


def slot_is_free(*, slot: Slot, resident_id: int | None = None, now: dt.datetime | None = None) -> bool:
    """Whether nobody has this time (booked, or held for a waitlist offer to someone else)."""
    return _free(Slot.objects.filter(pk=slot.pk), now=now or timezone.now(), resident_id=resident_id).exists()


def fair_share_refusal(*, resident: Resident, slot: Slot, now: dt.datetime | None = None) -> str | None:
    """Why this resident may not book this time themselves under their center's fairness rules (no two
    sessions on one day; at most N upcoming sessions), or None. Two queries."""
    now = now or timezone.now()
    center = slot.center
    mine = Appointment.objects.filter(ACTIVE_Q, resident_id=resident.pk).exclude(slot_id=slot.pk)
    if center.one_session_per_day:
        start, end = day_bounds(timezone.localdate(slot.starts_at))
        if mine.filter(starts_at__gte=start, starts_at__lt=end).exists():
            return _(
                "%(name)s already has a session on %(day)s. One session a day per person leaves times for others: "
                "please choose another day."
            ) % {"name": resident.full_name, "day": timezone.localdate(slot.starts_at).isoformat()}
    upcoming = mine.filter(status=AppointmentStatus.BOOKED, starts_at__gt=now).count()
    if upcoming >= center.max_upcoming_sessions:
        return _(
            "%(name)s already has %(n)s upcoming sessions, as many as this center books ahead for one person. "
            "Once one has taken place (or is cancelled), you can book the next."
        ) % {"name": resident.full_name, "n": upcoming}
    return None


def _place_filter(*, service: str, station: Station | None) -> Q:
    if station is not None:
        return Q(station=station)
    if service == "face_to_face":
        return Q(place=Place.CENTER)
    return Q()


def free_slots(
    *,
    center: Center,
    service: str,
    day: dt.date,
    station: Station | None = None,
    now: dt.datetime | None = None,
    resident_id: int | None = None,
    online: bool = True,
) -> QuerySet[Slot]:
    """Free times of one day for a service at a place (the center when `station` is None). Online bookings
    start after the center's cutoff and within the booking horizon."""
    now = now or timezone.now()
    start, end = day_bounds(day)
    slots = Slot.objects.filter(center=center, service=service, starts_at__gte=start, starts_at__lt=end).filter(
        _place_filter(service=service, station=station)
    )
    earliest = earliest_online_start(center, now) if online else now
    slots = slots.filter(starts_at__gte=earliest)
    if online:
        slots = slots.filter(starts_at__lte=now + dt.timedelta(days=settings.APPOINTMENT_BOOKING_HORIZON_DAYS))
    return _free(slots, now=now, resident_id=resident_id)


class SlotRow(TypedDict):
    pk: int
    times: str
    details: str
    pick_url: str


def slot_rows(slots: Iterable[Slot], *, pick_url_name: str | None = None) -> list[SlotRow]:
    """The lines of a list of free times (appointments/_slot_list.html), worked out here once per list: a
    day's forty-odd times share a few places, counselors and services, whose labels the template's loop
    otherwise rebuilt for each time (a date filter, a display lookup, a translation and a URL each)."""
    services = {value: str(label) for value, label in Service.choices}
    places: dict[tuple[str, int | None, int], str] = {}
    names: dict[int | None, str] = {}
    tz = timezone.get_current_timezone()
    rows: list[SlotRow] = []
    for slot in slots:
        place_key = (slot.place, slot.station_id, slot.center_id)
        if place_key not in places:
            places[place_key] = slot.where
        if slot.counselor_id not in names:
            names[slot.counselor_id] = str(slot.counselor.public_name) if slot.counselor else ""
        start, end = slot.starts_at.astimezone(tz), slot.ends_at.astimezone(tz)
        details = [services.get(slot.service, slot.service), places[place_key], names[slot.counselor_id]]
        rows.append(
            {
                "pk": slot.pk,
                "times": f"{start:%H:%M}–{end:%H:%M}",
                "details": " · ".join(part for part in details if part),
                "pick_url": reverse(pick_url_name, args=[slot.pk]) if pick_url_name else "",
            }
        )
    return rows


def slots_nearest_free(
    *, slot: Slot, limit: int = 5, now: dt.datetime | None = None, online: bool = True
) -> list[Slot]:
    """The free times closest to a slot that was just taken: same center, service and place."""
    now = now or timezone.now()
    earliest = earliest_online_start(slot.center, now) if online else now
    window = dt.timedelta(days=7)
    candidates = Slot.objects.filter(
        center_id=slot.center_id,
        service=slot.service,
        place=slot.place,
        station=slot.station_id,
        starts_at__gte=max(earliest, slot.starts_at - window),
        starts_at__lte=slot.starts_at + window,
    ).exclude(pk=slot.pk)
    found = list(_free(candidates, now=now)[:200])
    found.sort(key=lambda s: (abs((s.starts_at - slot.starts_at).total_seconds()), s.pk))
    return sorted(found[:limit], key=lambda s: s.starts_at)


def bookable_slot(*, pk: int) -> Slot | None:
    """A slot by id for the booking pages (the service decides whether it is still free)."""
    return Slot.objects.select_related("center", "station", "counselor", "room").filter(pk=pk).first()


def days_with_free_slots(
    *, center: Center, service: str, station: Station | None, now: dt.datetime | None = None
) -> list[dt.date]:
    """Which days of the horizon still have a free time (one query, or none while the shared cache holds the
    answer: appointments/free_days.py; a caller that passes `now` asks the database)."""

    def load() -> list[dt.date]:
        at = now or timezone.now()
        slots = Slot.objects.filter(
            center=center,
            service=service,
            starts_at__gte=earliest_online_start(center, at),
            starts_at__lte=at + dt.timedelta(days=settings.APPOINTMENT_BOOKING_HORIZON_DAYS),
        ).filter(_place_filter(service=service, station=station))
        # The database names the local days (a few rows), rather than every free time coming back to Python.
        local_day = TruncDate("starts_at", tzinfo=timezone.get_current_timezone())
        free = _free(slots, now=at).annotate(day=local_day).values_list("day", flat=True)
        return list(free.distinct().order_by("day"))

    if now is not None:
        return load()
    return free_days.cached_days(
        center_id=center.pk, service=service, station_id=station.pk if station else None, load=load
    )


def free_days_between(
    *, center: Center, service: str, station: Station | None, first_day: dt.date, last_day: dt.date
) -> list[dt.date]:
    """Days in [first_day, last_day] that still have a time a resident can book online."""
    days = days_with_free_slots(center=center, service=service, station=station)
    return [d for d in days if first_day <= d <= last_day]


# --- A resident's own appointments ----------------------------------------------------------------


def appointments_for_resident(*, user: User) -> QuerySet[Appointment]:
    """The appointments of the signed-in person and of the children in their care."""
    return (
        Appointment.objects.filter(resident_id__in=resident_ids_acting_for(user))
        .select_related("resident", "center", "station", "counselor", "feedback")
        .order_by("-starts_at", "-pk")
    )


def appointment_for_resident(*, user: User, pk: int) -> Appointment | None:
    return appointments_for_resident(user=user).filter(pk=pk).first()


def open_offers_for_resident(*, user: User) -> QuerySet[WaitlistOffer]:
    return (
        WaitlistOffer.objects.filter(
            entry__resident_id__in=resident_ids_acting_for(user), status=OfferStatus.OPEN, expires_at__gt=timezone.now()
        )
        .select_related("entry__resident", "slot__center", "slot__station", "slot__counselor")
        .order_by("expires_at")
    )


def offer_for_resident(*, user: User, pk: int) -> WaitlistOffer | None:
    return (
        WaitlistOffer.objects.filter(pk=pk, entry__resident_id__in=resident_ids_acting_for(user))
        .select_related("entry__resident", "slot__center", "slot__station", "slot__counselor")
        .first()
    )


def waitlist_for_resident(*, user: User) -> QuerySet[WaitlistEntry]:
    return (
        WaitlistEntry.objects.filter(
            resident_id__in=resident_ids_acting_for(user), status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED]
        )
        .select_related("resident", "station")
        .order_by("joined_at")
    )


def waitlist_entry_for_resident(*, user: User, pk: int) -> WaitlistEntry | None:
    return WaitlistEntry.objects.filter(pk=pk, resident_id__in=resident_ids_acting_for(user)).first()


# --- Staff ----------------------------------------------------------------------------------------


def counselors_of_center(*, center: Center) -> QuerySet[User]:
    return (
        User.objects.filter(memberships__center=center, memberships__role=Role.COUNSELOR, memberships__is_active=True)
        .distinct()
        .order_by("display_name", "pk")
    )


def staff_center(*, user: User) -> Center | None:
    """The center a staff member books and plans for (the one they act for, if several)."""
    return preferred_center(user, center_ids_for(user, [Role.COUNSELOR, Role.STATION_MANAGER, Role.SUPERVISOR]))


def counselor_day(*, user: User, counselor: User, day: dt.date) -> QuerySet[Appointment]:
    """One counselor's appointments of a day, with everything the page shows, in a fixed number of queries.
    A counselor sees their own day; a supervisor any counselor's of their center."""
    start, end = day_bounds(day)
    rows = Appointment.objects.filter(counselor=counselor, starts_at__gte=start, starts_at__lt=end)
    if user.pk != counselor.pk:
        rows = rows.filter(center_id__in=center_ids_for(user, [Role.SUPERVISOR]))
    else:
        rows = rows.filter(center_id__in=center_ids_for(user))
    return rows.select_related("resident", "station", "center", "feedback", "slot__room").order_by("starts_at")


def station_week(*, user: User, station: Station, week_start: dt.date) -> QuerySet[SlotWithBookings]:
    """All slots of a station's week with their active booking, in two queries whatever the data size."""
    start, _ = day_bounds(week_start)
    end = start + dt.timedelta(days=7)
    active = Appointment.objects.filter(ACTIVE_Q).select_related("resident")
    slots = (
        Slot.objects.filter(station=station, starts_at__gte=start, starts_at__lt=end)
        .select_related("counselor", "room")
        .prefetch_related(Prefetch("appointments", queryset=active, to_attr="active_appointments"))
        .order_by("starts_at", "pk")
    )
    return slots if can_see_station(user, station) else slots.none()


def appointment_for_staff(*, user: User, pk: int) -> Appointment | None:
    appointment = (
        Appointment.objects.filter(pk=pk, center_id__in=center_ids_for(user))
        .select_related("resident__user", "resident__guardian__user", "center", "station", "counselor", "slot__room")
        .first()
    )
    if appointment is None or not staff_can_see_appointment(user, appointment):
        return None
    return appointment


def number_to_call(*, appointment: Appointment) -> Callee:
    """Whom the counselor calls for a session by phone: the person, or for a child the guardian (their number,
    their name, and whether it is the guardian's). An empty number says there is none on record."""
    return session_callee(appointment.resident)


def availability_for(*, user: User, counselor: User) -> QuerySet[Availability]:
    centers = center_ids_for(user, [Role.SUPERVISOR]) if user.pk != counselor.pk else center_ids_for(user)
    return (
        Availability.objects.filter(counselor=counselor, center_id__in=centers)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate()))
        .select_related("station", "room")
        .order_by("weekday", "start_time")
    )


def availability_to_manage(*, user: User, center: Center, pk: int) -> Availability | None:
    """A window the user may change: their own, or any of the center's for its supervisor."""
    windows = Availability.objects.filter(pk=pk, center=center).select_related("counselor")
    if not has_role(user, Role.SUPERVISOR, center_id=center.pk):
        windows = windows.filter(counselor=user)
    return windows.first()


def exceptions_ahead(*, center: Center, counselor: User) -> QuerySet[AvailabilityException]:
    """Leave of this counselor and holidays of the center that have not ended yet."""
    return AvailabilityException.objects.filter(
        Q(counselor=counselor) | Q(counselor__isnull=True), center=center, ends_on__gte=timezone.localdate()
    ).order_by("starts_on")


MOBILE_DIGITS = 11
NAME_SEARCH_MIN = 2


def resident_query_usable(query: str) -> bool:
    """A staff search for a person: two characters of a name, or the whole mobile number."""
    query = query.strip()
    if query.isdigit():
        return len(query) == MOBILE_DIGITS
    return len(query) >= NAME_SEARCH_MIN


def residents_for_staff(*, user: User, center: Center, query: str = "") -> QuerySet[Resident]:
    """The people a staff member may book for at a center: their station's (the whole center for its
    supervisor and a counselor without a station). With a query, those it finds by two characters of the
    name or by the whole number; never by the last digits, which would unmask a number digit by digit."""
    if center.pk not in center_ids_for(user, BOOKING_ROLES):
        return Resident.objects.none()
    rows = Resident.objects.filter(center=center, anonymised_at__isnull=True)
    stations = resident_search_station_ids(user, center.pk)
    if stations is not None:
        rows = rows.filter(station_id__in=stations)
    query = query.strip()
    if query:
        if not resident_query_usable(query):
            return rows.none()
        rows = rows.filter(phone=query) if query.isdigit() else rows.filter(full_name__icontains=query)
    return rows.order_by("full_name", "pk")


def waitlist_for_staff(*, user: User, center: Center) -> QuerySet[WaitlistEntry]:
    if not has_role(user, Role.SUPERVISOR, Role.STATION_MANAGER, Role.COUNSELOR, center_id=center.pk):
        return WaitlistEntry.objects.none()
    rows = WaitlistEntry.objects.filter(center=center, status__in=[WaitlistStatus.WAITING, WaitlistStatus.OFFERED])
    if not has_role(user, Role.SUPERVISOR, Role.COUNSELOR, center_id=center.pk):
        rows = rows.filter(station_id__in=station_ids_for(user, [Role.STATION_MANAGER]))
    return rows.select_related("resident", "station").order_by("-is_priority", "joined_at", "pk")


def waitlist_entry_for_staff(*, user: User, pk: int) -> WaitlistEntry | None:
    """An entry of the waitlist the user is shown (waitlist_for_staff): another station's is None for a manager."""
    entry = WaitlistEntry.objects.filter(pk=pk, center_id__in=center_ids_for(user)).first()
    return entry if entry is not None and can_see_waitlist_entry(user, entry) else None


# --- Other apps' contracts ------------------------------------------------------------------------


def online_first_bookings(*, booked_after: dt.datetime) -> QuerySet[Appointment]:
    """Active appointments booked online since `booked_after` that are the resident's first active one at that
    center (cases opens an intake from them). System-level: the caller scopes what it shows.

    A first booking that is moved (or cancelled and booked again) appears again with its new booking time,
    so the caller opens intakes idempotently per resident."""
    earlier = Appointment.objects.filter(
        ACTIVE_Q, resident=OuterRef("resident"), center=OuterRef("center"), booked_at__lt=OuterRef("booked_at")
    )
    return (
        Appointment.objects.filter(ACTIVE_Q, channel=Channel.ONLINE, booked_at__gt=booked_after)
        .exclude(Exists(earlier))
        .select_related("resident", "center", "station", "counselor")
        .order_by("booked_at", "pk")
    )


def station_figures(*, station: Station, start: dt.datetime, end: dt.datetime) -> dict[str, object]:
    """Appointment figures of a station for a period, for the station evaluations."""
    rows = Appointment.objects.filter(ACTIVE_Q, station=station, starts_at__gte=start, starts_at__lt=end)
    by_service = dict(
        rows.filter(status=AppointmentStatus.COMPLETED).values_list("service").annotate(n=Count("pk")).order_by()
    )
    completed = sum(by_service.values())
    no_shows = rows.filter(status=AppointmentStatus.NO_SHOW).count()
    held = completed + no_shows
    waits = [
        (starts - booked).total_seconds() / 3600
        for starts, booked in rows.filter(status=AppointmentStatus.COMPLETED).values_list("starts_at", "booked_at")
    ]
    ratings = Feedback.objects.filter(appointment__in=rows).aggregate(mean=Avg("rating"), n=Count("pk"))
    return {
        "appointments_person_times_face_to_face": by_service.get("face_to_face", 0),
        "appointments_person_times_phone": by_service.get("phone", 0),
        "appointments_person_times_home_visit": by_service.get("home_visit", 0),
        "appointments_residents_served": rows.filter(status=AppointmentStatus.COMPLETED)
        .values("resident_id")
        .distinct()
        .count(),
        "appointments_sessions_completed": completed,
        "appointments_no_shows": no_shows,
        "appointments_no_show_rate": round(no_shows / held, 3) if held else None,
        "appointments_median_wait_hours": round(statistics.median(waits), 1) if waits else None,
        "appointments_satisfaction_mean": round(float(ratings["mean"]), 2) if ratings["mean"] is not None else None,
        "appointments_satisfaction_ratings": ratings["n"],
    }


def person_export(*, resident: Resident) -> dict[str, object]:
    """A resident's appointments and feedback for "download my data" (no staff-side detail)."""
    rows = Appointment.objects.filter(resident=resident).select_related("station", "center", "counselor", "feedback")
    items = []
    for a in rows.order_by("starts_at"):
        feedback = getattr(a, "feedback", None)
        items.append(
            {
                "service": a.service,
                "starts_at": a.starts_at.isoformat(),
                "ends_at": a.ends_at.isoformat(),
                "where": a.where,
                "counselor": a.counselor.public_name,
                "status": a.status,
                "channel": a.channel,
                "reason": a.reason,
                "visit_address": a.visit_address,
                "booked_at": a.booked_at.isoformat(),
                "feedback": {"rating": feedback.rating, "comment": feedback.comment} if feedback else None,
            }
        )
    waits = [
        {"service": w.service, "first_day": str(w.first_day), "last_day": str(w.last_day), "status": w.status}
        for w in WaitlistEntry.objects.filter(resident=resident).order_by("joined_at")
    ]
    return {"appointments": items, "waitlist": waits}
