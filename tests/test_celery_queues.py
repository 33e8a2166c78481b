"""Queues by urgency (issue 27, item 1): every task the portal registers goes to a queue on purpose."""

from django.conf import settings

from fucheng.celery import app

QUEUES = {"crisis", "default", "bulk"}


def _queue_of(name: str) -> str:
    return settings.CELERY_TASK_ROUTES.get(name, {}).get("queue", settings.CELERY_TASK_DEFAULT_QUEUE)


def test_every_routed_task_exists_and_crisis_work_is_on_the_crisis_queue():
    app.loader.import_default_modules()
    registered = {name for name in app.tasks if not name.startswith("celery.")}
    assert set(settings.CELERY_TASK_ROUTES) <= registered, "a route names a task that does not exist"
    assert {_queue_of(name) for name in registered} <= QUEUES
    for name in ("cases.alert_dispatch", "cases.sweep", "centers.messaging.dispatch", "centers.messaging.dispatch_now"):
        assert _queue_of(name) == "crisis", name
    for name in ("centers.statistics.refresh_run", "cases.weekly_series", "centers.messaging.purge"):
        assert _queue_of(name) == "bulk", name
    assert _queue_of("appointments.reminders_send_due") == "default"


def test_the_task_a_crisis_alert_queues_is_routed_to_the_crisis_queue():
    route = app.amqp.router.route({}, "cases.alert_dispatch", args=(1,), kwargs={})
    assert route["queue"].name == "crisis"


def test_a_worker_started_without_queues_takes_all_three_crisis_first():
    assert [queue.name for queue in settings.CELERY_TASK_QUEUES] == ["crisis", "default", "bulk"]
