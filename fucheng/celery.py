"""The Celery app. Tasks act on database rows; beat sweeps run every minute."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fucheng.settings")

app = Celery("fucheng")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
