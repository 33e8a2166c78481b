"""Writes of feedback: the resident (or guardian) rates a completed session."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from appointments.models import Appointment, AppointmentStatus, Feedback
from appointments.policies import can_book_for_resident
from centers.audit.log import audit_record
from centers.models import User


@transaction.atomic
def feedback_give(*, appointment: Appointment, actor: User, rating: int, comment: str = "") -> Feedback:
    """The resident (or guardian) rates a completed session once."""
    appointment = Appointment.objects.select_for_update().select_related("resident").get(pk=appointment.pk)
    if not can_book_for_resident(actor, appointment.resident):
        raise PermissionDenied
    if appointment.status != AppointmentStatus.COMPLETED:
        raise ValidationError(_("Only a completed session can be rated."))
    if Feedback.objects.filter(appointment=appointment).exists():
        raise ValidationError(_("You have already rated this session. Thank you."))
    feedback = Feedback(appointment=appointment, rating=rating, comment=comment.strip())
    feedback.full_clean()
    feedback.save()
    audit_record(actor=actor, action="appointment.feedback", obj=appointment, detail={"rating": rating})
    return feedback
