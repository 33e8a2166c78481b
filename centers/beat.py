"""Periodic sweeps of the centers app, collected by fucheng/celery.py (a plain dict, no model imports)."""

from celery.schedules import crontab

SCHEDULE = {
    # messages (issue 21): the outbox's sweep; each commit that queues a message also asks for it at once
    "centers-messages-dispatch": {"task": "centers.messaging.dispatch", "schedule": 60.0},
    # messages: settled messages (their codes, links and texts) are deleted after FUCHENG_MESSAGE_KEEP_DAYS
    "centers-messages-purge": {"task": "centers.messaging.purge", "schedule": crontab(hour=3, minute=40)},
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
    # retention (issue 25): on the 1st, each center's report of what becomes due this month and what is held
    "centers-retention-monthly-report": {
        "task": "centers.retention.monthly_report",
        "schedule": crontab(day_of_month=1, hour=3, minute=15),
    },
}
