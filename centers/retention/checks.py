"""The retention schedule is checked at start (every `check`, and so `check --deploy`): a period under the
law's floor (audit under six months, counseling records under ten years...) is an error."""

from django.core.checks import Error, Tags, register

from centers.retention.schedule import schedule_problems


@register(Tags.security, deploy=True)
def retention_schedule_check(app_configs, **kwargs):
    return [Error(problem, id="fucheng.E020") for problem in schedule_problems()]
