from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from centers import hooks

        from . import providers

        hooks.register("group_open_work", providers.group_open_work)
        hooks.register("user_open_work", providers.user_open_work)
        hooks.register("station_figures", providers.station_figures)
        hooks.register("person_export", providers.person_export)
        hooks.register("person_anonymise", providers.person_anonymise)
        hooks.register("person_record_hold", providers.person_record_hold)
        hooks.register("record_objects", providers.record_objects)
        hooks.register("person_links", providers.person_links)
        from . import official_figures  # officials' statistics (issue 5)

        hooks.register("monthly_crisis_events", official_figures.monthly_crisis_events)
        hooks.register("early_warning_weekly", official_figures.early_warning_weekly)
        from . import consult_providers  # online conversations (issue 10)

        hooks.register("person_export", consult_providers.person_export)
        hooks.register("person_anonymise", consult_providers.person_anonymise)
