"""The community side's answers to the extension points in centers/hooks.py (registered in AppConfig.ready)."""

from __future__ import annotations

from django.utils import timezone

from . import hooks


def person_export(*, resident) -> dict:
    """A resident's workshop registrations for "download my data"."""
    from .community_models import WorkshopRegistration

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


def person_anonymise(*, resident, actor) -> None:
    from .community_services import workshop_registrations_anonymise

    workshop_registrations_anonymise(resident=resident, actor=actor)


def station_figures(*, station, start, end) -> dict:
    from .community_selectors import community_station_figures

    return community_station_figures(station=station, start=start, end=end)


def register() -> None:
    from . import community_tasks  # noqa: F401  (registers the tasks with Celery)

    hooks.register("person_export", person_export)
    hooks.register("person_anonymise", person_anonymise)
    hooks.register("station_figures", station_figures)
    hooks.register("user_open_work", user_open_work)


def user_open_work(*, user) -> list[dict]:
    """Tasks still assigned to a volunteer whose role is being withdrawn: hand them over first."""
    from django.urls import reverse

    from .community_models import DutyStatus, VolunteerTask

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
