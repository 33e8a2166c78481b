"""The Celery app. Tasks act on database rows; beat sweeps run every minute.

Each app may declare its periodic sweeps in `<app>/beat.py` as a plain dict
`SCHEDULE` (no model imports there); they are collected here.
"""

import importlib
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fucheng.settings")

app = Celery("fucheng")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

BEAT_APPS = ("centers", "appointments", "cases")


def collect_beat_schedule() -> dict:
    schedule: dict = {}
    for name in BEAT_APPS:
        try:
            module = importlib.import_module(f"{name}.beat")
        except ModuleNotFoundError:
            continue
        schedule.update(module.SCHEDULE)
    return schedule


app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), **collect_beat_schedule()}
