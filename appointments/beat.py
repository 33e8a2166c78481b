"""Periodic sweeps of the appointments app (collected by fucheng/celery.py). No model imports here."""

from celery.schedules import crontab

SCHEDULE = {
    "appointments-sweep": {"task": "appointments.sweep", "schedule": 60.0},
    "appointments-slots-generate": {"task": "appointments.slots_generate", "schedule": crontab(hour=2, minute=15)},
}
