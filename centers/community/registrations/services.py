"""Writes about places at workshops: registering, cancelling, the waiting list moving up, and the texts
that tell people (a promotion notice, a reminder the day before)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centers.audit.log import audit_record
from centers.community.models import RegistrationStatus, Workshop, WorkshopRegistration
from centers.community.policies import can_register_for, workshop_scope
from centers.contacts import contact_phone
from centers.infra.enqueue import enqueue_after_commit
from centers.messaging.models import MessageKind
from centers.messaging.sms import sms_params
from centers.models import Resident, User
from centers.notify import sms_send


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


def waitlist_promote(*, workshop: Workshop, actor: User | None) -> list[WorkshopRegistration]:
    """Fill free places from the waiting list, first come first served. For the services here and the
    workshop's: the caller holds the workshop's row lock inside its transaction."""
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
        enqueue_after_commit("centers.community.workshop_promotion_notify", registration.pk)
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
    waitlist_promote(workshop=workshop, actor=actor)
    return registration


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
        waitlist_promote(workshop=workshop, actor=actor)
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


@transaction.atomic
def workshop_promotion_notify(*, registration_id: int) -> bool:
    """Text a person who moved up from the waiting list, once. Safe to run twice or from two workers."""
    registration = (
        WorkshopRegistration.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("workshop", "resident__user", "resident__guardian__user")
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
    phone = contact_phone(resident)
    if not phone:
        return False
    when = timezone.localtime(workshop.starts_at)
    sms_send(
        phone=phone,
        kind=MessageKind.WAITLIST_OFFER,
        key=f"workshop-promotion:{registration.pk}",
        center=workshop.center,
        template="workshop_place",
        params=sms_params(workshop.starts_at),
        text=_("A place has become free: %(name)s now has a confirmed place at “%(title)s” on %(when)s.")
        % {"name": resident.full_name, "title": workshop.title, "when": f"{when:%Y-%m-%d %H:%M}"},
    )
    return True


@transaction.atomic
def workshop_reminder_send(*, registration_id: int) -> bool:
    """Remind a person of tomorrow's workshop, once. Safe to run twice or from two workers."""
    registration = (
        WorkshopRegistration.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("workshop__station", "workshop__center", "resident__user", "resident__guardian__user")
        .filter(pk=registration_id, status=RegistrationStatus.CONFIRMED, reminded_at__isnull=True)
        .first()
    )
    if registration is None:
        return False
    registration.reminded_at = timezone.now()
    registration.save(update_fields=["reminded_at"])
    workshop, resident = registration.workshop, registration.resident
    phone = contact_phone(resident)
    if not phone or workshop.is_cancelled or not workshop.is_upcoming:
        return False
    when = timezone.localtime(workshop.starts_at)
    sms_send(
        phone=phone,
        kind=MessageKind.WORKSHOP_NOTICE,
        key=f"workshop-reminder:{registration.pk}",
        center=workshop.center,
        template="workshop_reminder",
        params=sms_params(workshop.starts_at, workshop.place or str(workshop.where)),
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
