"""Periodic sweeps of the cases app, collected by fucheng/celery.py (no model imports here)."""

from celery.schedules import crontab

SCHEDULE = {
    "cases-sweep": {"task": "cases.sweep", "schedule": 60.0},
    "cases-weekly-series": {"task": "cases.weekly_series", "schedule": crontab(minute=7)},
}
