"""Demo availability, history and bookings on top of `seed_demo`. Safe to run twice: the second run adds nothing."""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from appointments.models import (
    Appointment,
    AppointmentStatus,
    Availability,
    Channel,
    Place,
    Reminder,
    ReminderStatus,
    Slot,
    SlotStatus,
)
from appointments.selectors import fair_share_refusal
from appointments.services.availability import availability_publish, slots_generate
from appointments.services.booking import appointment_book
from appointments.services.feedback import feedback_give
from appointments.services.feeds import calendar_feed_ensure
from appointments.services.sessions import session_complete, session_no_show
from appointments.services.waitlist import waitlist_join
from centers.models import Center, DutyShift, Resident, Room, ShiftKind, Station, User
from centers.roster.services import duty_shift_create

SEED = 20261123
DEMO_DOMAIN = "demo.fucheng.cn"

# (counselor key, place, station code or None, weekdays, start hour, end hour, room name or None)
WINDOWS = [
    ("counselor", Place.STATION, "dongfeng", (0, 2), 9, 12, "咨询室"),
    ("counselor", Place.STATION, "heping", (4,), 14, 17, "咨询室"),
    ("counselor", Place.REMOTE, None, (1,), 19, 21, None),
    ("counselor2", Place.STATION, "xinhua", (1, 3), 9, 12, "咨询室"),
    ("counselor2", Place.HOME, "xinhua", (5,), 9, 11, None),
    ("counselor3", Place.CENTER, None, (0, 1, 2, 3, 4), 9, 12, "个体咨询室"),
    ("counselor3", Place.REMOTE, None, (2,), 14, 16, None),
    ("counselor4", Place.CENTER, None, (0, 1, 2, 3, 4), 14, 17, "沙盘室"),
    ("counselor4", Place.REMOTE, None, (5,), 10, 12, None),
    ("counselor5", Place.STATION, "guangming", (2, 4), 9, 12, "咨询室"),
]
HISTORY_DAYS = 28
COMMENTS = ["", "", "老师很耐心。", "谈完轻松了一些。", "希望时间能再长一点。", ""]


def _user(key: str) -> User:
    user = User.objects.filter(email__iexact=f"{key}@{DEMO_DOMAIN}").first()
    if user is None:
        raise CommandError("Run `python manage.py seed_demo` first.")
    return user


class Command(BaseCommand):
    help = "Demo availability, past sessions with ratings and no-shows, and upcoming bookings (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        rng = random.Random(SEED)
        center = Center.objects.filter(code="fucheng").first()
        if center is None:
            raise CommandError("Run `python manage.py seed_demo` first.")
        supervisor = _user("supervisor")
        today = timezone.localdate()
        start = today - dt.timedelta(days=HISTORY_DAYS)
        windows = self._availability(center, supervisor, start)
        windows += self._today_window(center, supervisor, today)
        slots_generate(
            center=center, start=start, end=today + dt.timedelta(days=settings.APPOINTMENT_BOOKING_HORIZON_DAYS)
        )
        history = self._history(center, rng, today)
        upcoming = self._upcoming(center, today)
        todays = self._todays_sessions(center, rng, today)
        for key in ("counselor", "counselor2", "counselor3", "counselor4", "counselor5"):
            calendar_feed_ensure(user=_user(key))
        self._station_duty(center, supervisor, today)
        self.stdout.write(
            self.style.SUCCESS(
                f"Appointments demo ready: {windows} new weekly windows, {history} past sessions, "
                f"{upcoming} upcoming bookings for the demo resident, {todays} sessions today for the demo counselor."
            )
        )

    def _availability(self, center, supervisor, valid_from) -> int:
        created = 0
        for key, place, station_code, weekdays, start_hour, end_hour, room_name in WINDOWS:
            counselor = _user(key)
            station = Station.objects.get(center=center, code=station_code) if station_code else None
            room = None
            if room_name and place in (Place.CENTER, Place.STATION):
                room = Room.objects.filter(center=center, station=station, name=room_name).first()
            for weekday in weekdays:
                if Availability.objects.filter(
                    counselor=counselor, weekday=weekday, start_time=dt.time(start_hour), place=place
                ).exists():
                    continue
                availability_publish(
                    actor=supervisor,
                    counselor=counselor,
                    center=center,
                    place=place,
                    station=station,
                    room=room,
                    weekday=weekday,
                    start_time=dt.time(start_hour),
                    end_time=dt.time(end_hour),
                    valid_from=valid_from,
                )
                created += 1
        return created

    def _station_duty(self, center, supervisor, today) -> None:
        """On-site duty at the Dongfeng station on weekdays of the coming two weeks (its manager)."""
        station = Station.objects.get(center=center, code="dongfeng")
        manager = _user("manager")
        tz = timezone.get_current_timezone()
        for offset in range(14):
            day = today + dt.timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            starts = dt.datetime.combine(day, dt.time(9), tzinfo=tz)
            if DutyShift.objects.filter(user=manager, starts_at=starts).exists():
                continue
            duty_shift_create(
                actor=supervisor,
                center=center,
                kind=ShiftKind.ONSITE,
                user=manager,
                station=station,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=8),
            )

    def _history(self, center, rng, today) -> int:
        """Past sessions: most completed (many rated), some no-shows. Skipped when history exists."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(today - dt.timedelta(days=HISTORY_DAYS), dt.time(), tzinfo=tz)
        end = dt.datetime.combine(today, dt.time(), tzinfo=tz)
        if Appointment.objects.filter(center=center, starts_at__gte=start, starts_at__lt=end).exists():
            return 0
        residents = list(Resident.objects.filter(center=center, anonymised_at__isnull=True).order_by("pk"))
        slots = list(
            Slot.objects.filter(center=center, status=SlotStatus.OPEN, starts_at__gte=start, starts_at__lt=end)
            .select_related("center")
            .order_by("starts_at", "counselor_id")
        )
        chosen = rng.sample(slots, k=min(len(slots), 40))
        chosen.sort(key=lambda s: (s.starts_at, s.counselor_id))
        made = 0
        for slot in chosen:
            resident = rng.choice(residents)
            if _busy(resident, slot):
                continue
            booked_at = slot.starts_at - dt.timedelta(hours=rng.randint(20, 120))
            online = resident.user_id is not None and rng.random() < 0.6
            if online and fair_share_refusal(resident=resident, slot=slot, now=booked_at):
                online = False  # the person could not have booked it themselves; the counselor did
            appointment = appointment_book(
                slot=slot,
                resident=resident,
                booked_by=resident.user if online else slot.counselor,
                channel=Channel.ONLINE if online else rng.choice([Channel.PHONE, Channel.WALK_IN, Channel.HOTLINE]),
                visit_address="阜城街道建设路 12 号" if slot.place == Place.HOME else "",
                now=booked_at,
                by_staff=not online,
            )
            if rng.random() < 0.15:
                session_no_show(appointment=appointment, actor=slot.counselor, now=slot.ends_at)
            else:
                session_complete(appointment=appointment, actor=slot.counselor, now=slot.ends_at)
                rater = resident.user or (resident.guardian.user if resident.guardian else None)
                if rater is not None and rng.random() < 0.8:
                    feedback_give(
                        appointment=appointment,
                        actor=rater,
                        rating=rng.choice([3, 4, 4, 5, 5, 5]),
                        comment=rng.choice(COMMENTS),
                    )
            made += 1
        # The demo must not send yesterday's messages when its sweep starts.
        Reminder.objects.filter(appointment__starts_at__lt=end, status=ReminderStatus.PENDING).update(
            status=ReminderStatus.CANCELLED
        )
        return made

    def _today_window(self, center, supervisor, today) -> int:
        """The demo counselor works every day the demo is started: an afternoon at the center on a weekday
        their usual windows leave free, so the workspace always shows a realistic day."""
        counselor = _user("counselor")
        if Availability.objects.filter(counselor=counselor, weekday=today.weekday()).exists():
            return 0
        availability_publish(
            actor=supervisor,
            counselor=counselor,
            center=center,
            place=Place.CENTER,
            station=None,
            room=Room.objects.filter(center=center, station=None, name="个体咨询室").first(),
            weekday=today.weekday(),
            start_time=dt.time(13),
            end_time=dt.time(17),
            valid_from=today,
        )
        return 1

    def _todays_sessions(self, center, rng, today) -> int:
        """Today's sessions of the demo counselor: those already over completed, the rest booked by phone.
        Skipped when the counselor already has sessions today (a second run changes nothing)."""
        counselor = _user("counselor")
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(today, dt.time(), tzinfo=tz)
        day = Appointment.objects.filter(
            counselor=counselor, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
        )
        if day.exists():
            return 0
        residents = list(
            Resident.objects.filter(center=center, anonymised_at__isnull=True, guardian__isnull=True).order_by("pk")
        )
        now = timezone.now()
        made = 0
        slots = Slot.objects.filter(
            counselor=counselor,
            status=SlotStatus.OPEN,
            starts_at__gte=start,
            starts_at__lt=start + dt.timedelta(days=1),
        ).order_by("starts_at")
        for slot in slots[:4]:
            resident = rng.choice(residents)
            if _busy(resident, slot):
                continue
            appointment = appointment_book(
                slot=slot,
                resident=resident,
                booked_by=counselor,
                channel=Channel.PHONE,
                visit_address="阜城街道建设路 12 号" if slot.place == Place.HOME else "",
                now=slot.starts_at - dt.timedelta(days=2),
                by_staff=True,
            )
            if slot.ends_at <= now:
                session_complete(appointment=appointment, actor=counselor, now=slot.ends_at)
            made += 1
        # Reminders whose moment passed before the demo started are not sent late.
        Reminder.objects.filter(appointment__in=day, due_at__lt=now, status=ReminderStatus.PENDING).update(
            status=ReminderStatus.CANCELLED
        )
        return made

    def _upcoming(self, center, today) -> int:
        """Two upcoming bookings of the demo resident (one for her child) and a waitlist entry."""
        resident = Resident.objects.filter(center=center, user__email__iexact=f"resident@{DEMO_DOMAIN}").first()
        if resident is None:
            return 0
        now = timezone.now()
        if Appointment.objects.filter(resident__in=[resident, *resident.wards.all()], starts_at__gt=now).exists():
            return 0
        made = 0
        earliest = now + dt.timedelta(hours=center.cancel_cutoff_hours + 24)
        for who, place in ((resident, Place.STATION), (resident.wards.first(), Place.REMOTE)):
            if who is None:
                continue
            candidates = Slot.objects.filter(
                center=center, place=place, status=SlotStatus.OPEN, starts_at__gte=earliest
            )
            if place == Place.STATION:
                candidates = candidates.filter(station=resident.station)
            for slot in candidates.order_by("starts_at")[:20]:
                if slot.appointments.exclude(status=AppointmentStatus.CANCELLED).exists():
                    continue
                appointment_book(
                    slot=slot,
                    resident=who,
                    booked_by=resident.user,
                    reason="最近睡眠不好，想聊一聊。" if who == resident else "",
                )
                made += 1
                break
        second = Resident.objects.filter(center=center, user__email__iexact=f"resident2@{DEMO_DOMAIN}").first()
        if second is not None and not second.waitlist_entries.exists():
            waitlist_join(
                actor=second.user,
                resident=second,
                service="face_to_face",
                station=second.station,
                first_day=today + dt.timedelta(days=1),
                last_day=today + dt.timedelta(days=14),
            )
        return made


def _busy(resident, slot) -> bool:
    """The resident already has a session overlapping the slot."""
    return (
        Appointment.objects.filter(resident=resident, starts_at__lt=slot.ends_at, ends_at__gt=slot.starts_at)
        .exclude(status=AppointmentStatus.CANCELLED)
        .exists()
    )
