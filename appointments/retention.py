"""The appointments app's record type for the retention schedule (hook ``retention_record_types``):

``appointment``: a finished session (completed, missed or cancelled) without a session note, with its feedback
and reminders; kept FUCHENG_RETENTION_APPOINTMENT_YEARS after the session. A session with a note is a counseling
record: it is kept FUCHENG_RETENTION_CASE_YEARS (at least ten years) after the session.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from appointments.models import UPCOMING_STATUSES, Appointment
from centers.retention.schedule import DueRecord, RecordType, add_years, years_for


def _due(until: dt.datetime) -> list[DueRecord]:
    plain, noted = years_for("appointment"), years_for("case")
    finished = Appointment.objects.exclude(status__in=UPCOMING_STATUSES)
    records = []
    for years, rows in (
        (plain, finished.filter(session_note="", ends_at__lt=add_years(until, -plain))),
        (noted, finished.exclude(session_note="").filter(ends_at__lt=add_years(until, -noted))),
    ):
        for pk, center_id, resident_id, ends_at in rows.values_list("pk", "center_id", "resident_id", "ends_at"):
            records.append(DueRecord("appointment", pk, center_id, resident_id, add_years(ends_at, years)))
    return records


def _remove(ids: list[int]) -> int:
    return Appointment.objects.filter(pk__in=ids).delete()[0]


def _center_of(object_id: int) -> int | None:
    return Appointment.objects.filter(pk=object_id).values_list("center_id", flat=True).first()


def record_types() -> list[RecordType]:
    return [
        RecordType(
            code="appointment",
            label=_("Finished appointments (with feedback and reminders)"),
            setting="FUCHENG_RETENTION_APPOINTMENT_YEARS",
            due=_due,
            remove=_remove,
            center_of=_center_of,
        )
    ]
