"""Writes of a session by its counselor (or the supervisor): check in, complete with a note, no-show."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import Appointment, AppointmentStatus, ReminderKind, ReminderStatus
from appointments.policies import can_run_session
from appointments.services.reminders import reminders_ensure
from centers.audit.log import audit_record
from centers.infra.enqueue import enqueue_after_commit
from centers.models import User

SESSION_NOTE_MAX = 2000


def _session_appointment(appointment: Appointment, actor: User) -> Appointment:
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not can_run_session(actor, appointment):
        raise PermissionDenied
    return appointment


@transaction.atomic
def session_check_in(*, appointment: Appointment, actor: User, now: dt.datetime | None = None) -> Appointment:
    """The counselor (or supervisor) checks the person in, from two hours before the start."""
    now = now or timezone.now()
    appointment = _session_appointment(appointment, actor)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(_("Only a booked appointment can be checked in."))
    if now < appointment.starts_at - dt.timedelta(hours=2):
        raise ValidationError(_("Check-in opens two hours before the session."))
    appointment.status = AppointmentStatus.CHECKED_IN
    appointment.checked_in_at = now
    appointment.save(update_fields=["status", "checked_in_at"])
    audit_record(actor=actor, action="appointment.check_in", obj=appointment)
    return appointment


@transaction.atomic
def session_complete(
    *, appointment: Appointment, actor: User, note: str = "", now: dt.datetime | None = None
) -> Appointment:
    """The session took place, with the counselor's short note (encrypted at rest); the resident is asked for a
    rating. Only once the session has started."""
    now = now or timezone.now()
    appointment = _session_appointment(appointment, actor)
    if appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN):
        raise ValidationError(_("This appointment cannot be completed in its current state."))
    if now < appointment.starts_at:
        raise ValidationError(_("A session can be completed only after it has started."))
    note = note.strip()
    if len(note) > SESSION_NOTE_MAX:
        raise ValidationError(
            {"note": _("Please keep the session note to %(max)s characters.") % {"max": SESSION_NOTE_MAX}}
        )
    appointment.status = AppointmentStatus.COMPLETED
    appointment.completed_at = now
    appointment.session_note = note
    appointment.save(update_fields=["status", "completed_at", "session_note"])
    appointment.reminders.filter(status=ReminderStatus.PENDING).update(status=ReminderStatus.CANCELLED)
    reminders_ensure(appointment=appointment, kind=ReminderKind.FEEDBACK, due_at=now)
    audit_record(actor=actor, action="appointment.complete", obj=appointment, detail={"note": bool(note)})
    enqueue_after_commit("appointments.reminders_send_due")
    return appointment


@transaction.atomic
def session_no_show(*, appointment: Appointment, actor: User, now: dt.datetime | None = None) -> Appointment:
    """The person did not come; only after the start time."""
    now = now or timezone.now()
    appointment = _session_appointment(appointment, actor)
    if appointment.status != AppointmentStatus.BOOKED:
        raise ValidationError(_("Only a booked appointment without check-in can be marked as a no-show."))
    if now < appointment.starts_at:
        raise ValidationError(_("A no-show can be recorded only after the start time."))
    appointment.status = AppointmentStatus.NO_SHOW
    appointment.save(update_fields=["status"])
    appointment.reminders.filter(status=ReminderStatus.PENDING).update(status=ReminderStatus.CANCELLED)
    audit_record(actor=actor, action="appointment.no_show", obj=appointment)
    return appointment
