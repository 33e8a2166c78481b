"""The texts of messages about appointments: where, when, with whom (title only) and how to cancel.

No clinical detail ever goes into a message: no reason, no notes.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from appointments.models import Appointment, Place, Reminder, ReminderKind, Slot


def portal_url(path: str) -> str:
    return f"{settings.PORTAL_BASE_URL}{path}"


def when_text(appointment: Appointment) -> str:
    local = timezone.localtime(appointment.starts_at)
    return f"{formats.date_format(local, 'Y-m-d')} ({formats.date_format(local, 'l')}) {local:%H:%M}–{timezone.localtime(appointment.ends_at):%H:%M}"


def message_place(item: Appointment | Slot) -> str:
    """Where, for a resident's message: the address, else how it takes place in neutral words ("社区服务站",
    "电话…"), never a station's name, which may name the service ("…心理服务站") on a phone read over their
    shoulder."""
    if isinstance(item, Appointment):
        address = item.address
    elif item.place == Place.STATION and item.station is not None:
        address = item.station.address
    elif item.place == Place.CENTER:
        address = item.center.address
    else:
        address = ""
    if address:
        return address
    if item.place in (Place.STATION, Place.CENTER):
        return str(Place(item.place).label)
    return item.where  # at home, by phone


def appointment_summary(appointment: Appointment) -> dict[str, str]:
    return {
        "service": appointment.get_service_display(),
        "when": when_text(appointment),
        "where": message_place(appointment),  # the address: a station's name may name the service
        "who": str(appointment.counselor.public_name),
        "name": appointment.resident.full_name,
        "hours": str(appointment.center.cancel_cutoff_hours),
        "phone": appointment.center.hotline,
        "url": portal_url(reverse("appointments:detail", args=[appointment.pk])),
    }


def render_message(reminder: Reminder) -> tuple[str, str]:
    """Subject and text of one message, in the portal's primary language."""
    with translation.override(settings.LANGUAGE_CODE):
        data = appointment_summary(reminder.appointment)
        if reminder.kind == ReminderKind.CONFIRMATION:
            subject = _("Your appointment is booked")
            text = _(
                "%(name)s: %(service)s on %(when)s, %(where)s, with %(who)s. "
                "To move or cancel (up to %(hours)s hours before): %(url)s or call %(phone)s."
            )
        elif reminder.kind == ReminderKind.CANCELLATION:
            subject = _("Your appointment is cancelled")
            text = _(
                "%(name)s: the %(service)s on %(when)s with %(who)s is cancelled. "
                "To book another time: %(url)s or call %(phone)s."
            )
        elif reminder.kind == ReminderKind.FEEDBACK:
            subject = _("How was your session?")
            text = _(
                "%(name)s: thank you for coming. Please rate your session with %(who)s (1–5), it takes a minute: %(url)s"
            )
        else:
            subject = _("Reminder of your appointment")
            text = _(
                "Reminder for %(name)s: %(service)s on %(when)s, %(where)s, with %(who)s. "
                "To move or cancel (up to %(hours)s hours before): %(url)s or call %(phone)s."
            )
        return str(subject), text % data


def render_offer(offer) -> tuple[str, str]:
    with translation.override(settings.LANGUAGE_CODE):
        slot = offer.slot
        local = timezone.localtime(slot.starts_at)
        data = {
            "name": offer.entry.resident.full_name,
            "service": slot.get_service_display(),
            "when": f"{formats.date_format(local, 'Y-m-d')} {local:%H:%M}",
            "where": message_place(slot),
            "until": f"{timezone.localtime(offer.expires_at):%H:%M}",
            "url": portal_url(reverse("appointments:offer", args=[offer.pk])),
        }
        subject = _("A time has become free for you")
        text = _(
            "%(name)s: a time you were waiting for is free: %(service)s on %(when)s, %(where)s. "
            "It is kept for you until %(until)s: %(url)s"
        )
        return str(subject), text % data
