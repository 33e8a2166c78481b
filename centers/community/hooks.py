"""The community side's answers to the extension points in centers/hooks.py (registered in AppConfig.ready)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone

from centers import hooks
from centers.community.models import DutyStatus, VolunteerTask, WorkshopRegistration
from centers.community.registrations.services import workshop_registrations_anonymise
from centers.community.selectors import community_station_figures
from centers.models import Resident, Station, User


def person_export(*, resident: Resident) -> dict[str, Any]:
    """A resident's workshop registrations for "download my data"."""
    rows = WorkshopRegistration.objects.filter(resident=resident).select_related("workshop").order_by("registered_at")
    return {
        "workshop_registrations": [
            {
                "workshop": row.workshop.title,
                "starts_at": timezone.localtime(row.workshop.starts_at).isoformat(),
                "status": row.status,
                "attendance": row.attendance,
                "note": row.note,
                "registered_at": timezone.localtime(row.registered_at).isoformat(),
            }
            for row in rows
        ]
    }


def person_anonymise(*, resident: Resident, actor: User | None) -> None:
    workshop_registrations_anonymise(resident=resident, actor=actor)


def station_figures(*, station: Station, start: dt.datetime, end: dt.datetime) -> dict[str, object]:
    return community_station_figures(station=station, start=start, end=end)


def register() -> None:
    hooks.register("person_export", person_export)
    hooks.register("person_anonymise", person_anonymise)
    hooks.register("station_figures", station_figures)
    hooks.register("user_open_work", user_open_work)


def user_open_work(*, user: User) -> list[dict[str, Any]]:
    """Tasks still assigned to a volunteer whose role is being withdrawn: hand them over first."""
    tasks = VolunteerTask.objects.filter(volunteer=user, status=DutyStatus.ASSIGNED).order_by("due_at", "pk")
    return [
        {
            "kind": "volunteer_task",
            "label": task.title,
            "due_at": task.due_at,
            "url": reverse("centers:volunteer_duty_record"),
        }
        for task in tasks
    ]
