from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from centers import hooks

# The rooms of the cases app that keep their models beside them; each builds on cases.models.
DOMAIN_MODEL_MODULES = (
    "cases.alerts.models",
    "cases.referrals.models",
    "cases.follow_ups.models",
    "cases.screenings.models",
    "cases.early_warning.models",
    "cases.consult.models",
    "cases.safety.models",
)


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def import_models(self) -> None:
        super().import_models()
        # Django imports only cases.models; the domain model modules register their models with this app
        # when imported, so they are imported here, while the registry loads the app's models.
        for module in DOMAIN_MODEL_MODULES:
            import_module(module)

    def ready(self) -> None:
        # Imported here, not at the top: these modules import models, which exist only once apps are loaded.
        from cases import official_figures, providers
        from cases import retention as retention_types
        from cases.consult import providers as consult_providers

        # Celery tasks are registered by importing their modules; services queue them by name
        # (centers.infra.enqueue), so no service imports a tasks module.
        import_module("cases.tasks")
        hooks.register("group_open_work", providers.group_open_work)
        hooks.register("user_open_work", providers.user_open_work)
        hooks.register("station_figures", providers.station_figures)
        hooks.register("person_export", providers.person_export)
        hooks.register("person_anonymise", providers.person_anonymise)
        hooks.register("person_record_hold", providers.person_record_hold)
        hooks.register("retention_record_types", retention_types.record_types)
        hooks.register("record_objects", providers.record_objects)
        hooks.register("person_links", providers.person_links)
        hooks.register("role_landing", providers.role_landing)
        hooks.register("monthly_crisis_events", official_figures.monthly_crisis_events)
        hooks.register("early_warning_weekly", official_figures.early_warning_weekly)
        hooks.register("person_export", consult_providers.person_export)
        hooks.register("person_anonymise", consult_providers.person_anonymise)
        hooks.register("resident_home_badges", consult_providers.resident_home_badges)
