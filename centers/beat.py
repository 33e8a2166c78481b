"""Periodic sweeps of the centers app, collected by fucheng/celery.py (a plain dict, no model imports)."""

from celery.schedules import crontab

SCHEDULE = {
    # community (issue 9): text people who moved up from a workshop's waiting list
    "centers-workshop-promotion-sweep": {"task": "centers.community.workshop_promotion_sweep", "schedule": 60.0},
    # community (issue 9): remind people of a workshop the day before
    "centers-workshop-reminder-sweep": {"task": "centers.community.workshop_reminder_sweep", "schedule": 60.0},
    # dashboards (issue 5): the officials' summary tables, every night and on a supervisor's demand
    "centers-statistics-nightly": {
        "task": "centers.statistics.refresh_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    "centers-statistics-refresh-sweep": {"task": "centers.statistics.refresh_sweep", "schedule": 60.0},
    # the audit chain's head and row count, signed, in the table and outside the database
    "centers-audit-anchor": {"task": "centers.audit.anchor", "schedule": crontab(minute=0)},
}
