"""Writes about volunteers: registering one with an account, and the tasks they are given."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.audit.log import audit_record
from centers.community.models import DutyStatus, VolunteerTask, Workshop
from centers.community.policies import require_permission, volunteer_is_cleared, volunteer_scope, workshop_scope
from centers.community.selectors import volunteer_membership_for_staff
from centers.models import Center, Membership, Role, Station, User, generated_username
from centers.policies import forget_memberships


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
    require_permission(volunteer_scope(actor).covers(center.pk, station.pk if station else None))
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
    require_permission(volunteer_membership_for_staff(user=actor, volunteer=volunteer, center=center) is not None)
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
def volunteer_task_complete(*, actor: User, task: VolunteerTask, hours: Decimal | None = None) -> VolunteerTask:
    """Mark a task done; its hours then count. Done by whoever manages the volunteer."""
    task = VolunteerTask.objects.select_for_update().get(pk=task.pk)
    require_permission(
        volunteer_membership_for_staff(user=actor, volunteer=task.volunteer, center=task.center) is not None
    )
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
    require_permission(
        volunteer_membership_for_staff(user=actor, volunteer=task.volunteer, center=task.center) is not None
    )
    if task.status != DutyStatus.ASSIGNED:
        raise ValidationError(_("Only an assigned task can be withdrawn."))
    task.status = DutyStatus.CANCELLED
    task.save(update_fields=["status"])
    audit_record(actor=actor, action="volunteer_task.cancel", obj=task)
    return task
