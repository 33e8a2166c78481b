"""Writes about training: courses done elsewhere, trainings scheduled here and their attendance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.audit.log import audit_record
from centers.community.models import TrainingRecord, TrainingSession
from centers.community.policies import require_permission, volunteer_scope
from centers.community.selectors import volunteer_membership_for_staff
from centers.infra.dates import add_months
from centers.models import Center, Membership, Station, User


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
    require_permission(volunteer_membership_for_staff(user=actor, volunteer=user, center=center) is not None)
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
    require_permission(volunteer_scope(actor).covers(center.pk, station.pk if station else None))
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
    require_permission(volunteer_scope(actor).covers(session.center_id, session.station_id))
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
    created: list[TrainingRecord] = []
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
