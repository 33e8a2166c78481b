"""Writes about workshops and lectures: announcing, places, volunteers on duty, attendance, calling off."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.audit.log import audit_record
from centers.community.models import (
    Attendance,
    DutyStatus,
    RegistrationStatus,
    VolunteerTask,
    VolunteerTaskKind,
    Workshop,
    WorkshopRegistration,
)
from centers.community.policies import require_permission, workshop_scope
from centers.community.registrations.services import waitlist_promote
from centers.community.volunteers.services import volunteer_task_assign
from centers.contacts import contact_phone
from centers.messaging.models import MessageKind
from centers.messaging.sms import sms_params
from centers.models import Center, Station, User
from centers.notify import sms_send

logger = logging.getLogger(__name__)


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
    require_permission(workshop_scope(actor).covers(center.pk, station.pk if station else None))
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


@transaction.atomic
def workshop_capacity_change(*, actor: User, workshop: Workshop, capacity: int) -> Workshop:
    """Change the number of places; more places are filled from the waiting list at once."""
    require_permission(workshop_scope(actor).covers(workshop.center_id, workshop.station_id))
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
    waitlist_promote(workshop=workshop, actor=actor)
    return workshop


@transaction.atomic
def workshop_attendance_record(
    *, actor: User, workshop: Workshop, attended_ids: Iterable[int], duty_done_ids: Iterable[int] = ()
) -> Workshop:
    """Staff take attendance once the workshop has started: every confirmed place is attended or absent.

    Attendance counts as person-times served; volunteers' duties ticked here are done and their hours count.
    """
    require_permission(workshop_scope(actor).covers(workshop.center_id, workshop.station_id))
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
def workshop_duty_assign(*, actor: User, workshop: Workshop, volunteer: User) -> VolunteerTask:
    """A volunteer helps at a workshop for its whole length; the same training gate applies."""
    require_permission(workshop_scope(actor).covers(workshop.center_id, workshop.station_id))
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


def _sms_quietly(phone: str, text: str, params: dict[str, str]) -> None:
    """A courtesy message after commit: a failing SMS gateway must not turn a done change into an error page."""
    try:
        sms_send(phone=phone, text=text, kind=MessageKind.WORKSHOP_NOTICE, template="workshop_cancelled", params=params)
    except Exception:
        logger.exception("SMS to %s failed", phone[:3] + "****" + phone[-4:])


@transaction.atomic
def workshop_cancel(*, actor: User, workshop: Workshop) -> Workshop:
    """Call off a workshop; everyone with a place or on the waiting list is told by SMS."""
    require_permission(workshop_scope(actor).covers(workshop.center_id, workshop.station_id))
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if workshop.is_cancelled:
        raise ValidationError(_("This workshop has been cancelled."))
    if workshop.starts_at <= timezone.now():
        raise ValidationError(_("A workshop that has started cannot be cancelled."))
    workshop.is_cancelled = True
    workshop.save(update_fields=["is_cancelled"])
    active = workshop.registrations.exclude(status=RegistrationStatus.CANCELLED).select_related(
        "resident__user", "resident__guardian__user"
    )
    phones = [contact_phone(r.resident) for r in active]
    VolunteerTask.objects.filter(workshop=workshop, status=DutyStatus.ASSIGNED).update(status=DutyStatus.CANCELLED)
    audit_record(actor=actor, action="workshop.cancel", obj=workshop, detail={"registrations": len(phones)})
    text = _("“%(title)s” on %(when)s has been cancelled. We are sorry.") % {
        "title": workshop.title,
        "when": f"{timezone.localtime(workshop.starts_at):%Y-%m-%d %H:%M}",
    }
    for phone in filter(None, phones):
        transaction.on_commit(partial(_sms_quietly, phone, text, sms_params(workshop.starts_at)))
    return workshop
