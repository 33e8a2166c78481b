"""Every write on the community side: volunteers, training, tasks, workshops, service groups."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Iterable
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import hooks
from .audit import audit_record
from .community_models import (
    Attendance,
    DutyStatus,
    RegistrationStatus,
    TrainingRecord,
    TrainingSession,
    VolunteerTask,
    VolunteerTaskKind,
    Workshop,
    WorkshopRegistration,
)
from .community_policies import (
    can_manage_groups,
    can_register_for,
    volunteer_is_cleared,
    volunteer_scope,
    workshop_scope,
)
from .models import Center, Membership, Resident, Role, ServiceGroup, Station, User, generated_username
from .notify import sms_send
from .policies import forget_memberships

logger = logging.getLogger(__name__)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clipped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _require(condition: bool) -> None:
    if not condition:
        raise PermissionDenied


# --- Volunteers -----------------------------------------------------------------------


@transaction.atomic
def volunteer_register(
    *,
    actor: User,
    center: Center,
    station: Station | None,
    display_name: str,
    email: str = "",
    phone: str = "",
    last_name: str = "",
    first_name: str = "",
) -> User:
    """Supervisors (any station) and station managers (their own) register a volunteer with an account."""
    _require(volunteer_scope(actor).covers(center.pk, station.pk if station else None))
    if station is not None and station.center_id != center.pk:
        raise ValidationError({"station": _("The station belongs to another center.")})
    if not email and not phone:
        raise ValidationError(_("Give an email address or a mobile number so the volunteer can sign in."))
    if email and User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this email address already exists.")})
    if phone and User.objects.filter(phone=phone).exists():
        raise ValidationError({"phone": _("An account with this mobile number already exists.")})
    user = User(
        username=generated_username("volunteer"),
        email=email,
        phone=phone,
        display_name=display_name,
        first_name=first_name,
        last_name=last_name,
        password=make_password(None),
    )
    user.full_clean()
    user.save()
    membership = Membership(user=user, center=center, station=station, role=Role.VOLUNTEER)
    membership.full_clean()
    membership.save()
    forget_memberships(user)
    audit_record(actor=actor, action="volunteer.register", obj=membership, detail={"user": user.pk})
    return user


def _volunteer_membership(*, actor: User, volunteer: User, center: Center) -> Membership:
    """The volunteer's active membership in the center, if the actor may manage it; else PermissionDenied."""
    scope = volunteer_scope(actor)
    for membership in Membership.objects.filter(user=volunteer, center=center, role=Role.VOLUNTEER, is_active=True):
        if scope.covers(membership.center_id, membership.station_id):
            return membership
    raise PermissionDenied


# --- Training ---------------------------------------------------------------------------


@transaction.atomic
def training_record_add(
    *,
    actor: User,
    center: Center,
    user: User,
    course: str,
    hours: Decimal,
    completed_on: dt.date,
    certificate_number: str = "",
    certificate_expires_on: dt.date | None = None,
) -> TrainingRecord:
    """Record a course a volunteer completed elsewhere (with its certificate), by who manages the volunteer."""
    _volunteer_membership(actor=actor, volunteer=user, center=center)
    record = TrainingRecord(
        center=center,
        user=user,
        course=course,
        hours=hours,
        completed_on=completed_on,
        certificate_number=certificate_number,
        certificate_expires_on=certificate_expires_on,
        recorded_by=actor,
    )
    record.full_clean()
    record.save()
    audit_record(
        actor=actor,
        action="training.record",
        obj=record,
        detail={"user": user.pk, "expires": str(certificate_expires_on or "")},
    )
    return record


@transaction.atomic
def training_session_create(
    *,
    actor: User,
    center: Center,
    station: Station | None,
    topic: str,
    trainer: str,
    starts_at: dt.datetime,
    hours: Decimal,
    certificate_months: int = 0,
) -> TrainingSession:
    """Supervisors and station managers (at their station) schedule a training."""
    _require(volunteer_scope(actor).covers(center.pk, station.pk if station else None))
    session = TrainingSession(
        center=center,
        station=station,
        topic=topic,
        trainer=trainer,
        starts_at=starts_at,
        hours=hours,
        certificate_months=certificate_months,
        created_by=actor,
    )
    session.full_clean()
    session.save()
    audit_record(actor=actor, action="training.session_create", obj=session)
    return session


@transaction.atomic
def training_attendance_set(
    *, actor: User, session: TrainingSession, attendees: Iterable[User]
) -> list[TrainingRecord]:
    """Take attendance of a held training: attendees get a training record (and a certificate if it gives one)."""
    _require(volunteer_scope(actor).covers(session.center_id, session.station_id))
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.starts_at > timezone.now():
        raise ValidationError(_("Attendance can be taken once the training has started."))
    wanted = {user.pk: user for user in attendees}
    staff_ids = set(
        Membership.objects.filter(center_id=session.center_id, is_active=True, user_id__in=wanted).values_list(
            "user_id", flat=True
        )
    )
    if set(wanted) - staff_ids:
        raise ValidationError(_("Only staff and volunteers of this center can attend its trainings."))
    existing = {record.user_id: record for record in session.records.all()}
    removed = [record.pk for user_id, record in existing.items() if user_id not in wanted]
    TrainingRecord.objects.filter(pk__in=removed).delete()
    day = timezone.localdate(session.starts_at)
    expires = add_months(day, session.certificate_months) if session.certificate_months else None
    created = []
    for user_id in sorted(set(wanted) - set(existing)):
        record = TrainingRecord(
            center_id=session.center_id,
            user_id=user_id,
            session=session,
            course=session.topic,
            hours=session.hours,
            completed_on=day,
            certificate_expires_on=expires,
            recorded_by=actor,
        )
        record.full_clean()
        created.append(record)
    TrainingRecord.objects.bulk_create(created)
    audit_record(
        actor=actor,
        action="training.attendance",
        obj=session,
        detail={"added": sorted(r.user_id for r in created), "removed_records": removed},
    )
    return list(session.records.all())


# --- Volunteer tasks ----------------------------------------------------------------------


def _check_cleared(volunteer: User, center: Center, due_at: dt.datetime) -> None:
    if not volunteer_is_cleared(volunteer, center=center):
        raise ValidationError(
            _("%(name)s's training is not current. Record a renewed training before giving them tasks.")
            % {"name": volunteer}
        )
    if not volunteer_is_cleared(volunteer, at=due_at, center=center):
        raise ValidationError(
            _("%(name)s's training certificate lapses before this task. Record a renewal first.") % {"name": volunteer}
        )


@transaction.atomic
def volunteer_task_assign(
    *,
    actor: User,
    volunteer: User,
    center: Center,
    station: Station | None,
    kind: str,
    title: str,
    due_at: dt.datetime,
    hours: Decimal,
    workshop: Workshop | None = None,
) -> VolunteerTask:
    """Give a volunteer a task. Refused unless their training is current, now and on the task's day."""
    _volunteer_membership(actor=actor, volunteer=volunteer, center=center)
    if station is not None and not (
        volunteer_scope(actor).covers(center.pk, station.pk) or workshop_scope(actor).covers(center.pk, station.pk)
    ):
        raise PermissionDenied
    _check_cleared(volunteer, center, due_at)
    if (
        workshop is not None
        and VolunteerTask.objects.filter(
            workshop=workshop, volunteer=volunteer, status__in=[DutyStatus.ASSIGNED, DutyStatus.DONE]
        ).exists()
    ):
        raise ValidationError(_("%(name)s already has a duty at this workshop.") % {"name": volunteer})
    task = VolunteerTask(
        center=center,
        station=station,
        volunteer=volunteer,
        workshop=workshop,
        kind=kind,
        title=title,
        due_at=due_at,
        hours=hours,
        assigned_by=actor,
    )
    task.full_clean()
    task.save()
    audit_record(actor=actor, action="volunteer_task.assign", obj=task, detail={"volunteer": volunteer.pk})
    return task


@transaction.atomic
def workshop_duty_assign(*, actor: User, workshop: Workshop, volunteer: User) -> VolunteerTask:
    """A volunteer helps at a workshop for its whole length; the same training gate applies."""
    _require(workshop_scope(actor).covers(workshop.center_id, workshop.station_id))
    if workshop.is_cancelled:
        raise ValidationError(_("This workshop has been cancelled."))
    return volunteer_task_assign(
        actor=actor,
        volunteer=volunteer,
        center=workshop.center,
        station=workshop.station,
        kind=VolunteerTaskKind.WORKSHOP_DUTY,
        title=workshop.title,
        due_at=workshop.starts_at,
        hours=workshop.duration_hours,
        workshop=workshop,
    )


@transaction.atomic
def volunteer_task_complete(*, actor: User, task: VolunteerTask, hours: Decimal | None = None) -> VolunteerTask:
    """Mark a task done; its hours then count. Done by whoever manages the volunteer."""
    task = VolunteerTask.objects.select_for_update().get(pk=task.pk)
    _volunteer_membership(actor=actor, volunteer=task.volunteer, center=task.center)
    if task.status != DutyStatus.ASSIGNED:
        raise ValidationError(_("Only an assigned task can be marked done."))
    task.status = DutyStatus.DONE
    task.done_at = timezone.now()
    if hours is not None:
        task.hours = hours
    task.full_clean()
    task.save(update_fields=["status", "done_at", "hours"])
    audit_record(actor=actor, action="volunteer_task.done", obj=task, detail={"hours": str(task.hours)})
    return task


@transaction.atomic
def volunteer_task_cancel(*, actor: User, task: VolunteerTask) -> VolunteerTask:
    """Withdraw an assigned task."""
    task = VolunteerTask.objects.select_for_update().get(pk=task.pk)
    _volunteer_membership(actor=actor, volunteer=task.volunteer, center=task.center)
    if task.status != DutyStatus.ASSIGNED:
        raise ValidationError(_("Only an assigned task can be withdrawn."))
    task.status = DutyStatus.CANCELLED
    task.save(update_fields=["status"])
    audit_record(actor=actor, action="volunteer_task.cancel", obj=task)
    return task


# --- Workshops ------------------------------------------------------------------------------


@transaction.atomic
def workshop_create(
    *,
    actor: User,
    center: Center,
    station: Station | None,
    kind: str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    capacity: int,
    description: str = "",
    place: str = "",
) -> Workshop:
    """Staff announce a workshop or lecture at their station (supervisors: anywhere in the center)."""
    _require(workshop_scope(actor).covers(center.pk, station.pk if station else None))
    if starts_at and starts_at <= timezone.now():
        raise ValidationError({"starts_at": _("A new workshop must start in the future.")})
    workshop = Workshop(
        center=center,
        station=station,
        kind=kind,
        title=title,
        description=description,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        created_by=actor,
    )
    workshop.full_clean()
    workshop.save()
    audit_record(actor=actor, action="workshop.create", obj=workshop)
    return workshop


def _sms_quietly(phone: str, text: str) -> None:
    """A courtesy message after commit: a failing SMS gateway must not turn a done change into an error page."""
    try:
        sms_send(phone=phone, text=text)
    except Exception:
        logger.exception("SMS to %s failed", phone[:3] + "****" + phone[-4:])


def _enqueue_promotion_notice(registration_id: int) -> None:
    """Ask a worker to text the person now; if the broker is down, the minute sweep does it instead."""
    from .community_tasks import workshop_promotion_notify_task

    try:
        workshop_promotion_notify_task.delay(registration_id)
    except Exception:  # broker unreachable: the row is still due, the sweep finds it
        logger.warning(
            "Could not queue the waiting-list notice for registration %s; the sweep will send it.", registration_id
        )


@transaction.atomic
def workshop_promotion_notify(*, registration_id: int) -> bool:
    """Text a person who moved up from the waiting list, once. Safe to run twice or from two workers."""
    registration = (
        WorkshopRegistration.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("workshop", "resident__guardian")
        .filter(pk=registration_id, promoted_at__isnull=False, notified_at__isnull=True)
        .first()
    )
    if registration is None:
        return False
    registration.notified_at = timezone.now()
    registration.save(update_fields=["notified_at"])
    workshop, resident = registration.workshop, registration.resident
    if registration.status != RegistrationStatus.CONFIRMED or workshop.is_cancelled or not workshop.is_upcoming:
        return False  # nothing useful to say any more; marked so the sweep stops looking
    phone = resident.phone or (resident.guardian.phone if resident.guardian_id else "")
    if not phone:
        return False
    when = timezone.localtime(workshop.starts_at)
    sms_send(
        phone=phone,
        text=_("A place has become free: %(name)s now has a confirmed place at “%(title)s” on %(when)s.")
        % {"name": resident.full_name, "title": workshop.title, "when": f"{when:%Y-%m-%d %H:%M}"},
    )
    return True


def workshop_promotions_due() -> list[int]:
    """Registrations moved up from the waiting list whose SMS has not gone out yet."""
    return list(
        WorkshopRegistration.objects.filter(promoted_at__isnull=False, notified_at__isnull=True)
        .order_by("promoted_at", "pk")
        .values_list("pk", flat=True)[:500]
    )


REMINDER_HOURS = 24


def workshop_reminders_due(*, now=None) -> list[int]:
    """Confirmed places at workshops starting within a day whose reminder has not gone out."""
    now = now or timezone.now()
    return list(
        WorkshopRegistration.objects.filter(
            status=RegistrationStatus.CONFIRMED,
            reminded_at__isnull=True,
            workshop__is_cancelled=False,
            workshop__starts_at__gt=now,
            workshop__starts_at__lte=now + dt.timedelta(hours=REMINDER_HOURS),
        )
        .order_by("workshop__starts_at", "pk")
        .values_list("pk", flat=True)[:500]
    )


@transaction.atomic
def workshop_reminder_send(*, registration_id: int) -> bool:
    """Remind a person of tomorrow's workshop, once. Safe to run twice or from two workers."""
    registration = (
        WorkshopRegistration.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("workshop__station", "workshop__center", "resident__guardian")
        .filter(pk=registration_id, status=RegistrationStatus.CONFIRMED, reminded_at__isnull=True)
        .first()
    )
    if registration is None:
        return False
    registration.reminded_at = timezone.now()
    registration.save(update_fields=["reminded_at"])
    workshop, resident = registration.workshop, registration.resident
    phone = resident.phone or (resident.guardian.phone if resident.guardian_id else "")
    if not phone or workshop.is_cancelled or not workshop.is_upcoming:
        return False
    when = timezone.localtime(workshop.starts_at)
    sms_send(
        phone=phone,
        text=_(
            "Reminder: %(name)s has a place at “%(title)s”, %(when)s, %(where)s. If you cannot come, please cancel so someone else can."
        )
        % {
            "name": resident.full_name,
            "title": workshop.title,
            "when": f"{when:%m-%d %H:%M}",
            "where": workshop.place or str(workshop.where),
        },
    )
    return True


@transaction.atomic
def workshop_register(*, workshop: Workshop, resident: Resident, actor: User, note: str = "") -> WorkshopRegistration:
    """A resident (or their guardian) takes a place; when the workshop is full they join the waiting list.

    Staff who run the workshop may register a resident who called or walked in. The workshop row is
    locked while places are counted, so concurrent registrations never confirm more places than the capacity.
    """
    if not (can_register_for(actor, resident) or workshop_scope(actor).covers(workshop.center_id, workshop.station_id)):
        raise PermissionDenied
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if resident.anonymised_at is not None:
        raise ValidationError(_("This person's record has been anonymised."))
    if workshop.center_id != resident.center_id:
        raise ValidationError(_("This workshop is run by another center."))
    if workshop.is_cancelled:
        raise ValidationError(_("This workshop has been cancelled."))
    if workshop.starts_at <= timezone.now():
        raise ValidationError(_("Registration has closed: the workshop has already started."))
    if (
        WorkshopRegistration.objects.filter(workshop=workshop, resident=resident)
        .exclude(status=RegistrationStatus.CANCELLED)
        .exists()
    ):
        raise ValidationError(_("%(name)s is already registered for this workshop.") % {"name": resident.full_name})
    confirmed = WorkshopRegistration.objects.filter(workshop=workshop, status=RegistrationStatus.CONFIRMED).count()
    now = timezone.now()
    full = confirmed >= workshop.capacity
    registration = WorkshopRegistration(
        workshop=workshop,
        resident=resident,
        status=RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED,
        confirmed_at=None if full else now,
        note=note,
        registered_by=actor,
        registered_at=now,
    )
    registration.full_clean()
    registration.save()
    audit_record(
        actor=actor,
        action="workshop.register",
        obj=registration,
        center_id=workshop.center_id,
        station_id=workshop.station_id,
        detail={"workshop": workshop.pk, "resident": resident.pk, "status": registration.status},
    )
    return registration


def _promote_waitlist(workshop: Workshop, actor: User | None) -> list[WorkshopRegistration]:
    """Fill free places from the waiting list, first come first served; caller holds the workshop lock."""
    confirmed = WorkshopRegistration.objects.filter(workshop=workshop, status=RegistrationStatus.CONFIRMED).count()
    free = workshop.capacity - confirmed
    if free <= 0 or workshop.starts_at <= timezone.now() or workshop.is_cancelled:
        return []
    promoted = list(
        WorkshopRegistration.objects.select_for_update()
        .filter(workshop=workshop, status=RegistrationStatus.WAITLISTED)
        .order_by("registered_at", "pk")[:free]
    )
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = registration.promoted_at = timezone.now()
        registration.save(update_fields=["status", "confirmed_at", "promoted_at"])
        audit_record(
            actor=actor,
            action="workshop.promote",
            obj=registration,
            center_id=workshop.center_id,
            station_id=workshop.station_id,
            detail={"workshop": workshop.pk, "resident": registration.resident_id},
            actor_label=None if actor else "system",
        )
        transaction.on_commit(lambda pk=registration.pk: _enqueue_promotion_notice(pk))
    return promoted


@transaction.atomic
def workshop_registration_cancel(*, registration: WorkshopRegistration, actor: User) -> WorkshopRegistration:
    """The resident (or guardian, or staff of the workshop) cancels; a freed place goes to the waiting list."""
    workshop = Workshop.objects.select_for_update().get(pk=registration.workshop_id)
    registration = WorkshopRegistration.objects.select_for_update().select_related("resident").get(pk=registration.pk)
    is_own = can_register_for(actor, registration.resident)
    is_staff = workshop_scope(actor).covers(workshop.center_id, workshop.station_id)
    if not (is_own or is_staff):
        raise PermissionDenied
    if registration.status == RegistrationStatus.CANCELLED:
        raise ValidationError(_("This registration was already cancelled."))
    if workshop.starts_at <= timezone.now():
        raise ValidationError(_("The workshop has already started; it can no longer be cancelled."))
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at"])
    audit_record(
        actor=actor,
        action="workshop.cancel_registration",
        obj=registration,
        center_id=workshop.center_id,
        station_id=workshop.station_id,
        detail={"workshop": workshop.pk, "resident": registration.resident_id},
    )
    _promote_waitlist(workshop, actor)
    return registration


@transaction.atomic
def workshop_capacity_change(*, actor: User, workshop: Workshop, capacity: int) -> Workshop:
    """Change the number of places; more places are filled from the waiting list at once."""
    _require(workshop_scope(actor).covers(workshop.center_id, workshop.station_id))
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    confirmed = WorkshopRegistration.objects.filter(workshop=workshop, status=RegistrationStatus.CONFIRMED).count()
    if capacity < confirmed:
        raise ValidationError(
            {
                "capacity": _(
                    "%(count)s places are already confirmed; cancel registrations before reducing below that."
                )
                % {"count": confirmed}
            }
        )
    workshop.capacity = capacity
    workshop.full_clean()
    workshop.save(update_fields=["capacity"])
    audit_record(actor=actor, action="workshop.capacity", obj=workshop, detail={"capacity": capacity})
    _promote_waitlist(workshop, actor)
    return workshop


@transaction.atomic
def workshop_attendance_record(
    *, actor: User, workshop: Workshop, attended_ids: Iterable[int], duty_done_ids: Iterable[int] = ()
) -> Workshop:
    """Staff take attendance once the workshop has started: every confirmed place is attended or absent.

    Attendance counts as person-times served; volunteers' duties ticked here are done and their hours count.
    """
    _require(workshop_scope(actor).covers(workshop.center_id, workshop.station_id))
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if workshop.is_cancelled:
        raise ValidationError(_("This workshop has been cancelled."))
    if workshop.starts_at > timezone.now():
        raise ValidationError(_("Attendance can be taken once the workshop has started."))
    attended = set(attended_ids)
    confirmed = WorkshopRegistration.objects.filter(workshop=workshop, status=RegistrationStatus.CONFIRMED)
    unknown = attended - set(confirmed.values_list("pk", flat=True))
    if unknown:
        raise ValidationError(_("Only people with a confirmed place can be marked as attending."))
    confirmed.filter(pk__in=attended).update(attendance=Attendance.ATTENDED)
    confirmed.exclude(pk__in=attended).update(attendance=Attendance.ABSENT)
    done = set(duty_done_ids)
    now = timezone.now()
    duties = VolunteerTask.objects.filter(workshop=workshop, status=DutyStatus.ASSIGNED, pk__in=done)
    done_count = duties.update(status=DutyStatus.DONE, done_at=now)
    workshop.attendance_taken_at = now
    workshop.save(update_fields=["attendance_taken_at"])
    audit_record(
        actor=actor,
        action="workshop.attendance",
        obj=workshop,
        detail={"attended": len(attended), "confirmed": confirmed.count(), "duties_done": done_count},
    )
    return workshop


@transaction.atomic
def workshop_cancel(*, actor: User, workshop: Workshop) -> Workshop:
    """Call off a workshop; everyone with a place or on the waiting list is told by SMS."""
    _require(workshop_scope(actor).covers(workshop.center_id, workshop.station_id))
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if workshop.is_cancelled:
        raise ValidationError(_("This workshop has been cancelled."))
    if workshop.starts_at <= timezone.now():
        raise ValidationError(_("A workshop that has started cannot be cancelled."))
    workshop.is_cancelled = True
    workshop.save(update_fields=["is_cancelled"])
    active = workshop.registrations.exclude(status=RegistrationStatus.CANCELLED).select_related("resident__guardian")
    phones = [r.resident.phone or (r.resident.guardian.phone if r.resident.guardian_id else "") for r in active]
    VolunteerTask.objects.filter(workshop=workshop, status=DutyStatus.ASSIGNED).update(status=DutyStatus.CANCELLED)
    audit_record(actor=actor, action="workshop.cancel", obj=workshop, detail={"registrations": len(phones)})
    text = _("“%(title)s” on %(when)s has been cancelled. We are sorry.") % {
        "title": workshop.title,
        "when": f"{timezone.localtime(workshop.starts_at):%Y-%m-%d %H:%M}",
    }
    for phone in filter(None, phones):
        transaction.on_commit(lambda phone=phone: _sms_quietly(phone, text))
    return workshop


@transaction.atomic
def workshop_registrations_anonymise(*, resident: Resident, actor: User | None) -> int:
    """For a person's erasure: future places are given up (the waiting list moves on) and notes are blanked."""
    now = timezone.now()
    count = 0
    future = WorkshopRegistration.objects.filter(resident=resident, workshop__starts_at__gt=now).exclude(
        status=RegistrationStatus.CANCELLED
    )
    for registration in future.select_related("workshop"):
        workshop = Workshop.objects.select_for_update().get(pk=registration.workshop_id)
        WorkshopRegistration.objects.filter(pk=registration.pk).update(
            status=RegistrationStatus.CANCELLED, cancelled_at=now
        )
        _promote_waitlist(workshop, actor)
        count += 1
    WorkshopRegistration.objects.filter(resident=resident).exclude(note="").update(note="")
    audit_record(
        actor=actor,
        action="workshop.anonymise",
        obj=resident,
        detail={"cancelled": count},
        actor_label=None if actor else "system",
    )
    return count


# --- Service groups -------------------------------------------------------------------------


def _check_group_members(center: Center, members: Iterable[User]) -> list[User]:
    members = list(members)
    ids = {user.pk for user in members}
    eligible = set(
        Membership.objects.filter(
            center=center, is_active=True, role__in=[Role.COUNSELOR, Role.VOLUNTEER], user_id__in=ids
        ).values_list("user_id", flat=True)
    )
    if ids - eligible:
        raise ValidationError({"members": _("Members must be counselors or volunteers of this center.")})
    return members


@transaction.atomic
def service_group_create(
    *, actor: User, center: Center, station: Station, name: str, need: str, members: Iterable[User]
) -> ServiceGroup:
    """The center's supervisor forms a group for a station and a need, with counselors and volunteers."""
    _require(can_manage_groups(actor, center.pk))
    members = _check_group_members(center, members)
    if ServiceGroup.objects.filter(center=center, name=name, is_active=True).exists():
        raise ValidationError({"name": _("An active group of this center already has this name.")})
    group = ServiceGroup(center=center, station=station, name=name, need=need)
    group.full_clean()
    group.save()
    group.members.set(members)
    audit_record(
        actor=actor, action="service_group.create", obj=group, detail={"members": sorted(u.pk for u in members)}
    )
    return group


@transaction.atomic
def service_group_members_set(*, actor: User, group: ServiceGroup, members: Iterable[User]) -> ServiceGroup:
    """Change who is in an active group."""
    _require(can_manage_groups(actor, group.center_id))
    if not group.is_active:
        raise ValidationError(_("This group has been dissolved."))
    members = _check_group_members(group.center, members)
    group.members.set(members)
    audit_record(
        actor=actor, action="service_group.members", obj=group, detail={"members": sorted(u.pk for u in members)}
    )
    return group


@transaction.atomic
def service_group_dissolve(*, actor: User, group: ServiceGroup) -> ServiceGroup:
    """Dissolve a group. Refused while it still holds open work: that must be handed over first."""
    _require(can_manage_groups(actor, group.center_id))
    group = ServiceGroup.objects.select_for_update().get(pk=group.pk)
    if not group.is_active:
        raise ValidationError(_("This group has already been dissolved."))
    open_work = hooks.collect_list("group_open_work", group=group)
    if open_work:
        labels = "; ".join(str(item["label"]) for item in open_work)
        raise ValidationError(_("Hand over the group's open work before dissolving it: %(items)s") % {"items": labels})
    group.is_active = False
    group.dissolved_at = timezone.now()
    group.save(update_fields=["is_active", "dissolved_at"])
    audit_record(actor=actor, action="service_group.dissolve", obj=group)
    return group
