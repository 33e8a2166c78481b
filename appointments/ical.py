"""iCalendar (RFC 5545) text for feeds and downloads. Events carry time, place and service only:
no names of residents, no reasons, nothing clinical."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from appointments.models import Appointment, AppointmentStatus


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded (RFC 5545 section 3.1)."""
    raw = line.encode()
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += encoded
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(*, uid: str, start: dt.datetime, end: dt.datetime, summary: str, location: str, url: str, cancelled: bool):
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(end)}",
        f"SUMMARY:{_escape(summary)}",
        f"LOCATION:{_escape(location)}",
        f"URL:{url}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "END:VEVENT",
    ]
    return lines


def _host() -> str:
    return settings.PORTAL_BASE_URL.split("//", 1)[-1].split("/", 1)[0] or "fucheng"


def event_for_resident(appointment: Appointment) -> list[str]:
    with translation.override(settings.LANGUAGE_CODE):
        return _event(
            uid=f"appointment-{appointment.pk}@{_host()}",
            start=appointment.starts_at,
            end=appointment.ends_at,
            summary=f"{appointment.get_service_display()} · {appointment.counselor.public_name}",
            location=", ".join(x for x in (appointment.where, appointment.address) if x and x != appointment.where)
            or appointment.where,
            url=settings.PORTAL_BASE_URL + reverse("appointments:detail", args=[appointment.pk]),
            cancelled=appointment.status == AppointmentStatus.CANCELLED,
        )


def event_for_counselor(appointment: Appointment) -> list[str]:
    with translation.override(settings.LANGUAGE_CODE):
        day = timezone.localdate(appointment.starts_at).isoformat()
        return _event(
            uid=f"appointment-{appointment.pk}@{_host()}",
            start=appointment.starts_at,
            end=appointment.ends_at,
            summary=f"{appointment.get_service_display()} · {_('Appointment')} {appointment.pk}",
            location=str(appointment.station or appointment.center) if appointment.place != "remote" else _("Phone"),
            url=settings.PORTAL_BASE_URL + reverse("appointments:day") + f"?day={day}",
            cancelled=appointment.status == AppointmentStatus.CANCELLED,
        )


def calendar(events: list[list[str]], *, name: str = "") -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Fucheng//Appointments//ZH", "CALSCALE:GREGORIAN"]
    if name:
        lines.append(f"X-WR-CALNAME:{_escape(name)}")
    for event in events:
        lines.extend(event)
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
